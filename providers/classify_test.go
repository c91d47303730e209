package providers_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/providers"
)

func defaultClassifier(t testing.TB) *providers.Classifier {
	t.Helper()
	c, err := providers.NewClassifier(providers.DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClassify(t *testing.T) {
	c := defaultClassifier(t)
	tests := []struct {
		code string
		want providers.Classification
	}{
		{"22J111111111111111", providers.Classification{Class: "jkopay", Payment: true, Wallet: "jkopay", Rule: "jkopay"}},
		{"22abcDEF0123456789", providers.Classification{Class: "jkopay", Payment: true, Wallet: "jkopay", Rule: "jkopay"}},
		{"99123456789012345678", providers.Classification{Class: "easywallet", Payment: true, Wallet: "easywallet", Rule: "easywallet"}},
		{"TWQRa1b2c3D4E5F6g7h8i9", providers.Classification{Class: "ipass", Payment: true, Wallet: "ipass", Rule: "ipass"}},
		{"123456789012345678", providers.Classification{Class: "linepay", Payment: true, Wallet: "linepay", Rule: "linepay"}},
		{"381311008781708305", providers.Classification{Class: "linepay", Payment: true, Wallet: "linepay", Rule: "linepay"}},
		{"P2ABCDEF0123456789", providers.Classification{Class: "pxpay", Rule: "pxpay"}},
		{"IC0123456789ABCDEF", providers.Classification{Class: "icash", Rule: "icash"}},
		{"/7DX6J02", providers.Classification{Class: providers.ClassEInvoice, Rule: "einvoice_carrier"}},
		{"/AB+.-09", providers.Classification{Class: providers.ClassEInvoice, Rule: "einvoice_carrier"}},
		{"AB12345678901234", providers.Classification{Class: providers.ClassCitizen, Rule: "citizen_carrier"}},
		{"4006381333931", providers.Classification{Class: providers.ClassProduct, Rule: "ean13"}},
		{"96385074", providers.Classification{Class: providers.ClassProduct, Rule: "ean8"}},
		{"036000291452", providers.Classification{Class: providers.ClassProduct, Rule: "upca"}},
		// Wrong check digit: not a product, and nothing else.
		{"4006381333932", providers.Classification{Class: providers.ClassUnknown}},
		// 22 + 16 digits is both JKOPay's and LINE Pay's documented shape:
		// with both wallets known (no Enabled list), ambiguous.
		{"221234567890123456", providers.Classification{Class: providers.ClassAmbiguous, Candidates: []string{"jkopay", "linepay"}}},
		// The EasyWallet spec's own sample: 14 digits, its first two fixed.
		{"94300293390140", providers.Classification{Class: "easywallet", Payment: true, Wallet: "easywallet", Rule: "easywallet_spec"}},
		{"9430029339014", providers.Classification{Class: providers.ClassUnknown, Candidates: []string{"easywallet"}}},
		// Near misses name the wallet they look like.
		{"22J11111111111111", providers.Classification{Class: providers.ClassUnknown, Candidates: []string{"jkopay"}}},
		{"/7dx6j02", providers.Classification{Class: providers.ClassUnknown, Candidates: []string{providers.ClassEInvoice}}},
		{"", providers.Classification{Class: providers.ClassUnknown}},
		{"hello world", providers.Classification{Class: providers.ClassUnknown}},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			if got := c.Classify(tt.code); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Classify(%q) = %+v, want %+v", tt.code, got, tt.want)
			}
		})
	}
}

func TestMergeRules(t *testing.T) {
	defaults := []providers.Rule{
		{Name: "a", Class: "a", Charset: "digits", MinLen: 1, MaxLen: 2},
		{Name: "b", Class: "b", Charset: "digits", MinLen: 3, MaxLen: 4},
		{Name: "c", Class: "c", Charset: "digits", MinLen: 5, MaxLen: 6},
	}
	got := providers.MergeRules(defaults, []providers.Rule{
		{Name: "b", Class: "b", Charset: "alnum", MinLen: 3, MaxLen: 9},
		{Name: "c", Disabled: true},
		{Name: "d", Class: "d", Charset: "digits", MinLen: 7, MaxLen: 7},
	})
	want := []providers.Rule{
		defaults[0],
		{Name: "b", Class: "b", Charset: "alnum", MinLen: 3, MaxLen: 9},
		{Name: "d", Class: "d", Charset: "digits", MinLen: 7, MaxLen: 7},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("MergeRules = %+v, want %+v", got, want)
	}
	if defaults[1].Charset != "digits" {
		t.Fatal("MergeRules changed its input")
	}
}

func TestMergeRulesOverrideResolvesAmbiguity(t *testing.T) {
	// An installation that knows LINE Pay codes never start with 22 can say so.
	rules := providers.MergeRules(providers.DefaultRules(), []providers.Rule{{Name: "linepay", Disabled: true}})
	c, err := providers.NewClassifier(rules)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Classify("221234567890123456"); got.Wallet != "jkopay" {
		t.Fatalf("after disabling linepay: %+v, want jkopay", got)
	}
}

