package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// Set at build time:
//
//	go build -ldflags "-X main.version=1.2.0 -X main.commit=$(git rev-parse --short HEAD) -X main.date=$(date -u +%FT%TZ)" ./cmd/scanpay
var (
	version = ""
	commit  = ""
	date    = ""
)

type buildInfo struct {
	Version, Commit, Date, Go, Platform string
}

// currentBuild fills what -ldflags did not set from the module's build
// information, so a plain `go build` still says something true.
func currentBuild() buildInfo {
	b := buildInfo{Version: version, Commit: commit, Date: date, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if info, ok := debug.ReadBuildInfo(); ok {
		if b.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			b.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				if b.Commit == "" {
					b.Commit = s.Value
				}
			case "vcs.time":
				if b.Date == "" {
					b.Date = s.Value
				}
			}
		}
	}
	if b.Version == "" {
		b.Version = "dev"
	}
	if b.Commit == "" {
		b.Commit = "unknown"
	}
	if b.Date == "" {
		b.Date = "unknown"
	}
	return b
}

func (c *cli) cmdVersion(_ context.Context, args []string) int {
	fs := c.newFlagSet("version", "Print scanpay's version, the commit it was built from, and the Go version.", "scanpay version")
	if code, done := c.parse(fs, args); done {
		return code
	}
	b := currentBuild()
	fmt.Fprintf(c.stdout, "scanpay %s (commit %s, built %s) %s %s\n", b.Version, b.Commit, b.Date, b.Go, b.Platform)
	return exitOK
}
