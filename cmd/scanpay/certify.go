package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/scanpay/scanpay/cmd/scanpay/internal/certify"
	"github.com/scanpay/scanpay/cmd/scanpay/internal/config"
	"github.com/scanpay/scanpay/internal/mask"
	"github.com/scanpay/scanpay/providers"
)

const certifyWhat = `Run a wallet's usual acceptance cases against the endpoint configured in
[providers.<wallet>], through scanpay's real wallet client, for the wallet's
certification team:

  pay approved · pay declined · duplicate order (the same request twice) ·
  timeout, then settled (certify withholds the answer to a charge that
  reached the wallet, then settles it the wallet's own way) · cancel/void ·
  full refund · partial refund · inquiry/search

It prints a pass/fail table and writes a transcript of every request and
answer, payment codes and secrets masked, ready to send. Every case that
took money gives it back (void or refund) before it ends. Nothing is
journaled: this is no way to take real payments.

Payment codes: each payment case needs a fresh code (7; 6 for EasyWallet,
which has no void). Against a wallet's test system, show the test app's
code when asked and scan or type it (a keyboard-mode scanner works), or give
them in advance with --codes (they expire within minutes). Against the
simulators, --simulator lets certify make its own. The declined case pays
--decline-amount (928 TWD by default, which the simulators decline for
insufficient balance): against a test system, use the code or amount its
team gives you for a decline.

certify refuses an address that does not look like a test system (a
loopback or private address, or test, sandbox, staging, uat, sit, dev, demo,
qa or beta in the host name) unless --production is given.

JKOPay signature check (--signature, jkopay only): send one harmless
Inquiry about an order that does not exist and say whether JKOPay accepted
the signature (status 904 = refused): run it after each change of the
signature setting until it says accepted. No code is needed. With
--try <key>=<value>,<value>,… it checks each value of that key of
[providers.jkopay] in turn (each configuration validated as scanpay run
would) and names the one JKOPay accepts, so one command finds the
signature setting; values of secret keys are shown masked.

Exit 0: every case passed (or was skipped, as a wallet without void skips
cancel/void); 8: a case failed, or the signature was refused; 2: bad
command line or configuration, or a production address without
--production.`

