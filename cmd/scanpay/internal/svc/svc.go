package svc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/kardianos/service"
)

// Settings describe the installed service.
type Settings struct {
	ConfigPath string // absolute path of the config file, passed to `run --config`
	DataDir    string // the only folder the service may write
	Executable string // "" = this program
	User       string // run as this account; "" = root (Linux) / LocalSystem (Windows)
	// Groups are the user's extra groups for scanners (dialout, plugdev):
	// only ones that exist on this machine. The packaged unit lists none;
	// its postinstall adds the user to those that exist.
	Groups []string
}

// DefaultUser is the Linux service user the packages create.
const DefaultUser = "scanpay"

// ScannerGroups are the groups a service user needs for scanners: serial
// ports (dialout) and USB HID through libusb (plugdev, see the udev rule).
var ScannerGroups = []string{"dialout", "plugdev"}

const (
	displayName = "scanpay mobile-wallet payments"
	description = "scanpay: takes JKOPay, EasyWallet and iPass Money payments scanned at the till for the POS"
)

// Config is the kardianos/service definition of scanpay.
func Config(s Settings) *service.Config {
	args := []string{"run"}
	if s.ConfigPath != "" {
		args = append(args, "--config", s.ConfigPath)
	}
	// On Windows, Install (install_windows.go) registers the service
	// itself; the library only runs it.
	opts := service.KeyValue{
		"SystemdScript": UnitTemplate(s),
	}
	return &service.Config{
		Name:        Name,
		DisplayName: displayName,
		Description: description,
		Arguments:   args,
		Executable:  s.Executable,
		UserName:    s.User,
		Option:      opts,
	}
}

// program adapts a run function to service.Interface.
type program struct {
	run func(ctx context.Context) error
	// exit ends the process when run returns on its own (not through
	// Stop): the service manager then restarts it (systemd Restart=always,
	// Windows recovery actions). kardianos/service would otherwise keep
	// waiting for a stop signal with nothing running.
	exit   func(err error)
	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan error
}

// ExitCoder is an error that carries the process exit code.
type ExitCoder interface {
	error
	ExitCode() int
}

func exitProcess(err error) {
	var ec ExitCoder
	switch {
	case err == nil:
		os.Exit(0)
	case errors.As(err, &ec):
		os.Exit(ec.ExitCode())
	}
	os.Exit(1)
}

func (p *program) Start(service.Service) error {
	ctx, cancel := context.WithCancel(context.Background())
	p.mu.Lock()
	p.cancel = cancel
	p.done = make(chan error, 1)
	p.mu.Unlock()
	go func() {
		err := p.run(ctx)
		if ctx.Err() == nil && p.exit != nil {
			p.exit(err)
		}
		p.done <- err
	}()
	return nil
}

func (p *program) Stop(service.Service) error {
	p.mu.Lock()
	cancel, done := p.cancel, p.done
	p.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	select {
	case err := <-done:
		return err
	case <-time.After(40 * time.Second): // below systemd's TimeoutStopSec
		return errors.New("scanpay did not stop within 40s")
	}
}

// New makes the service. run is what the service runs until stopped.
func New(s Settings, run func(ctx context.Context) error) (service.Service, error) {
	svc, err := service.New(&program{run: run, exit: exitProcess}, Config(s))
	if err != nil {
		return nil, fmt.Errorf("this system has no service manager scanpay knows (%w): run `scanpay run` in the foreground instead", err)
	}
	return svc, nil
}

// Control runs install, uninstall, start, stop or restart.
func Control(s Settings, action string) error {
	svc, err := New(s, func(context.Context) error { return nil })
	if err != nil {
		return err
	}
	if err := service.Control(svc, action); err != nil {
		return fmt.Errorf("%s the %s service: %w (this usually needs root / an administrator)", action, Name, err)
	}
	return nil
}

// Status says whether the service is installed and running.
func Status(s Settings) (string, error) {
	if m := noServiceManager(); m != "" {
		return m, nil
	}
	svc, err := New(s, func(context.Context) error { return nil })
	if err != nil {
		return "", err
	}
	st, err := svc.Status()
	if errors.Is(err, service.ErrNotInstalled) {
		return "not installed", nil
	}
	if err != nil {
		return "unknown", fmt.Errorf("cannot read the %s service's status: %w", Name, err)
	}
	switch st {
	case service.StatusRunning:
		return "running", nil
	case service.StatusStopped:
		return "stopped", nil
	}
	return "unknown", nil
}
