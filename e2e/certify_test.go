//go:build linux

package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// certifyConfig writes a configuration holding walletsim's wallets (with
// jkopay's base_url replaced when base is set) and returns its path.
func certifyConfig(t *testing.T, base string) string {
	t.Helper()
	dir := t.TempDir()
	providers := providersTOML(t)
	if base != "" {
		providers = strings.ReplaceAll(providers, simState.Wallets["jkopay"].BaseURL, base)
	}
	path := filepath.Join(dir, "scanpay.toml")
	text := fmt.Sprintf("config_version = 1\ndata_dir = %q\n\n%s", filepath.Join(dir, "data"), providers)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// runScanpay runs the real binary and returns its exit code, stdout and
// stderr.
func runScanpay(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "scanpay"), args...)
	var out, errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String(), errb.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), out.String(), errb.String()
	}
	t.Fatalf("scanpay %v: %v", args, err)
	return 0, "", ""
}

// TestCertify runs `scanpay certify` for each wallet against walletsim:
// codes made by walletsim (--simulator), every case passes (EasyWallet
// skips the void it does not have, LINE Pay the partial refund), the table and the masked transcript
// are written, and every charge it made is given back in walletsim's
// ledger.
func TestCertify(t *testing.T) {
	config := certifyConfig(t, "")
	for _, w := range wallets(t) {
		t.Run(w, func(t *testing.T) {
			transcript := filepath.Join(t.TempDir(), w+".txt")
			code, stdout, stderr := runScanpay(t, "", "certify", w, "--config", config, "--simulator", simState.Control, "--transcript", transcript, "--settle", "30s")
			if code != 0 {
				t.Fatalf("scanpay certify %s: exit %d\n%s\n%s", w, code, stdout, stderr)
			}
			passed := 8
			if w == "easywallet" || w == "linepay" {
				passed = 7 // EasyWallet has no void; LINE Pay refunds in full only
			}
			if !strings.Contains(stdout, fmt.Sprintf("%d passed, 0 failed", passed)) {
				t.Errorf("the table does not say %d passed, 0 failed:\n%s", passed, stdout)
			}
			for _, c := range []string{"pay approved", "pay declined", "duplicate order", "timeout, then settled", "cancel/void", "full refund", "partial refund", "inquiry/search"} {
				if !strings.Contains(stdout, c) {
					t.Errorf("the table has no row %q", c)
				}
			}
			b, err := os.ReadFile(transcript)
			if err != nil {
				t.Fatalf("no transcript: %v", err)
			}
			if !bytes.Contains(b, []byte("WITHHELD")) || !bytes.Contains(b, []byte("==== case 8: inquiry/search")) {
				t.Errorf("the transcript lacks the withheld answer or the last case:\n%.2000s", b)
			}
			if st, _ := os.Stat(transcript); st.Mode().Perm() != 0o600 {
				t.Errorf("the transcript is mode %o, want 600", st.Mode().Perm())
			}
			var l struct{ Charges []charge }
			sim(t, "GET", "/v1/wallets/"+w+"/ledger", "", &l)
			n := 0
			for _, c := range l.Charges {
				if !strings.Contains(c.Key, "CERT") {
					continue
				}
				n++
				if !c.Voided && c.Refunded < c.Amount {
					t.Errorf("certify left charge %s (%d TWD, refunded %d) in place", c.Key, c.Amount, c.Refunded)
				}
				if bytes.Contains(b, []byte(c.Key)) && c.MaskedCode != "" && !bytes.Contains(b, []byte(c.MaskedCode)) {
					t.Errorf("the transcript shows order %s without its masked code %s", c.Key, c.MaskedCode)
				}
			}
			if n < 5 {
				t.Errorf("walletsim booked %d certify charges, want at least 5", n)
			}
		})
	}
}

// TestCertifyPromptsForCodes: without --codes or --simulator, certify asks
// for each code on the terminal (here a pipe, as a keyboard-mode scanner
// types into one), and the transcript never shows a code whole.
func TestCertifyPromptsForCodes(t *testing.T) {
	config := certifyConfig(t, "")
	var codes []string
	for range 7 {
		codes = append(codes, issue(t, "jkopay"))
	}
	transcript := filepath.Join(t.TempDir(), "jkopay.txt")
	code, stdout, stderr := runScanpay(t, strings.Join(codes, "\n")+"\n", "certify", "jkopay", "--config", config, "--transcript", transcript)
	if code != 0 || !strings.Contains(stdout, "8 passed, 0 failed") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if n := strings.Count(stderr, "show a fresh jkopay payment code"); n != 7 {
		t.Errorf("asked for %d codes, want 7:\n%s", n, stderr)
	}
	b, _ := os.ReadFile(transcript)
	for _, c := range codes {
		if bytes.Contains(b, []byte(c)) || strings.Contains(stdout+stderr, c) {
			t.Fatalf("a full payment code reached the transcript or the output")
		}
	}
}