func (c *cli) cmdCertify(ctx context.Context, args []string) int {
	fs := c.newFlagSet("certify <jkopay|easywallet|ipass>", certifyWhat,
		"scanpay certify jkopay --config /etc/scanpay/scanpay.toml --transcript jkopay-cert.txt\n  scanpay certify jkopay --config scanpay.toml --signature\n  scanpay certify jkopay --config scanpay.toml --signature --try signature_variant=spec,escaped-upper\n  scanpay certify ipass --config sim.toml --simulator http://127.0.0.1:40123")
	path := fs.String("config", "", "configuration file with the wallet's [providers.<wallet>] table (default "+config.DefaultPath()+")")
	codes := fs.String("codes", "", "payment codes from the test app, comma-separated, one per payment case in order (default: ask for each on the terminal)")
	sim := fs.String("simulator", "", "walletsim's control URL: certify makes its own codes there (simulators only)")
	transcript := fs.String("transcript", "", "where to write the transcript (default certify-<wallet>-<UTC time>.txt in the current folder)")
	amount := fs.Int64("amount", 10, "TWD per test payment (at least 2)")
	decline := fs.Int64("decline-amount", 928, "TWD of the declined case")
	production := fs.Bool("production", false, "allow a base_url that does not look like a test system: REAL MONEY MOVES")
	settle := fs.Duration("settle", 2*time.Minute, "how long to keep settling a lost answer or an unclear refund")
	signature := fs.Bool("signature", false, "jkopay only: just check that JKOPay accepts the signature (one harmless Inquiry)")
	try := fs.String("try", "", "with --signature: check each value of one [providers.jkopay] key in turn, like signature_variant=spec,escaped-upper, and say which JKOPay accepts")
	var wallet string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		wallet, args = args[0], args[1:]
	}
	if rc, done := c.parse(fs, args); done {
		return rc
	}
	var names []string
	for _, d := range providers.Drivers() {
		names = append(names, d.Name)
	}
	if wallet == "" {
		fmt.Fprintf(c.stderr, "scanpay certify: name the wallet: scanpay certify <%s> [flags] (see --help)\n", strings.Join(names, "|"))
		return exitUsage
	}
	if _, ok := providers.Lookup(wallet); !ok {
		fmt.Fprintf(c.stderr, "scanpay certify: there is no wallet called %q: use one of %s\n", wallet, strings.Join(names, ", "))
		return exitUsage
	}
	if *try != "" && !*signature {
		fmt.Fprintln(c.stderr, "scanpay certify: --try goes with --signature: scanpay certify jkopay --signature --try <key>=<value>,<value>")
		return exitUsage
	}
	if *signature && wallet != "jkopay" {
		fmt.Fprintf(c.stderr, "scanpay certify: --signature is for jkopay only (%s signs nothing of its own): run scanpay certify jkopay --signature\n", wallet)
		return exitUsage
	}
	if *amount < 2 {
		fmt.Fprintf(c.stderr, "scanpay certify: --amount %d: give at least 2 TWD (the partial refund gives back part of it)\n", *amount)
		return exitUsage
	}
	if *codes != "" && *sim != "" {
		fmt.Fprintln(c.stderr, "scanpay certify: give --codes or --simulator, not both")
		return exitUsage
	}
	cfg, err := c.loadConfig(*path, false, "")
	if err != nil {
		return c.fail(err)
	}
	var wc providers.Config
	for _, w := range cfg.Wallets {
		if w.Name == wallet {
			wc = w.Config
		}
	}
	if wc == nil {
		return c.fail(&config.Error{Err: fmt.Errorf("%s has no [providers.%s] table: add the wallet's test-system settings there (packaging/scanpay.example.toml shows the keys)", cfg.Path, wallet)})
	}
	// The transcript is the record; the wallet client's own log lines
	// would only interleave with the prompts.
	env := providers.Env{Dir: cfg.Dir, LookupEnv: c.lookupEnv, Logger: slog.New(slog.DiscardHandler)}
	if *signature && *try != "" {
		return c.certifySignatureVariants(ctx, cfg, wallet, *try, env, *production)
	}
	if *signature {
		return c.certifySignature(ctx, wallet, wc, env, *production)
	}

	var src certify.CodeSource
	switch {
	case *sim != "":
		src = certify.Walletsim{Control: *sim}
	case *codes != "":
		var list []string
		for _, s := range strings.Split(*codes, ",") {
			if s = strings.TrimSpace(s); s != "" {
				list = append(list, s)
			}
		}
		src = certify.NewList(list)
	default:
		src = &certify.Prompt{In: c.stdin, Out: c.stderr}
	}
	tpath := *transcript
	if tpath == "" {
		tpath = fmt.Sprintf("certify-%s-%s.txt", wallet, time.Now().UTC().Format("20060102T150405Z"))
	}
	tpath, _ = filepath.Abs(tpath)
	tf, err := os.OpenFile(tpath, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return c.fail(&config.Error{Err: fmt.Errorf("cannot create the transcript: %w: name a new file with --transcript", err)})
	}
	cls, err := providers.NewClassifier(cfg.Rules())
	if err != nil {
		tf.Close()
		os.Remove(tpath)
		return c.fail(&config.Error{Err: err})
	}
	checkCode := func(code string) error {
		// An ambiguous code that may be this wallet's is the operator's
		// call: they took it from this wallet's test app.
		got := cls.Classify(code)
		if got.Wallet != wallet && (got.Class != providers.ClassAmbiguous || !slices.Contains(got.Candidates, wallet)) {
			return fmt.Errorf("it is not a %s payment code by this configuration's classification (it reads as %s): show a %s code from the test app, or fix [[classify]]", wallet, got.Class, wallet)
		}
		return nil
	}
	rep, err := certify.Run(ctx, certify.Options{
		Wallet: wallet, Config: wc, Env: env, Codes: src, Amount: *amount, DeclineAmount: *decline, CheckCode: checkCode,
		Production: *production, Settle: *settle, Progress: c.stderr, Transcript: tf, Version: versionString(),
	})
	cerr := tf.Close()
	if err != nil {
		os.Remove(tpath)
		if errors.Is(err, certify.ErrProduction) {
			return c.fail(&config.Error{Err: err})
		}
		return c.fail(err)
	}
	if cerr != nil {
		return c.fail(fmt.Errorf("writing the transcript %s: %w", tpath, cerr))
	}
	c.printReport(rep, tpath)
	if rep.Failed() > 0 {
		return exitCertFailed
	}
	return exitOK
}

func (c *cli) printReport(rep certify.Report, transcript string) {
	fmt.Fprintf(c.stdout, "scanpay certify %s against %s\n\n", rep.Wallet, strings.Join(rep.Hosts, ", "))
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tcase\tresult\tdetail")
	n := map[string]int{}
	for i, r := range rep.Results {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", i+1, r.Case, r.Status, r.Detail)
		n[r.Status]++
	}
	tw.Flush()
	fmt.Fprintf(c.stdout, "\n%d passed, %d failed, %d skipped. Transcript (codes and secrets masked): %s\n", n["PASS"], n["FAIL"], n["SKIP"], transcript)
}