// "22" + 16 digits fits JKOPay and LINE Pay: ambiguous only while both
// are enabled; with one of them enabled it is that one's (the other cannot
// have issued it to this store's customers' charge). Neither: ambiguous.
func TestTwentyTwoPlusSixteenDigitsFollowsTheEnabledWallets(t *testing.T) {
	c := defaultClassifier(t)
	const code = "221234567890123456"
	both := []string{"jkopay", "linepay"}
	tests := []struct {
		enabled []string
		want    providers.Classification
	}{
		{[]string{"jkopay", "linepay", "ipass"}, providers.Classification{Class: providers.ClassAmbiguous, Candidates: both}},
		{[]string{"jkopay", "ipass"}, providers.Classification{Class: "jkopay", Payment: true, Wallet: "jkopay", Rule: "jkopay", Candidates: both}},
		{[]string{"linepay"}, providers.Classification{Class: "linepay", Payment: true, Wallet: "linepay", Rule: "linepay", Candidates: both}},
		{[]string{"ipass"}, providers.Classification{Class: providers.ClassAmbiguous, Candidates: both}},
	}
	for _, tc := range tests {
		if got := c.Enabled(tc.enabled).Classify(code); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("enabled %v: %+v, want %+v", tc.enabled, got, tc.want)
		}
	}
	// A code with a letter is JKOPay's alone, whatever is enabled.
	if got := c.Enabled(both).Classify("22J111111111111111"); got.Wallet != "jkopay" || len(got.Candidates) != 0 {
		t.Fatalf("22J…: %+v", got)
	}
}

func TestNewClassifierRejects(t *testing.T) {
	ok := providers.Rule{Name: "x", Class: "x", Charset: "digits", MinLen: 3, MaxLen: 4}
	tests := []struct {
		name    string
		mutate  func(*providers.Rule)
		wantErr string
	}{
		{"no name", func(r *providers.Rule) { r.Name = "" }, "has no name"},
		{"no class", func(r *providers.Rule) { r.Class = "" }, "has no class"},
		{"reserved class", func(r *providers.Rule) { r.Class = providers.ClassUnknown }, "reserved"},
		{"product payment", func(r *providers.Rule) { r.Class = providers.ClassProduct; r.Payment = true }, "set payment = false"},
		{"bad charset", func(r *providers.Rule) { r.Charset = "emoji" }, "set charset to one of"},
		{"min under prefix", func(r *providers.Rule) { r.Prefix = "123" }, "above the prefix length"},
		{"max under min", func(r *providers.Rule) { r.MaxLen = 2 }, "at least min_len"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ok
			tt.mutate(&r)
			_, err := providers.NewClassifier([]providers.Rule{r})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, providers.ErrRule) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
	if _, err := providers.NewClassifier([]providers.Rule{ok, ok}); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Fatalf("duplicate names: err = %v", err)
	}
	disabled := ok
	disabled.Charset, disabled.Disabled = "emoji", true
	if _, err := providers.NewClassifier([]providers.Rule{disabled}); err != nil {
		t.Fatalf("a disabled rule was validated: %v", err)
	}
}

// FuzzClassify: no input panics, and a code built to one supported wallet's
// shape is never classified as another wallet.
func FuzzClassify(f *testing.F) {
	for _, s := range []string{"22J111111111111111", "99123456789012345678", "TWQRa1b2c3D4E5F6g7h8i9", "/7DX6J02", "4006381333931", "381311008781708305", ""} {
		f.Add(s)
	}
	c := defaultClassifier(f)
	const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	shape := func(seed string, prefix string, n int, set string) string {
		b := []byte(prefix)
		for i := 0; len(b) < n; i++ {
			var x byte
			if i < len(seed) {
				x = seed[i]
			}
			b = append(b, set[int(x)%len(set)])
		}
		return string(b)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := c.Classify(s)
		if got.Payment && got.Wallet == "" {
			t.Fatalf("Classify(%q) = %+v: a payment without a wallet", s, got)
		}
		for _, w := range []struct {
			wallet string
			code   string
		}{
			{"jkopay", shape(s, "22", 18, alnum)},
			{"easywallet", shape(s, "99", 20, "0123456789")},
			{"ipass", shape(s, "", 22, alnum)},
			{"linepay", shape(s, "", 18, "0123456789")},
		} {
			cl := c.Classify(w.code)
			if cl.Wallet != "" && cl.Wallet != w.wallet {
				t.Fatalf("%s-shaped %q classified as %+v", w.wallet, w.code, cl)
			}
			if cl.Class != w.wallet && cl.Class != providers.ClassAmbiguous {
				t.Fatalf("%s-shaped %q classified as %+v", w.wallet, w.code, cl)
			}
		}
	})
}

// BenchmarkClassify compares the kinds of code side by side: a wallet code
// (matched early), a product (matched late, with a check digit), and an
// unknown code (every rule tried, then near misses).
func BenchmarkClassify(b *testing.B) {
	c := defaultClassifier(b)
	for _, bc := range []struct{ name, code string }{
		{"jkopay", "22J111111111111111"},
		{"product", "4006381333931"},
		{"ambiguous", "221234567890123456"},
		{"unknown", "22J11111111111111"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.Classify(bc.code)
			}
		})
	}
}
