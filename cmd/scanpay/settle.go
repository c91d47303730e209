package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/scanpay/scanpay/edge"
)

const settleWhat = `Record what the wallet's merchant portal shows for a payment or refund that
scanpay reports as unknown and no automatic rule can settle (an iPass
payment that search cannot find and whose void is refused, an EasyWallet
resend refused without isDuplicatedPaymentRequest, a refund refused on every
resend), or for a payment stuck reversing because its wallet refuses both
the void and the refund. A SUPERVISOR's action, after looking the order up
in the portal — never a cashier's: it books money as taken or given back on
your word.

Only an unknown payment or refund is accepted, and --as reversed only for a
reversing payment; anything else is refused (exit 2, "conflict", naming its
state) and nothing changes. The note is kept in the history as "settled by
an operator: <note>".

  payment:  --as approved --transaction <wallet's transaction id>  (the money was taken)
            --as declined                                          (no money moved)
  reversing payment (its wallet refuses both the void and the refund):
            --as reversed [--transaction <wallet's refund id>]     (you gave it back by
                                                                    hand in the portal)
  refund:   --refund <id> --as succeeded --transaction <id>        (the money went back)
            --refund <id> --as failed                              (no money went back)

A payment the POS had cancelled and that you settle as approved is given
back (reversing → reversed). Exit 0: settled; 2: refused (the message says
why); 4: no scanpay answers.`

// cmdSettle is `scanpay settle <payment-id> --as … --note …` and
// `scanpay settle --refund <refund-id> --as … --note …`.
func (c *cli) cmdSettle(ctx context.Context, args []string) int {
	fs := c.newFlagSet("settle <payment-id>", settleWhat,
		`scanpay settle 6f1c0d2e-… --as declined --note "checked EasyWallet portal, order 42 not found — J. Chen"`)
	cf := addClientFlags(fs)
	as := fs.String("as", "", "what the portal shows: approved | declined (unknown payment), reversed (reversing payment, given back by hand), succeeded | failed (refund) (required)")
	txn := fs.String("transaction", "", "the wallet's transaction id as the portal shows it (required for approved and succeeded; for reversed, the refund's id if any)")
	note := fs.String("note", "", "who checked what, e.g. \"checked iPass portal, order 42 not found — J. Chen\" (required)")
	refund := fs.String("refund", "", "settle this refund id instead of a payment")
	// The payment id, before or after the flags.
	pos, rc, done := c.parseArgs(fs, args, 1)
	if done {
		return rc
	}
	var id string
	if len(pos) == 1 {
		id = pos[0]
	}
	switch {
	case id == "" && *refund == "":
		fmt.Fprintln(c.stderr, `scanpay settle: name the payment (scanpay settle <payment-id> …) or the refund (--refund <refund-id>); scanpay payments --state unknown lists the unknown payments`)
		return exitUsage
	case id != "" && *refund != "":
		fmt.Fprintln(c.stderr, "scanpay settle: give a payment id or --refund, not both")
		return exitUsage
	case *as == "" || strings.TrimSpace(*note) == "":
		fmt.Fprintln(c.stderr, `scanpay settle: --as and --note are required, e.g. scanpay settle <payment-id> --as declined --note "checked the portal, order 42 not found — J. Chen"`)
		return exitUsage
	}
	cl, err := c.client(cf)
	if err != nil {
		return c.fail(err)
	}
	req := edge.SettleRequest{Outcome: *as, TransactionID: *txn, Note: *note}
	if *refund != "" {
		r, err := cl.SettleRefund(ctx, *refund, req)
		if err != nil {
			return c.clientFail(err)
		}
		if *cf.json {
			writeJSON(c.stdout, r)
			return exitOK
		}
		fmt.Fprintf(c.stdout, "refund %s of payment %s, %d TWD\n  state %s\n", field(r.ID), field(r.PaymentID), r.Amount, field(string(r.State)))
		if r.Answer.TransactionID != "" {
			fmt.Fprintf(c.stdout, "  transaction %s\n", field(r.Answer.TransactionID))
		}
		return exitOK
	}
	v, err := cl.Settle(ctx, id, req)
	if err != nil {
		return c.clientFail(err)
	}
	if *cf.json {
		writeJSON(c.stdout, v)
	} else {
		printPayment(c.stdout, v)
	}
	return exitOK
}
