package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/edge"
	"github.com/scanpay/scanpay/store"
)

// What a POS or a hook sent is printed escaped: a lane or order number
// holding a screen clear and a fake "approved" line shows as text on one
// line, and a full code in a wallet's message is masked.
func TestCLIOutputEscapesControlCharacters(t *testing.T) {
	const evil = "\x1b[2J\x1b[H\r\npayment X approved\x07"
	v := edge.PaymentView{ID: "p1", TerminalID: evil, OrderNumber: "42" + evil, Amount: 5, State: store.Declined,
		Answer:  store.WalletAnswer{Code: "E1", Message: "declined " + evil + " code 22J1ABCDEFGH991111"},
		History: []store.Change{{State: store.Declined, At: time.Now(), Reason: "hook said " + evil}}}
	var out bytes.Buffer
	c := newCLI(strings.NewReader(""), &out, &out)
	printPayment(c.stdout, v)
	printPaymentList(c.stdout, []edge.PaymentView{v, v})
	printProblems(c.stdout, []string{"hook printer: " + evil})
	got := out.String()
	for _, bad := range []string{"\x1b", "\r", "\x07", "\npayment X approved", "22J1ABCDEFGH991111"} {
		if strings.Contains(got, bad) {
			t.Errorf("output holds %q:\n%s", bad, got)
		}
	}
	if !strings.Contains(got, `\x1b[2J`) || !strings.Contains(got, "22J1…1111") {
		t.Errorf("the escaped text is missing (the test proves nothing):\n%s", got)
	}
}
