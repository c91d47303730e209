package store

import (
	"os"
	"strconv"
	"strings"
)

// selfRSS is this process's anonymous resident memory in bytes (the
// journal's mapped file left out), from /proc; 0 if unreadable.
func selfRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "RssAnon:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}
