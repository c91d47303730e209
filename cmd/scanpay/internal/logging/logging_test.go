package logging

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-systemd/v22/journal"
)

const (
	jkoCode   = "22J1ABCDEF12341111"     // JKOPay shape: 22 + 16
	easyCode  = "99123456789012345678"   // EasyWallet guess: 20 digits
	ipassCode = "AbCdEfGhIjKlMnOpQrStUv" // iPass guess: 22 mixed-case alnum
	apiToken  = "tok-9f8e7d6c"
	walletKey = "k3y!s3cr3t"
)

type payment struct {
	Code string
}

// carelessLines log full codes and secrets every way a careless caller
// could.
var carelessLines = []func(l *slog.Logger){
	func(l *slog.Logger) { l.Info("scanned " + jkoCode) },
	func(l *slog.Logger) { l.Info("scan", "code", easyCode) },
	func(l *slog.Logger) {
		l.Warn("pay failed", "err", fmt.Errorf("wallet refused %s: %w", ipassCode, errors.New("boom")))
	},
	func(l *slog.Logger) { l.Info("payment", "p", payment{Code: jkoCode}) },
	func(l *slog.Logger) { l.Info("group", slog.Group("req", "code", easyCode, "token", apiToken)) },
	func(l *slog.Logger) { l.With("merchant_key", walletKey).Info("provisioned") },
	func(l *slog.Logger) { l.With("code", ipassCode).WithGroup("g").Info("held") },
	func(l *slog.Logger) { l.Debug("auth header Bearer " + apiToken) },
	func(l *slog.Logger) { l.Error("key in text " + walletKey) },
}

// TestNoCodeOrSecretReachesTheLog logs full codes and secrets every way a
// careless caller could, through the real handlers (console text and
// rotating JSON file), and proves none of them arrives whole.
func TestNoCodeOrSecretReachesTheLog(t *testing.T) {
	var console bytes.Buffer
	file := filepath.Join(t.TempDir(), "logs", "scanpay.log")
	secrets := &Secrets{}
	secrets.Add(apiToken, walletKey)
	logger, closer, err := New(Options{
		Config:  Config{File: file, Level: "debug"},
		Console: &console,
		Secrets: secrets,
		Sandbox: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	cases := carelessLines
	for _, c := range cases {
		c(logger)
	}
	if err := closer.Close(); err != nil {
		t.Fatal(err)
	}
	fromFile, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"console": console.String(), "file": string(fromFile)} {
		if n := strings.Count(out, "\n"); n != len(cases) {
			t.Errorf("%s: %d lines, want %d:\n%s", name, n, len(cases), out)
		}
		for _, bad := range []string{jkoCode, easyCode, ipassCode, apiToken, walletKey} {
			if strings.Contains(out, bad) {
				t.Errorf("%s log contains %q:\n%s", name, bad, out)
			}
		}
		for _, want := range []string{"22J1…1111", "9912…5678", "AbCd…StUv", "[redacted]", "SANDBOX"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s log lacks %q:\n%s", name, want, out)
			}
		}
	}
	if !strings.Contains(string(fromFile), `"msg":`) {
		t.Errorf("file log is not JSON: %s", fromFile)
	}
}

func TestScrubLeavesOrdinaryTextAlone(t *testing.T) {
	s := &Secrets{}
	for _, in := range []string{
		"payment 3f2b6c1e-8a4d-4b1e-9c2f-1a2b3c4d5e6f approved",
		"order 42 on lane AB123456",
		"22J1…1111",
		"",
	} {
		if got := s.Scrub(in); got != in {
			t.Errorf("Scrub(%q) = %q, want unchanged", in, got)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		c    Config
		want string
	}{
		{Config{}, ""},
		{Config{Level: "debug", Format: "json"}, ""},
		{Config{Level: "loud"}, "log.level"},
		{Config{Format: "xml"}, "log.format"},
		{Config{MaxBackups: -1}, "must not be negative"},
	}
	for _, tt := range tests {
		err := tt.c.Validate()
		if tt.want == "" && err != nil {
			t.Errorf("%+v: %v", tt.c, err)
		}
		if tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "set it to") && !strings.Contains(err.Error(), "use 0")) {
			t.Errorf("%+v: error %v, want one naming %q and the fix", tt.c, err, tt.want)
		}
	}
}

