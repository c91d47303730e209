package providers

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Classes a code can fall into besides a wallet's registry name.
const (
	ClassUnknown   = "unknown"          // no rule matched
	ClassAmbiguous = "ambiguous"        // rules of several classes matched
	ClassEInvoice  = "einvoice_carrier" // e-invoice mobile carrier, /XXXXXXX
	ClassCitizen   = "citizen_carrier"  // citizen digital certificate carrier
	ClassProduct   = "product"          // EAN-8, UPC-A, EAN-13 with a valid check digit
)

// Charsets a Rule may name. The charset applies to what follows the prefix.
const (
	CharsetDigits  = "digits"  // 0-9
	CharsetAlnum   = "alnum"   // 0-9 a-z A-Z
	CharsetUpper   = "ALNUM"   // 0-9 A-Z
	CharsetCarrier = "carrier" // 0-9 A-Z . + - (the e-invoice carrier set)
	CharsetCitizen = "citizen" // 2 capital letters then digits
	CharsetGS1     = "gs1"     // digits whose last one is a valid GS1 check digit
)

var charsets = map[string]func(string) bool{
	CharsetDigits: func(s string) bool { return all(s, isDigit) },
	CharsetAlnum: func(s string) bool {
		return all(s, func(c byte) bool { return isDigit(c) || isUpper(c) || isLower(c) })
	},
	CharsetUpper: func(s string) bool { return all(s, func(c byte) bool { return isDigit(c) || isUpper(c) }) },
	CharsetCarrier: func(s string) bool {
		return all(s, func(c byte) bool { return isDigit(c) || isUpper(c) || c == '.' || c == '+' || c == '-' })
	},
	CharsetCitizen: func(s string) bool { return len(s) >= 2 && isUpper(s[0]) && isUpper(s[1]) && all(s[2:], isDigit) },
	CharsetGS1:     validGS1,
}

// Rule is one line of the classification table. Lengths count the whole
// code, prefix included; the charset applies to what follows the prefix.
type Rule struct {
	Name     string `toml:"name"`
	Class    string `toml:"class"`
	Prefix   string `toml:"prefix"`
	Charset  string `toml:"charset"`
	MinLen   int    `toml:"min_len"`
	MaxLen   int    `toml:"max_len"`
	Payment  bool   `toml:"payment"`
	Disabled bool   `toml:"disabled"`
}

func (r Rule) matches(code string) bool {
	if len(code) < r.MinLen || len(code) > r.MaxLen || !strings.HasPrefix(code, r.Prefix) {
		return false
	}
	return charsets[r.Charset](code[len(r.Prefix):])
}

// Classification is what the table says of one code.
type Classification struct {
	Class   string // a wallet's name, one of the Class… constants, or an unsupported wallet's name
	Payment bool   // a code scanpay can charge
	Wallet  string // set when Payment: the registry name of the wallet
	Rule    string // the rule that matched
	// Candidates: for ClassAmbiguous, and for a wallet chosen as the one
	// payment class among several that matched, every class that matched; for
	// ClassUnknown, the classes whose prefix matched but not the rest (near
	// misses, to say "looks like jkopay but is 17 long").
	Candidates []string
}

