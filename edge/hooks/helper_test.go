package hooks

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// helperArg makes the test binary act as an exec hook (a real program,
// an .exe on Windows) instead of running the tests.
const helperArg = "scanpay-hook-helper"

func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == helperArg {
		os.Exit(hookHelper(os.Args[2], os.Args[3:]))
	}
	os.Exit(m.Run())
}

// seen is what the helper hook records: its stdin, environment and
// arguments.
type seen struct {
	Stdin string            `json:"stdin"`
	Env   map[string]string `json:"env"`
	Args  []string          `json:"args"`
}

// hookHelper is the hook: "record OUT" writes what it was given to OUT;
// "fail" and "longstderr" fail with stderr; "sleep" outlasts a timeout.
func hookHelper(mode string, args []string) int {
	switch mode {
	case "record":
		in, _ := io.ReadAll(os.Stdin)
		s := seen{Stdin: string(in), Env: map[string]string{}, Args: args[1:]}
		for _, kv := range os.Environ() {
			k, v, _ := strings.Cut(kv, "=")
			s.Env[k] = v
		}
		b, _ := json.Marshal(s)
		if err := os.WriteFile(args[0], b, 0o600); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	case "fail":
		fmt.Fprintln(os.Stderr, "printer out of paper")
		return 3
	case "longstderr":
		fmt.Fprint(os.Stderr, strings.Repeat("x", 5000)+"END\n")
		return 1
	case "sleep":
		time.Sleep(5 * time.Second)
		return 0
	}
	fmt.Fprintln(os.Stderr, "unknown helper mode", mode)
	return 2
}

// helperCommand is an exec hook command running this test binary as the
// helper in mode.
func helperCommand(t *testing.T, mode string, args ...string) []string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{exe, helperArg, mode}, args...)
}

// readSeen reads what the record helper (or a script) wrote.
func readSeen(t *testing.T, path string) seen {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s seen
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("%s: %v: %q", filepath.Base(path), err, b)
	}
	return s
}
