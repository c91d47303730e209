package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "walletsim:", err)
		os.Exit(2)
	}
}

// run parses args, starts the simulators and the control API, and serves
// until ctx ends. ready, when not nil, receives the state once serving.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready chan<- State) error {
	fs := flag.NewFlagSet("walletsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:0", "loopback address of the control API")
	stateDir := fs.String("state-dir", "", "folder for walletsim.json and providers.toml (none: print only)")
	codeTTL := fs.Duration("code-ttl", 60*time.Second, "how long an issued payment code stays valid")
	acceptUnissued := fs.Bool("accept-unissued", false, "treat any well-formed code as fresh when first seen (codes from a real phone)")
	verbose := fs.Bool("v", false, "log every simulated request")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "walletsim runs the four wallet simulators as a separate process, for end-to-end tests.")
		fmt.Fprintln(stderr, "\nExample:\n  walletsim -listen 127.0.0.1:0 -state-dir /tmp/sim\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q: walletsim takes flags only (see -h)", fs.Arg(0))
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	sims, err := startSims(simOptions{codeTTL: *codeTTL, acceptUnissued: *acceptUnissued, log: log})
	if err != nil {
		return err
	}
	defer sims.Close()
	return serveControl(ctx, *listen, *stateDir, sims, stdout, log, ready)
}