// DefaultRules is the table from specs/WALLET-FACTS.md "Telling wallets
// apart". Rules marked guess there (easywallet, ipass, pxpay, icash) are
// only defaults: configuration overrides them by name (MergeRules).
// pxpay and icash are wallets scanpay knows but does not support:
// they classify as themselves with Payment false, so the cashier can be told
// which wallet it was instead of "unknown".
//
// Each rule's evidence, in the comment that follows it: "doc" is a
// wallet's own documentation, "spec" the wallet's spec (named in its package's doc.go),
// "samples" public sample codes (WALLET-FACTS.md), "GS1" the barcode
// standard; "guess" marks what no source states.
func DefaultRules() []Rule {
	return []Rule{
		// jkopay — spec (jkopay-pos-payment.txt: CardToken, 18 long) and
		// WALLET-FACTS (doc: "22" + 16 characters).
		{Name: "jkopay", Class: "jkopay", Prefix: "22", Charset: CharsetAlnum, MinLen: 18, MaxLen: 18, Payment: true},
		// easywallet — samples in public EasyWallet v1 clients: "99" + 18
		// digits (guess: the shape of a few samples).
		{Name: "easywallet", Class: "easywallet", Prefix: "99", Charset: CharsetDigits, MinLen: 20, MaxLen: 20, Payment: true},
		// easywallet_spec — spec (easywallet-pay.txt): paymentBarCode
		// "94300293390140", 14 digits, "前兩碼為固定值" (its first two
		// digits are fixed). Guess: that "94" is the fixed pair, not a
		// placeholder.
		{Name: "easywallet_spec", Class: "easywallet", Prefix: "94", Charset: CharsetDigits, MinLen: 14, MaxLen: 14, Payment: true},
		// ipass — spec (ipass-offline-pay.txt): trade_code
		// "96A1OABQAAFmIVAVRxhAgY", TWQR-style; 22 letters and digits is a
		// guess from that one sample.
		{Name: "ipass", Class: "ipass", Charset: CharsetAlnum, MinLen: 22, MaxLen: 22, Payment: true},
		// linepay — doc (developers.line.biz/en/reference/line-pay-offline
		// and developers-pay.line.me/offline-api-v2/request-payment:
		// oneTimeKey "TW: 18"). Digits: the public samples (the gateway
		// page public-api-docs.wixtar.com/Payment API/integrate-line-qrcode-pay:
		// "381311008781708305"). No prefix is published and one sample
		// proves none, so it has none: "22" + 16 digits is JKOPay's shape
		// and LINE Pay's (see Classify).
		{Name: "linepay", Class: "linepay", Charset: CharsetDigits, MinLen: 18, MaxLen: 18, Payment: true},
		// pxpay, icash — guess (WALLET-FACTS: a few samples).
		{Name: "pxpay", Class: "pxpay", Prefix: "P2", Charset: CharsetAlnum, MinLen: 18, MaxLen: 18},
		{Name: "icash", Class: "icash", Prefix: "IC", Charset: CharsetAlnum, MinLen: 18, MaxLen: 18},
		// einvoice_carrier, citizen_carrier — doc (the Ministry of
		// Finance's e-invoice carrier formats).
		{Name: "einvoice_carrier", Class: ClassEInvoice, Prefix: "/", Charset: CharsetCarrier, MinLen: 8, MaxLen: 8},
		{Name: "citizen_carrier", Class: ClassCitizen, Charset: CharsetCitizen, MinLen: 16, MaxLen: 16},
		// ean8, upca, ean13 — GS1 (the check digit is verified).
		{Name: "ean8", Class: ClassProduct, Charset: CharsetGS1, MinLen: 8, MaxLen: 8},
		{Name: "upca", Class: ClassProduct, Charset: CharsetGS1, MinLen: 12, MaxLen: 12},
		{Name: "ean13", Class: ClassProduct, Charset: CharsetGS1, MinLen: 13, MaxLen: 13},
	}
}

// MergeRules applies overrides to defaults: an override with the name of a
// default replaces it in place, a new name is appended, and a Disabled
// override removes the rule. The result holds no Disabled rule.
func MergeRules(defaults, overrides []Rule) []Rule {
	out := make([]Rule, 0, len(defaults)+len(overrides))
	index := map[string]int{}
	for _, r := range defaults {
		if i, ok := index[r.Name]; ok {
			out[i] = r
			continue
		}
		index[r.Name] = len(out)
		out = append(out, r)
	}
	for _, r := range overrides {
		if i, ok := index[r.Name]; ok {
			out[i] = r
			continue
		}
		index[r.Name] = len(out)
		out = append(out, r)
	}
	kept := out[:0]
	for _, r := range out {
		if !r.Disabled {
			kept = append(kept, r)
		}
	}
	return kept
}

// ErrRule is wrapped by every rule validation error.
var ErrRule = errors.New("classification rule")

// Classifier answers which class a scanned code belongs to. It is immutable
// and safe for concurrent use.
type Classifier struct {
	rules   []Rule
	enabled map[string]bool // nil: every wallet counts as enabled
}

// Enabled returns a classifier that knows which wallets this installation
// charges with. A code that matches the payment rules of several wallets
// goes to the one enabled among them, if exactly one is (a wallet cannot
// charge a code it did not issue, so the other's absence settles it);
// while several are enabled it stays ClassAmbiguous.
func (c *Classifier) Enabled(wallets []string) *Classifier {
	out := &Classifier{rules: c.rules, enabled: map[string]bool{}}
	for _, w := range wallets {
		out.enabled[w] = true
	}
	return out
}

// NewClassifier validates the rules (the first error names the rule and the
// fix) and builds a classifier. Disabled rules are left out.
func NewClassifier(rules []Rule) (*Classifier, error) {
	c := &Classifier{}
	seen := map[string]bool{}
	for i, r := range rules {
		if r.Disabled {
			continue
		}
		if err := validateRule(i, r); err != nil {
			return nil, err
		}
		if seen[r.Name] {
			return nil, fmt.Errorf("%w %q is listed twice: give each rule its own name, or merge them", ErrRule, r.Name)
		}
		seen[r.Name] = true
		c.rules = append(c.rules, r)
	}
	return c, nil
}

