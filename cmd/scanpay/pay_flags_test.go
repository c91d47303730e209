package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --addr takes a loopback address only, as the server listens: the bearer
// token goes over plain HTTP and must never leave the PC.
func TestAddrMustBeLoopback(t *testing.T) {
	tf := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tf, []byte("0123456789abcdef0123456789abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{"evil.example:8727", "192.0.2.1:8727", "localhost.evil.example:80"} {
		code, _, errOut := invoke(t, nil, "payments", "--addr", addr, "--token-file", tf, "--order", "1")
		if code != exitUsage || !strings.Contains(errOut, "loopback") {
			t.Errorf("--addr %s: exit %d, %q; want a usage refusal naming loopback", addr, code, errOut)
		}
	}
}

// --code puts a full payment code on the command line, where ps shows it:
// outside SANDBOX it is refused, naming --code-stdin.
func TestPayCodeFlagOnlyInSandbox(t *testing.T) {
	path := exampleConfig(t)
	tf := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tf, []byte("0123456789abcdef0123456789abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := invoke(t, nil, "pay", "--config", path, "--token-file", tf, "--terminal", "AB123456", "--order", "1", "--amount", "5", "--code", "22J1ABCDEFGH991111")
	if code != exitUsage || !strings.Contains(errOut, "--code-stdin") || strings.Contains(errOut, "22J1ABCDEFGH991111") {
		t.Errorf("exit %d, %q; want a usage refusal naming --code-stdin", code, errOut)
	}
}

// --code-stdin reads the code from standard input (piped here), so it
// never appears on the command line; an empty input is a usage error.
func TestPayCodeFromStdin(t *testing.T) {
	var out bytes.Buffer
	c := newCLI(strings.NewReader("  22J1ABCDEFGH991111\r\nrest"), &out, &out)
	if code, err := c.readCode(); err != nil || code != "22J1ABCDEFGH991111" {
		t.Errorf("readCode = %q, %v", code, err)
	}
	c = newCLI(strings.NewReader("\n"), &out, &out)
	if _, err := c.readCode(); err == nil || !strings.Contains(err.Error(), "no code") {
		t.Errorf("an empty input: %v", err)
	}
	if strings.Contains(out.String(), "22J1ABCDEFGH991111") {
		t.Errorf("the code was echoed: %q", out.String())
	}
}