// TestCodeMatcherKeepsTransactionIDs: with the classifier's say-so, wallet
// transaction ids stay readable while codes and long secrets are masked.
func TestCodeMatcherKeepsTransactionIDs(t *testing.T) {
	s := &Secrets{}
	s.SetCodeMatcher(func(run string) bool { return run == jkoCode || run == easyCode })
	tests := []struct{ in, want string }{
		{"trade J2611220457500000001 ok", "trade J2611220457500000001 ok"},
		{"code " + jkoCode, "code 22J1…1111"},
		{"code=" + easyCode + ".", "code=9912…5678."},
		{"key 0123456789abcdef0123456789abcdef", "key 0123…cdef"},
	}
	for _, tt := range tests {
		if got := s.Scrub(tt.in); got != tt.want {
			t.Errorf("Scrub(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestKeyVerdictsCached: a key's verdict is the same the first time, when
// it comes from the cache, and past the cache's size.
func TestKeyVerdictsCached(t *testing.T) {
	k := &keyVerdicts{}
	for i := range maxKeys + 10 {
		k.secret(fmt.Sprintf("filler_%d", i))
	}
	for _, tt := range []struct {
		key  string
		want bool
	}{
		{"merchant_key", true}, {"api_token", true}, {"key_file", false}, {"wallet", false}, {"password", true},
	} {
		for round := range 3 {
			if got := k.secret(tt.key); got != tt.want {
				t.Errorf("round %d: secret(%q) = %v, want %v", round, tt.key, got, tt.want)
			}
		}
	}
	k2 := &keyVerdicts{}
	for round := range 2 {
		if !k2.secret("auth_key") || k2.secret("request_id") {
			t.Errorf("round %d: cached verdicts differ from the regexp's", round)
		}
	}
}

// TestJournalGetsStructuredMaskedEntries: under systemd each line is one
// journald entry, with its attributes as SCANPAY_* fields, and masking
// applies to the message and every field alike; nothing goes to the
// console meanwhile, nor to a file unless one is set.
func TestJournalGetsStructuredMaskedEntries(t *testing.T) {
	var console bytes.Buffer
	secrets := &Secrets{}
	secrets.Add(apiToken, walletKey)
	var entries []string
	send := func(msg string, p journal.Priority, vars map[string]string) error {
		keys := make([]string, 0, len(vars))
		for k := range vars {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		e := fmt.Sprintf("PRIORITY=%d MESSAGE=%s", p, msg)
		for _, k := range keys {
			e += " " + k + "=" + vars[k]
		}
		entries = append(entries, e)
		return nil
	}
	logger, closer, err := New(Options{Config: Config{Level: "debug"}, Console: &console,
		Secrets: secrets, Sandbox: true, Journal: true, send: send})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range carelessLines {
		c(logger)
	}
	logger.WithGroup("hook").Info("delivered", "payment_id", "p-1", "at", time.Date(2026, 11, 21, 12, 0, 3, 0, time.UTC))
	closer.Close()
	if console.Len() != 0 {
		t.Errorf("the console got %q", console.String())
	}
	if len(entries) != len(carelessLines)+1 {
		t.Fatalf("%d journal entries, want %d:\n%s", len(entries), len(carelessLines)+1, strings.Join(entries, "\n"))
	}
	out := strings.Join(entries, "\n")
	for _, bad := range []string{jkoCode, easyCode, ipassCode, apiToken, walletKey} {
		if strings.Contains(out, bad) {
			t.Errorf("the journal got %q:\n%s", bad, out)
		}
	}
	for _, want := range []string{
		"PRIORITY=6 MESSAGE=scan SCANPAY_CODE=9912…5678 SCANPAY_MODE=SANDBOX SYSLOG_IDENTIFIER=scanpay",
		"PRIORITY=4 MESSAGE=pay failed SCANPAY_ERR=wallet refused AbCd…StUv: boom",
		"SCANPAY_REQ_CODE=9912…5678 SCANPAY_REQ_TOKEN=[redacted]",
		"PRIORITY=7 MESSAGE=auth header Bearer [redacted]",
		"PRIORITY=3 MESSAGE=key in text",
		"MESSAGE=delivered SCANPAY_HOOK_AT=2026-11-21T12:00:03Z SCANPAY_HOOK_PAYMENT_ID=p-1 SCANPAY_MODE=SANDBOX",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the journal lacks %q:\n%s", want, out)
		}
	}
}
