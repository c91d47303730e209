package edge

import (
	"os"
	"path/filepath"
	"testing"
)

// printerHook writes a receipt printer as an exec hook script (a .cmd,
// Windows' counterpart of printer_unix_test.go's shell script): it fails
// with "printer offline" until the file ready exists, then appends each
// receipt to out, one per line. set /p reads the first 1,021 bytes of the
// receipt: enough to count them (Wine's find and findstr do not read a
// pipe).
func printerHook(t *testing.T, dir, ready, out string) string {
	t.Helper()
	script := filepath.Join(dir, "print.cmd")
	body := "@echo off\r\n" +
		"if not exist \"" + ready + "\" (echo printer offline 1>&2\r\n exit /b 1)\r\n" +
		"set /p RECEIPT=\r\n" +
		">> \"" + out + "\" echo %RECEIPT%\r\n"
	if err := os.WriteFile(script, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return script
}