// certifySignature is `scanpay certify jkopay --signature`.
func (c *cli) certifySignature(ctx context.Context, wallet string, wc providers.Config, env providers.Env, production bool) int {
	res, err := certify.CheckSignature(ctx, certify.Options{Wallet: wallet, Config: wc, Env: env, Production: production})
	if err != nil {
		if errors.Is(err, certify.ErrProduction) {
			return c.fail(&config.Error{Err: err})
		}
		return c.fail(err)
	}
	fmt.Fprintf(c.stdout, "%s signature check against %s: %s\n%s\n", wallet, res.Host, res.Verdict, res.Detail)
	if res.Verdict != certify.SignatureAccepted {
		return exitCertFailed
	}
	return exitOK
}

func versionString() string {
	b := currentBuild()
	v := b.Version
	if v == "" {
		v = "devel"
	}
	if b.Commit != "" {
		v += " (" + b.Commit + ")"
	}
	return v + " " + b.Platform
}

// certifySignatureVariants is `scanpay certify jkopay --signature --try
// key=v1,v2,…`: the signature check once per value of one key of the
// wallet's table, each configuration validated as scanpay run would, so
// that a store finds the setting its wallet's test system accepts in one
// command.
func (c *cli) certifySignatureVariants(ctx context.Context, cfg *config.Config, wallet, spec string, env providers.Env, production bool) int {
	key, list, ok := strings.Cut(spec, "=")
	key = strings.TrimSpace(key)
	var values []string
	for _, v := range strings.Split(list, ",") {
		if v = strings.TrimSpace(v); v != "" {
			values = append(values, v)
		}
	}
	if !ok || key == "" || len(values) == 0 {
		fmt.Fprintf(c.stderr, "scanpay certify: --try %q: write it as <key>=<value>,<value>, like signature_variant=spec,escaped-upper\n", spec)
		return exitUsage
	}
	data, err := os.ReadFile(cfg.Path)
	if err != nil {
		return c.fail(&config.Error{Err: fmt.Errorf("reading %s again: %w", cfg.Path, err)})
	}
	var tree map[string]any
	if _, err := toml.Decode(string(data), &tree); err != nil {
		return c.fail(&config.Error{Err: err})
	}
	pt, _ := tree["providers"].(map[string]any)
	table, _ := pt[wallet].(map[string]any)
	if table == nil {
		return c.fail(&config.Error{Err: fmt.Errorf("%s has no [providers.%s] table", cfg.Path, wallet)})
	}
	secret := certify.SecretName(key)
	show := func(v string) string {
		if secret {
			return mask.Secret(v)
		}
		return v
	}
	var accepted []string
	was := table[key]
	for _, v := range values {
		tv, err := tomlValue(v, was)
		if err != nil {
			return c.fail(&config.Error{Err: fmt.Errorf("--try: %s is a %T in %s, and %q is not one: %w", key, was, cfg.Path, show(v), err)})
		}
		table[key] = tv
		var buf bytes.Buffer
		if err := toml.NewEncoder(&buf).Encode(tree); err != nil {
			return c.fail(err)
		}
		vc, err := config.Parse(buf.Bytes(), cfg.Dir, config.Options{LookupEnv: c.lookupEnv})
		if err != nil {
			return c.fail(fmt.Errorf("with %s = %s: %w", key, show(v), err))
		}
		var wc providers.Config
		for _, w := range vc.Wallets {
			if w.Name == wallet {
				wc = w.Config
			}
		}
		res, err := certify.CheckSignature(ctx, certify.Options{Wallet: wallet, Config: wc, Env: env, Production: production})
		if err != nil {
			if errors.Is(err, certify.ErrProduction) {
				return c.fail(&config.Error{Err: err})
			}
			return c.fail(err)
		}
		fmt.Fprintf(c.stdout, "%s = %-20s %s\n", key, show(v), res.Verdict)
		if res.Verdict == certify.SignatureAccepted {
			accepted = append(accepted, v)
		} else {
			fmt.Fprintf(c.stdout, "    %s\n", strings.ReplaceAll(res.Detail, "\n", "\n    "))
		}
	}
	if len(accepted) == 0 {
		fmt.Fprintf(c.stdout, "\n%s accepted none of these values of %s\n", wallet, key)
		return exitCertFailed
	}
	shown := make([]string, len(accepted))
	for i, v := range accepted {
		shown[i] = show(v)
	}
	fmt.Fprintf(c.stdout, "\n%s accepted %s = %s: set that in [providers.%s]\n", wallet, key, strings.Join(shown, " or "), wallet)
	return exitOK
}

// tomlValue reads a value given on the command line as the type the key
// has in the file (a boolean, a whole number), else as a string.
func tomlValue(v string, was any) (any, error) {
	switch was.(type) {
	case bool:
		return strconv.ParseBool(v)
	case int64:
		return strconv.ParseInt(v, 10, 64)
	}
	return v, nil
}
