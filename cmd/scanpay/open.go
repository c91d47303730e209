package main

import (
	"context"
	"fmt"
	"os/exec"
	"os/user"
	"runtime"
	"strings"
)

const openWhat = `Open the store's status page (served by the running scanpay at its API
address): today's payments and totals, the lanes and their scanners, the
receipt hooks, and the payments that need a supervisor.

It asks scanpay for a login link (with the API token, so only someone who
can read the token can do it), prints it and opens it in the default
browser. The link works once, within 60 seconds; the browser then keeps a
session (until it is closed, or 12 hours unused). Run it again for another
browser or when the page asks you to log in. --operator names you in the
history of what you settle on the page (default: your user name).`

// cmdOpen is `scanpay open [--operator NAME] [--no-browser]`.
func (c *cli) cmdOpen(ctx context.Context, args []string) int {
	fs := c.newFlagSet("open", openWhat, "scanpay open")
	cf := addClientFlags(fs)
	operator := fs.String("operator", "", "who opens the page, kept with what it settles (default: your user name)")
	noBrowser := fs.Bool("no-browser", false, "print the link only")
	if rc, done := c.parse(fs, args); done {
		return rc
	}
	if *operator == "" {
		*operator = userName()
	}
	cl, err := c.client(cf)
	if err != nil {
		return c.fail(err)
	}
	l, err := cl.PageLink(ctx, *operator)
	if err != nil {
		return c.clientFail(err)
	}
	u := cl.Base + l.Path
	if *cf.json {
		l.URL = u
		writeJSON(c.stdout, l)
	} else {
		fmt.Fprintf(c.stdout, "status page (this link works once, within %d seconds):\n  %s\n", l.ExpiresIn, u)
	}
	if *noBrowser {
		return exitOK
	}
	name, argv, ok := browserCommand(runtime.GOOS, exec.LookPath, u)
	if !ok {
		fmt.Fprintln(c.stderr, "no way to open a browser was found here: open the link above in a browser on this PC")
		return exitOK
	}
	cmd := exec.Command(name, argv...)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(c.stderr, "could not start the browser (%v): open the link above in a browser on this PC\n", err)
		return exitOK
	}
	go cmd.Wait() // the opener returns at once; do not leave a zombie behind
	return exitOK
}

// browserCommand is how goos opens u in the default browser: xdg-open
// on Linux and the BSDs, open on macOS, url.dll's handler on Windows.
func browserCommand(goos string, lookPath func(string) (string, error), u string) (string, []string, bool) {
	switch goos {
	case "windows":
		if p, err := lookPath("rundll32"); err == nil {
			return p, []string{"url.dll,FileProtocolHandler", u}, true
		}
	case "darwin":
		if p, err := lookPath("open"); err == nil {
			return p, []string{u}, true
		}
	default:
		for _, name := range []string{"xdg-open", "sensible-browser"} {
			if p, err := lookPath(name); err == nil {
				return p, []string{u}, true
			}
		}
	}
	return "", nil, false
}

func userName() string {
	if u, err := user.Current(); err == nil {
		name := u.Username
		if i := strings.LastIndex(name, `\`); i >= 0 { // DOMAIN\user on Windows
			name = name[i+1:]
		}
		return name
	}
	return ""
}
