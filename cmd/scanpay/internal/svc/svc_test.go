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
