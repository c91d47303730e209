//go:build unix

package hooks

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/store"
)

// TestExecHookShellScript: a script runs by its #! line, from a path
// relative to the config's folder, with the receipt on stdin. (Windows has
// no #! scripts: TestExecHookBatchScript is its counterpart.)
func TestExecHookShellScript(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	script := "#!/bin/sh\ncat > \"$1\"; echo \"$SCANPAY_DELIVERY_ID\" >> \"$1\"; echo 'printer out of paper' >&2; exit \"$2\"\n"
	if err := os.WriteFile(filepath.Join(dir, "hook.sh"), []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	h, err := New(Config{Kind: "exec", Command: []string{"./hook.sh", out, "0"}}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Deliver(context.Background(), receipt(store.Approved, "")); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	if !strings.Contains(string(b), `"masked_code":"22J1…1111"`) || !strings.HasSuffix(string(b), "p1/approved/h\n") {
		t.Fatalf("the script saw %q", b)
	}
	h, _ = New(Config{Kind: "exec", Command: []string{"./hook.sh", out, "3"}}, dir)
	if err := h.Deliver(context.Background(), receipt(store.Approved, "")); err == nil || !strings.Contains(err.Error(), "exit status 3); stderr: printer out of paper") {
		t.Fatalf("a failing script: %v", err)
	}
}
