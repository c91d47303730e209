package main

import (
	"context"

	"github.com/scanpay/scanpay/cmd/scanpay/internal/demo"
)

func (c *cli) cmdDemo(ctx context.Context, args []string) int {
	fs := c.newFlagSet("demo", `Walk through scanpay end to end in SANDBOX mode, in about half a minute:
start scanpay in this process with a temporary journal and a virtual serial
scanner, ring up four sales through the real POS API and scan a JKOPay, an
EasyWallet, an iPass and a LINE Pay code, show each result and receipt, then cut the
network, make a wallet answer HTTP 500 and lose a wallet's answer, and show
each settled to the truth, checked against the simulated wallets' books. Exit code 0 only if every
step's outcome was as expected, so it doubles as a smoke test.`, "scanpay demo")
	dir := fs.String("dir", "", "keep the journal, receipts and log in this folder (default: a temporary folder, removed)")
	if code, done := c.parse(fs, args); done {
		return code
	}
	if err := demo.Run(ctx, demo.Options{Out: c.stdout, Dir: *dir}); err != nil {
		return c.fail(err)
	}
	return exitOK
}
