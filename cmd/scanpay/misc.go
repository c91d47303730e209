package main

import (
	"context"
	"fmt"

	"github.com/scanpay/scanpay/cmd/scanpay/internal/config"
	"github.com/scanpay/scanpay/scanner"
)

func (c *cli) cmdDevices(ctx context.Context, args []string) int {
	fs := c.newFlagSet("devices", `List serial ports and USB HID devices that could be scanners, with the
[[scanners]] lines that would use each one. Listing serial ports touches
every port (on Linux it resets ttyS* to 9600 baud), so scanpay does this
only when asked.`, "scanpay devices --json")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if code, done := c.parse(fs, args); done {
		return code
	}
	d, err := scanner.Discover(ctx)
	if err != nil {
		return c.fail(fmt.Errorf("listing devices: %w", err))
	}
	if *asJSON {
		// Empty lists, not null: a script reads "no devices", not an error.
		if d.Serial == nil {
			d.Serial = []scanner.SerialPort{}
		}
		if d.HID == nil {
			d.HID = []scanner.HIDDevice{}
		}
		writeJSON(c.stdout, d)
		return exitOK
	}
	if err := d.WriteTable(c.stdout); err != nil {
		return c.fail(err)
	}
	return exitOK
}

func (c *cli) cmdCheckConfig(_ context.Context, args []string) int {
	fs := c.newFlagSet("check-config", `Validate the configuration exactly as `+"`scanpay run`"+` would (unknown keys,
paths, secrets, every wallet's settings) and print it as scanpay will use it:
relative paths resolved from the file's folder, the full classification
table, secrets redacted. Exit code 2 names the key at fault and the fix.`,
		"scanpay check-config --config /etc/scanpay/scanpay.toml")
	path := fs.String("config", "", "configuration file (default "+config.DefaultPath()+"; SANDBOX if absent)")
	if code, done := c.parse(fs, args); done {
		return code
	}
	cfg, err := c.loadConfig(*path, true, "")
	if err != nil {
		return c.fail(err)
	}
	for _, n := range cfg.Notes {
		fmt.Fprintf(c.stderr, "note: %s (update the file)\n", n)
	}
	if err := cfg.WriteEffective(c.stdout); err != nil {
		return c.fail(err)
	}
	return exitOK
}
