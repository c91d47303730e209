package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/scanpay/scanpay/cmd/scanpay/internal/config"
	"github.com/scanpay/scanpay/store"

	// The wallets register themselves with the providers registry.
	_ "github.com/scanpay/scanpay/providers/easywallet"
	_ "github.com/scanpay/scanpay/providers/ipass"
	_ "github.com/scanpay/scanpay/providers/jkopay"
	_ "github.com/scanpay/scanpay/providers/linepay"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := newCLI(os.Stdin, os.Stdout, os.Stderr).run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// cli is one invocation; tests make their own with buffers.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	lookupEnv      func(string) (string, bool)
	defaultConfig  string // config.DefaultPath(), or a test's own
}

func newCLI(stdin io.Reader, stdout, stderr io.Writer) *cli {
	return &cli{stdin: stdin, stdout: termWriter{stdout}, stderr: termWriter{stderr}, lookupEnv: os.LookupEnv, defaultConfig: config.DefaultPath()}
}

type command struct {
	summary string
	run     func(c *cli, ctx context.Context, args []string) int
}

var commands map[string]command

func init() {
	commands = map[string]command{
		"run":          {"run the service in the foreground (SANDBOX mode when there is no configuration)", (*cli).cmdRun},
		"install":      {"install scanpay as a system service (systemd / Windows service)", (*cli).cmdInstall},
		"uninstall":    {"remove the system service", (*cli).cmdUninstall},
		"start":        {"start the installed service", (*cli).cmdStart},
		"stop":         {"stop the installed service", (*cli).cmdStop},
		"status":       {"say whether the service is installed, running and answering", (*cli).cmdStatus},
		"devices":      {"list serial ports and USB HID devices that could be scanners", (*cli).cmdDevices},
		"version":      {"print the version", (*cli).cmdVersion},
		"demo":         {"walk through scanpay end to end in SANDBOX mode (a virtual scanner, four wallets, four faults)", (*cli).cmdDemo},
		"pay":          {"ask the running scanpay to collect a payment, like a POS would", (*cli).cmdPay},
		"payments":     {"look up payments in the running scanpay", (*cli).cmdPayments},
		"open":         {"open the store's status page in the browser (a one-time login link)", (*cli).cmdOpen},
		"report":       {"print a business day's takings per wallet and lane (count, gross, refunds, net)", (*cli).cmdReport},
		"settle":       {"supervisor: record what the wallet's merchant portal shows for an unknown payment or refund", (*cli).cmdSettle},
		"certify":      {"run a wallet's acceptance cases against its test system and write a transcript for its certification team", (*cli).cmdCertify},
		"bench":        {"measure this PC: payments per second, the latency scanpay adds, its memory and CPU (SANDBOX)", (*cli).cmdBench},
		"check-config": {"validate the configuration and print it as scanpay will use it, secrets redacted", (*cli).cmdCheckConfig},
	}
}

func (c *cli) usage(w io.Writer) {
	fmt.Fprintf(w, "scanpay takes mobile-wallet payments (JKOPay, EasyWallet, iPass Money) scanned at the till, for the POS.\n\nUsage: scanpay <command> [flags]\n\nCommands:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-13s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "\nRun `scanpay <command> --help` for a command's flags and an example.\nTry it: `scanpay demo`.\n\n%s", exitCodeHelp)
}

func (c *cli) run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		c.usage(c.stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if cmd, ok := commands[args[1]]; ok {
				return cmd.run(c, ctx, []string{"--help"})
			}
		}
		c.usage(c.stdout)
		return exitOK
	case "--version", "-version":
		name = "version"
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(c.stderr, "scanpay: unknown command %q: run `scanpay help` for the list\n", name)
		return exitUsage
	}
	return cmd.run(c, ctx, args[1:])
}

// newFlagSet makes a subcommand's flags, with a usage text that says what
// the command does and shows an example.
func (c *cli) newFlagSet(name, what, example string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: scanpay %s [flags]\n\n%s\n\nExample:\n  %s\n\nFlags:\n", name, what, example)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args; done says the command should return code at once
// (--help: 0, on stdout; a bad flag or an argument: 2).
func (c *cli) parse(fs *flag.FlagSet, args []string) (code int, done bool) {
	_, code, done = c.parseArgs(fs, args, 0)
	return code, done
}

// parseArgs parses flags placed before, between or after up to max
// positional arguments, which it returns in order.
func (c *cli) parseArgs(fs *flag.FlagSet, args []string, max int) (pos []string, code int, done bool) {
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "-help" || a == "--help" {
			if c.stdout != nil {
				fs.SetOutput(c.stdout)
			}
		}
	}
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			return nil, exitOK, true
		}
		if err != nil {
			return nil, exitUsage, true
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) > max {
		fmt.Fprintf(fs.Output(), "scanpay %s: unexpected argument %q\n", fs.Name(), pos[max])
		return nil, exitUsage, true
	}
	return pos, exitOK, false
}

// loadConfig reads --config, or the OS's default file. With neither
// present and sandboxOK, it answers the SANDBOX configuration.
func (c *cli) loadConfig(path string, sandboxOK bool, sandboxDir string) (*config.Config, error) {
	opts := config.Options{LookupEnv: c.lookupEnv}
	if path != "" {
		return config.Load(path, opts)
	}
	def := c.defaultConfig
	// Only a file that is not there means SANDBOX: one that exists but
	// cannot be reached (a closed folder) is Load's error to explain.
	if _, err := os.Stat(def); !errors.Is(err, fs.ErrNotExist) {
		return config.Load(def, opts)
	}
	if !sandboxOK {
		return nil, &config.Error{Err: fmt.Errorf("%w: no --config given and %s does not exist: pass --config, or create that file from packaging/scanpay.example.toml", config.ErrNotFound, def)}
	}
	return config.Sandbox(sandboxDir)
}

// exitCode maps an error to the documented exit codes.
func exitCode(err error) int {
	var ce *config.Error
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ce):
		return exitUsage
	case errors.Is(err, store.ErrLocked):
		return exitLocked
	}
	return exitRuntime
}

// fail prints err for a person and returns its exit code.
func (c *cli) fail(err error) int {
	msg := err.Error()
	if strings.Contains(msg, "\n") {
		msg = "\n  " + strings.ReplaceAll(msg, "\n", "\n  ")
	}
	fmt.Fprintf(c.stderr, "scanpay: %s\n", msg)
	return exitCode(err)
}
