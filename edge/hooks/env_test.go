package hooks

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/store"
)

// TestExecHookEnvironment (issue 12): a hook gets PATH, TZ, LANG (and
// Windows' system variables), what its env key names and the SCANPAY_*
// ids; never the rest of scanpay's environment, where wallet keys live.
func TestExecHookEnvironment(t *testing.T) {
	t.Setenv("SCANPAY_TEST_JKO_KEY", "s3cret-wallet-key")
	t.Setenv("PRINTER_NAME", "counter-1")
	t.Setenv("TZ", "Asia/Taipei")
	out := filepath.Join(t.TempDir(), "out")
	h, err := New(Config{Kind: "exec", Command: helperCommand(t, "record", out), Env: []string{"PRINTER_NAME"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Deliver(context.Background(), receipt(store.Refunded, "r9")); err != nil {
		t.Fatal(err)
	}
	env := readSeen(t, out).Env
	for k, v := range env {
		if strings.Contains(v, "s3cret") {
			t.Errorf("the hook sees the wallet key in %s", k)
		}
	}
	allowed := map[string]bool{"PRINTER_NAME": true, "SCANPAY_DELIVERY_ID": true, "SCANPAY_PAYMENT_ID": true, "SCANPAY_STATE": true, "SCANPAY_REFUND_ID": true}
	for _, n := range append(hookEnvNames, hookEnvNamesWindows...) {
		allowed[strings.ToUpper(n)] = true
	}
	// Wine gives every process it starts its own WINE* variables; Windows
	// adds nothing.
	_, underWine := os.LookupEnv("WINELOADER")
	for k := range env {
		if underWine && strings.HasPrefix(k, "WINE") {
			continue
		}
		if !allowed[strings.ToUpper(k)] {
			t.Errorf("the hook got %s, which nothing passes on; it got %v", k, slices.Sorted(maps.Keys(env)))
		}
	}
	if env["PRINTER_NAME"] != "counter-1" || env["TZ"] != "Asia/Taipei" || env["SCANPAY_REFUND_ID"] != "r9" || env["SCANPAY_STATE"] != "refunded" {
		t.Errorf("the hook's environment lacks what it is given: %v", env)
	}
	if _, ok := env["PATH"]; !ok {
		t.Errorf("the hook has no PATH: %v", env)
	}
}

func TestHookEnv(t *testing.T) {
	vars := map[string]string{"PATH": "/usr/bin", "LANG": "zh_TW.UTF-8", "SYSTEMROOT": `C:\Windows`, "PRINTER": "p1", "JKO_KEY": "k"}
	lookup := func(goos string) func(string) (string, bool) {
		return func(n string) (string, bool) {
			if goos == "windows" {
				n = strings.ToUpper(n) // Windows' names are case-insensitive
			}
			v, ok := vars[n]
			return v, ok
		}
	}
	r := Receipt{DeliveryID: "d", PaymentID: "p", State: store.Approved}
	ids := []string{"SCANPAY_DELIVERY_ID=d", "SCANPAY_PAYMENT_ID=p", "SCANPAY_STATE=approved", "SCANPAY_REFUND_ID="}
	tests := []struct {
		goos  string
		extra []string
		want  []string
	}{
		{"linux", nil, append([]string{"PATH=/usr/bin", "LANG=zh_TW.UTF-8"}, ids...)},
		{"linux", []string{"PRINTER", "PATH", "ABSENT"}, append([]string{"PATH=/usr/bin", "LANG=zh_TW.UTF-8", "PRINTER=p1"}, ids...)},
		{"windows", []string{"printer", "Path"}, append([]string{"PATH=/usr/bin", "LANG=zh_TW.UTF-8", `SystemRoot=C:\Windows`, "printer=p1"}, ids...)},
	}
	for _, tt := range tests {
		if got := hookEnv(tt.goos, tt.extra, lookup(tt.goos), r); !slices.Equal(got, tt.want) {
			t.Errorf("hookEnv(%s, %v) =\n%q, want\n%q", tt.goos, tt.extra, got, tt.want)
		}
	}
}
