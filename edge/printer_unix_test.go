//go:build unix

package edge

import (
	"os"
	"path/filepath"
	"testing"
)

// printerHook writes a receipt printer as an exec hook script: it fails
// with "printer offline" until the file ready exists, then appends each
// receipt to out, one per line.
func printerHook(t *testing.T, dir, ready, out string) string {
	t.Helper()
	script := filepath.Join(dir, "print.sh")
	body := "#!/bin/sh\n[ -f " + ready + " ] || { echo 'printer offline' >&2; exit 1; }\ncat >> " + out + "\necho >> " + out + "\n"
	if err := os.WriteFile(script, []byte(body), 0o700); err != nil {
		t.Fatal(err)
	}
	return script
}