func validateRule(i int, r Rule) error {
	if r.Name == "" {
		return fmt.Errorf("%w #%d has no name: set name, e.g. name = \"jkopay\"", ErrRule, i+1)
	}
	switch {
	case r.Class == "":
		return fmt.Errorf("%w %q has no class: set class to a wallet name (jkopay, easywallet, ipass, linepay) or to %s, %s, %s", ErrRule, r.Name, ClassEInvoice, ClassCitizen, ClassProduct)
	case r.Class == ClassUnknown || r.Class == ClassAmbiguous:
		return fmt.Errorf("%w %q has class %q, which is reserved for codes no rule matches: name the wallet or kind of code instead", ErrRule, r.Name, r.Class)
	case r.Payment && (r.Class == ClassEInvoice || r.Class == ClassCitizen || r.Class == ClassProduct):
		return fmt.Errorf("%w %q has class %q with payment = true: a %s is never a payment; set payment = false", ErrRule, r.Name, r.Class, r.Class)
	}
	if _, ok := charsets[r.Charset]; !ok {
		names := make([]string, 0, len(charsets))
		for n := range charsets {
			names = append(names, n)
		}
		sort.Strings(names)
		return fmt.Errorf("%w %q has charset %q: set charset to one of %s", ErrRule, r.Name, r.Charset, strings.Join(names, ", "))
	}
	if r.MinLen <= len(r.Prefix) {
		return fmt.Errorf("%w %q has min_len %d: set it above the prefix length (%d); lengths count the whole code", ErrRule, r.Name, r.MinLen, len(r.Prefix))
	}
	if r.MaxLen < r.MinLen {
		return fmt.Errorf("%w %q has max_len %d below min_len %d: set max_len to at least min_len", ErrRule, r.Name, r.MaxLen, r.MinLen)
	}
	return nil
}

// Rules returns a copy of the rules in use.
func (c *Classifier) Rules() []Rule { return append([]Rule(nil), c.rules...) }

// Classify places a code. It never guesses: a code matching rules of more
// than one class is ClassAmbiguous, unless exactly one of those classes is
// a wallet scanpay can charge (a rule with Payment true): then it goes to
// that wallet, since a wallet cannot charge a code it did not issue (it
// declines it), so sending it there risks no money; the same holds when
// exactly one of the matching payment classes is enabled (Enabled).
// "22" + 16 digits is JKOPay's shape and LINE Pay's: ambiguous while both
// are enabled, the enabled one's otherwise. One matching none is
// ClassUnknown.
func (c *Classifier) Classify(code string) Classification {
	var match, payer *Rule
	var classes, payers []string
	for i := range c.rules {
		r := &c.rules[i]
		if !r.matches(code) {
			continue
		}
		if match == nil {
			match = r
		}
		if !contains(classes, r.Class) {
			classes = append(classes, r.Class)
		}
		if r.Payment && !contains(payers, r.Class) {
			payers = append(payers, r.Class)
			payer = r
		}
	}
	if len(payers) > 1 && c.enabled != nil {
		var on []string
		for _, p := range payers {
			if c.enabled[p] {
				on = append(on, p)
			}
		}
		if len(on) == 1 {
			payers = on
			for i := range c.rules {
				if r := &c.rules[i]; r.Class == on[0] && r.Payment && r.matches(code) {
					payer = r
					break
				}
			}
		}
	}
	switch {
	case len(classes) > 1 && len(payers) == 1:
		sort.Strings(classes)
		return Classification{Class: payer.Class, Payment: true, Wallet: payer.Class, Rule: payer.Name, Candidates: classes}
	case len(classes) > 1:
		sort.Strings(classes)
		return Classification{Class: ClassAmbiguous, Candidates: classes}
	case match != nil:
		cl := Classification{Class: match.Class, Payment: match.Payment, Rule: match.Name}
		if match.Payment {
			cl.Wallet = match.Class
		}
		return cl
	}
	var near []string
	for _, r := range c.rules {
		if r.Prefix != "" && strings.HasPrefix(code, r.Prefix) && !contains(near, r.Class) {
			near = append(near, r.Class)
		}
	}
	sort.Strings(near)
	return Classification{Class: ClassUnknown, Candidates: near}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isLower(c byte) bool { return c >= 'a' && c <= 'z' }

func all(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

// validGS1 checks the GS1 check digit (EAN-8, UPC-A, EAN-13): weights 3 and
// 1 alternate from the rightmost data digit.
func validGS1(s string) bool {
	if len(s) < 2 || !all(s, isDigit) {
		return false
	}
	sum := 0
	for i, w := len(s)-2, 3; i >= 0; i, w = i-1, 4-w {
		sum += int(s[i]-'0') * w
	}
	return (10-sum%10)%10 == int(s[len(s)-1]-'0')
}
