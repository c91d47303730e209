package svc

import (
	"context"
	"errors"
	"testing"
)

// TestProgramStartStop drives the service adapter the way a service manager
// does: Start runs the daemon, Stop cancels it and returns its error.
func TestProgramStartStop(t *testing.T) {
	started := make(chan struct{})
	stopErr := errors.New("stopped")
	p := &program{run: func(ctx context.Context) error {
		close(started)
		<-ctx.Done()
		return stopErr
	}}
	if err := p.Stop(nil); err != nil {
		t.Fatalf("Stop before Start: %v", err)
	}
	if err := p.Start(nil); err != nil {
		t.Fatal(err)
	}
	<-started
	if err := p.Stop(nil); !errors.Is(err, stopErr) {
		t.Fatalf("Stop = %v, want the daemon's own result", err)
	}
}

func TestConfigArguments(t *testing.T) {
	tests := []struct {
		s    Settings
		want []string
	}{
		{Settings{}, []string{"run"}},
		{Settings{ConfigPath: "/etc/scanpay/scanpay.toml"}, []string{"run", "--config", "/etc/scanpay/scanpay.toml"}},
	}
	for _, tt := range tests {
		c := Config(tt.s)
		if c.Name != Name || len(c.Arguments) != len(tt.want) {
			t.Fatalf("%+v: %+v", tt.s, c)
		}
		for i := range tt.want {
			if c.Arguments[i] != tt.want[i] {
				t.Errorf("%+v: args %v, want %v", tt.s, c.Arguments, tt.want)
			}
		}
	}
}

// TestProgramEndingOnItsOwnExits: a daemon that stops by itself (a config
// error, a failed part) must end the process so the service manager
// restarts it, carrying its exit code.
func TestProgramEndingOnItsOwnExits(t *testing.T) {
	exited := make(chan error, 1)
	p := &program{
		run:  func(context.Context) error { return exitErr(3) },
		exit: func(err error) { exited <- err },
	}
	if err := p.Start(nil); err != nil {
		t.Fatal(err)
	}
	err := <-exited
	var ec ExitCoder
	if !errors.As(err, &ec) || ec.ExitCode() != 3 {
		t.Fatalf("exit with %v, want exit code 3", err)
	}
}

type exitErr int

func (e exitErr) Error() string { return "exit" }
func (e exitErr) ExitCode() int { return int(e) }
