package hooks

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/store"
)

// batchHook is a .cmd script that writes what it was given to %1: the
// start of the receipt from stdin (Wine's find and findstr do not read a
// pipe; set /p does), the delivery id, a variable from the hook's env key
// and its other arguments (quoted, as they arrive); with a 4th argument
// it fails with that exit code.
const batchHook = "@echo off\r\n" +
	"set /p RECEIPT=\r\n" +
	"> \"%~1\" echo stdin=%RECEIPT:~0,16%\r\n" +
	">> \"%~1\" echo id=%SCANPAY_DELIVERY_ID%\r\n" +
	">> \"%~1\" echo printer=%PRINTER_NAME%\r\n" +
	">> \"%~1\" echo arg2=%2\r\n" +
	">> \"%~1\" echo arg3=%3\r\n" +
	"if not \"%~4\"==\"\" (echo printer out of paper 1>&2\r\n exit /b %~4)\r\n"

// TestExecHookBatchScript: a .cmd hook runs through cmd.exe with its
// arguments intact, cmd.exe's operators in them staying text, and the
// receipt on stdin; by full path and as a bare name found through PATH and
// PATHEXT. (Windows' counterpart of TestExecHookShellScript.)
func TestExecHookBatchScript(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "print hook.cmd")
	if err := os.WriteFile(script, []byte(batchHook), 0o600); err != nil {
		t.Fatal(err)
	}
	pwned := filepath.Join(dir, "pwned")
	inject := "a & echo pwned> " + pwned + " & rem"
	t.Setenv("PRINTER_NAME", "counter-1")
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	for _, program := range []string{script, "print hook"} {
		t.Run(program, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			h, err := New(Config{Kind: "exec", Command: []string{program, out, "lane 1 (front)", inject}, Env: []string{"PRINTER_NAME"}}, dir)
			if err != nil {
				t.Fatal(err)
			}
			if err := h.Deliver(context.Background(), receipt(store.Approved, "")); err != nil {
				b, _ := os.ReadFile(out)
				t.Fatalf("%v; wrote %q", err, b)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			got := strings.ReplaceAll(string(b), "\r\n", "\n")
			for _, want := range []string{`stdin={"delivery_id":"`, "id=p1/approved/h\n", "printer=counter-1\n", "arg2=\"lane 1 (front)\"\n", "arg3=\"" + inject + "\"\n"} {
				if !strings.Contains(got, want) {
					t.Errorf("the script wrote %q, without %q", got, want)
				}
			}
			if _, err := os.Stat(pwned); err == nil {
				t.Fatal("an argument ran as a command")
			}
		})
	}
	// A quote would end cmd.exe's quoting (Go escapes it as \", which
	// cmd.exe does not read: golang/go#27199). Behind a bare name the
	// config check cannot know the program is a batch script; the
	// delivery refuses it once PATHEXT has found print hook.cmd.
	breakout := `"&echo pwned>` + pwned + `&rem `
	h, err := New(Config{Kind: "exec", Command: []string{"print hook", filepath.Join(dir, "out"), "a", breakout}}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Deliver(context.Background(), receipt(store.Approved, "")); err == nil || !strings.Contains(err.Error(), `contains "\""`) {
		t.Errorf("a quote in a batch script's argument: %v", err)
	}
	if _, err := os.Stat(pwned); err == nil {
		t.Fatal("an argument with a quote ran as a command")
	}
	h, _ = New(Config{Kind: "exec", Command: []string{script, filepath.Join(dir, "out"), "a", "b", "3"}}, dir)
	if err := h.Deliver(context.Background(), receipt(store.Approved, "")); err == nil || !strings.Contains(err.Error(), "exit status 3); stderr: printer out of paper") {
		t.Fatalf("a failing script: %v", err)
	}
}