// TestCertifyRefusals: a production address without --production, a
// missing wallet name, and --help with its example.
func TestCertifyRefusals(t *testing.T) {
	prod := certifyConfig(t, "https://pos.jkopay.com/SYSTEM")
	dir := t.TempDir()
	transcript := filepath.Join(dir, "t.txt")
	before := len(ledger(t, "jkopay"))
	code, _, stderr := runScanpay(t, "", "certify", "jkopay", "--config", prod, "--simulator", simState.Control, "--transcript", transcript)
	if code != 2 || !strings.Contains(stderr, "--production") || !strings.Contains(stderr, "pos.jkopay.com") {
		t.Errorf("against a production address: exit %d, %s; want 2 naming the host and --production", code, stderr)
	}
	if _, err := os.Stat(transcript); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused run left a transcript (%v)", err)
	}
	code, _, stderr = runScanpay(t, "", "certify", "jkopay", "--config", prod, "--signature")
	if code != 2 || !strings.Contains(stderr, "--production") {
		t.Errorf("signature check against a production address: exit %d, %s", code, stderr)
	}
	if after := len(ledger(t, "jkopay")); after != before {
		t.Errorf("a refused run charged %d times", after-before)
	}
	if code, _, stderr = runScanpay(t, "", "certify", "--config", prod); code != 2 || !strings.Contains(stderr, "name the wallet") {
		t.Errorf("no wallet: exit %d, %s", code, stderr)
	}
	code, stdout, _ := runScanpay(t, "", "certify", "--help")
	if code != 0 || !strings.Contains(stdout, "Example:") || !strings.Contains(stdout, "scanpay certify jkopay --config") || !strings.Contains(stdout, "--production") {
		t.Errorf("certify --help: exit %d\n%s", code, stdout)
	}
}

// TestCertifySignature: the JKOPay signature check through the real
// binary: walletsim's key is accepted, a wrong one refused (904, exit 8).
func TestCertifySignature(t *testing.T) {
	config := certifyConfig(t, "")
	code, stdout, stderr := runScanpay(t, "", "certify", "jkopay", "--config", config, "--signature")
	if code != 0 || !strings.Contains(stdout, "ACCEPTED") {
		t.Fatalf("the right key: exit %d\n%s%s", code, stdout, stderr)
	}
	b, err := os.ReadFile(config)
	if err != nil {
		t.Fatal(err)
	}
	var key string
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok && strings.TrimSpace(k) == "merchant_key" {
			key = strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	if key == "" {
		t.Fatal("walletsim's jkopay table has no merchant_key")
	}
	if err := os.WriteFile(config, bytes.ReplaceAll(b, []byte(key), []byte(strings.Repeat("0", len(key)))), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ = runScanpay(t, "", "certify", "jkopay", "--config", config, "--signature")
	if code != 8 || !strings.Contains(stdout, "REFUSED (904)") {
		t.Fatalf("a wrong key: exit %d\n%s", code, stdout)
	}
	// --try finds the value that is accepted, in one command, and shows a
	// secret key's values masked.
	wrong := strings.Repeat("0", len(key))
	code, stdout, stderr = runScanpay(t, "", "certify", "jkopay", "--config", config, "--signature", "--try", "merchant_key="+wrong+","+key)
	if code != 0 || strings.Count(stdout, "REFUSED (904)") != 1 || strings.Count(stdout, "ACCEPTED") != 1 || !strings.Contains(stdout, "accepted merchant_key = [redacted]") {
		t.Fatalf("--try: exit %d\n%s%s", code, stdout, stderr)
	}
	if strings.Contains(stdout+stderr, key) || strings.Contains(stdout+stderr, wrong) {
		t.Fatalf("--try printed a key:\n%s%s", stdout, stderr)
	}
	code, stdout, stderr = runScanpay(t, "", "certify", "jkopay", "--config", config, "--signature", "--try", "merchant_key="+wrong)
	if code != 8 || !strings.Contains(stdout, "accepted none") {
		t.Fatalf("--try with no accepted value: exit %d\n%s%s", code, stdout, stderr)
	}
	code, _, stderr = runScanpay(t, "", "certify", "jkopay", "--config", config, "--signature", "--try", "no_such_key=a,b")
	if code != 2 || !strings.Contains(stderr, "no_such_key") {
		t.Fatalf("--try with a key the table does not have: exit %d\n%s", code, stderr)
	}
}

func ledger(t *testing.T, wallet string) []charge {
	var l struct{ Charges []charge }
	sim(t, "GET", "/v1/wallets/"+wallet+"/ledger", "", &l)
	return l.Charges
}
