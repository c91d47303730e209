package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/scanpay/scanpay/cmd/scanpay/internal/config"
	"github.com/scanpay/scanpay/cmd/scanpay/internal/posclient"
	"github.com/scanpay/scanpay/cmd/scanpay/internal/svc"
)

func (c *cli) cmdInstall(_ context.Context, args []string) int {
	fs := c.newFlagSet("install", `Install scanpay as a system service that starts at boot and restarts after
a failure: a systemd unit on Linux (Restart=always, RestartSec=2, hardened,
writing only to data_dir), a Windows service with restart-on-failure
recovery actions (2 s, 2 s, 60 s), delayed auto-start and an event-log
source. The configuration is validated first. Needs root / an
administrator. On Windows a recovery setting the service manager refuses
is a warning naming the sc.exe command that sets it, not a failure.

On Linux the service runs as the user "scanpay" (the .deb/.rpm create it;
otherwise: useradd --system --home /var/lib/scanpay --shell /usr/sbin/nologin
scanpay), with the groups dialout and plugdev for scanners where they
exist; data_dir is created owned by it. --user root runs it as root.
On Windows it runs as the virtual account NT SERVICE\scanpay (no password,
nothing else on the PC is its); data_dir is given a protected access list
for it. --user LocalService or --user LocalSystem choose those accounts.`,
		"sudo scanpay install --config /etc/scanpay/scanpay.toml")
	path := fs.String("config", "", "configuration file the service runs with (default "+config.DefaultPath()+")")
	user := fs.String("user", defaultServiceUser, "run the service as this account (it needs to read the configuration and own data_dir); Linux: \"root\" runs it as root; Windows: LocalService or LocalSystem")
	if code, done := c.parse(fs, args); done {
		return code
	}
	cfg, err := c.loadConfig(*path, false, "")
	if err != nil {
		return c.fail(err)
	}
	s := serviceSettings(cfg)
	warnings, err := prepareServiceUser(&s, *user, cfg)
	if err != nil {
		return c.fail(err)
	}
	more, err := svc.Install(s)
	if err != nil {
		return c.fail(err)
	}
	for _, w := range append(warnings, more...) {
		fmt.Fprintf(c.stderr, "warning: %s\n", w)
	}
	fmt.Fprintf(c.stdout, "installed the %s service for %s; start it with `scanpay start`\n", svc.Name, cfg.Path)
	return exitOK
}

// control is uninstall, start and stop: they need no configuration.
func (c *cli) control(action, what, example string, args []string, do func() error) int {
	fs := c.newFlagSet(action, what, example)
	if code, done := c.parse(fs, args); done {
		return code
	}
	if err := do(); err != nil {
		return c.fail(err)
	}
	fmt.Fprintf(c.stdout, "%s: done\n", action)
	return exitOK
}

// controlAction runs a service action through the service manager.
func controlAction(action string) func() error {
	return func() error { return svc.Control(svc.Settings{}, action) }
}

func (c *cli) cmdUninstall(_ context.Context, args []string) int {
	return c.control("uninstall", "Stop and remove the scanpay system service. The journal, the configuration and the logs stay.", "sudo scanpay uninstall", args, svc.Uninstall)
}

func (c *cli) cmdStart(_ context.Context, args []string) int {
	return c.control("start", "Start the installed scanpay service (nothing to do if it runs).", "sudo scanpay start", args, func() error {
		// Starting a running service is an error to the service manager,
		// not to a person who wants it running.
		if st, err := svc.Status(svc.Settings{}); err == nil && st == "running" {
			return nil
		}
		return svc.Control(svc.Settings{}, "start")
	})
}

func (c *cli) cmdStop(_ context.Context, args []string) int {
	return c.control("stop", "Stop the scanpay service. Payments in progress are resumed when it starts again.", "sudo scanpay stop", args, controlAction("stop"))
}

func (c *cli) cmdStatus(ctx context.Context, args []string) int {
	fs := c.newFlagSet("status", `Say whether the scanpay service is installed and running, whether the
POS API answers (GET /healthz) at the configured address, and then what
needs a person (GET /v1/status, with the API token): each problem on its
own numbered line, naming what is wrong and what to do. Exit code 0: all
fine; 7: scanpay answers but is not healthy (the problems say why); 4:
nothing answers. A monitoring script can run it as is.`, "scanpay status --config /etc/scanpay/scanpay.toml")
	path := fs.String("config", "", "configuration file (default "+config.DefaultPath()+"; SANDBOX address if absent)")
	addrFlag := fs.String("addr", "", "POS API address (default: api.listen of the configuration)")
	tokenFile := fs.String("token-file", "", "bearer token file, to read the problems (default: api.token_file of the configuration)")
	if code, done := c.parse(fs, args); done {
		return code
	}
	st, err := svc.Status(svc.Settings{})
	if err != nil {
		st = "unknown (" + err.Error() + ")"
	}
	fmt.Fprintf(c.stdout, "service: %s\n", st)
	addr := *addrFlag
	var cfg *config.Config
	var cfgErr error
	if addr == "" || *tokenFile == "" {
		cfg, cfgErr = c.loadConfig(*path, true, "")
		if cfgErr != nil && addr == "" {
			return c.fail(cfgErr)
		}
	}
	if addr == "" {
		addr = apiAddr(cfg)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	live, err := posclient.New(addr, "").Health(ctx)
	if err != nil {
		fmt.Fprintf(c.stdout, "POS API %s: not answering (%v)\n", addr, err)
		return exitUnreachable
	}
	mode := ""
	if live.Sandbox {
		mode = " (SANDBOX)"
	}
	fmt.Fprintf(c.stdout, "POS API %s: answering, ok=%v%s\n", addr, live.OK, mode)
	// Unhealthy is 7 even when the problems cannot be read: /healthz
	// already says something needs a person.
	code := exitOK
	if !live.OK {
		code = exitProblems
	}
	tf := *tokenFile
	if tf == "" && cfg != nil {
		tf = cfg.API.TokenFile
	}
	if tf == "" {
		fmt.Fprintf(c.stdout, "problems: not read: no configuration to find the API token in (%v); pass --token-file\n", cfgErr)
		return code
	}
	token, err := readTokenFile(tf)
	if err != nil {
		fmt.Fprintf(c.stdout, "problems: not read: %v\n", err)
		return code
	}
	report, err := posclient.New(addr, token).Status(ctx)
	if err != nil {
		fmt.Fprintf(c.stdout, "problems: not read: %v\n", err)
		return code
	}
	if !report.OK {
		code = exitProblems
	}
	if len(report.Problems) == 0 {
		fmt.Fprintln(c.stdout, "problems: none")
		return code
	}
	printProblems(c.stdout, report.Problems)
	return code
}

func printProblems(w io.Writer, problems []string) {
	fmt.Fprintf(w, "PROBLEMS: %d need a person (also in scanpay's log):\n", len(problems))
	for i, p := range problems {
		fmt.Fprintf(w, "  %d. %s\n", i+1, text(p))
	}
}
