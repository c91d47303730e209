package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/scanpay/scanpay/cmd/scanpay/internal/posclient"
	"github.com/scanpay/scanpay/cmd/scanpay/internal/vscanner"
	"github.com/scanpay/scanpay/providers/wallettest"
)

// quiet drops the simulators' logs: they would cost the bench's CPU, not
// scanpay's.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// daemon is the scanpay the bench started.
type daemon struct {
	addr, token string
	pid         int
	startTime   time.Duration
	stop        func()
}

// start hosts the wallet simulator behind the timing handler, writes a
// configuration whose wallet points at it (and whose scanners are the
// ptys), and runs `scanpay run` on it as a separate process.
func start(ctx context.Context, o Options, lanes []string, scanners []*vscanner.Scanner, probes *wire, newSim func() wallettest.Simulator) (*daemon, error) {
	if o.Exe == "" {
		return nil, fmt.Errorf("%w: no scanpay program to start", ErrOptions)
	}
	dir := o.Dir
	var cleanup []func()
	undo := func() {
		for i := len(cleanup) - 1; i >= 0; i-- {
			cleanup[i]()
		}
	}
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "scanpay-bench-"); err != nil {
			return nil, err
		}
		cleanup = append(cleanup, func() { os.RemoveAll(dir) })
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			undo()
		}
	}()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: probes.handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	cleanup = append(cleanup, func() { srv.Close() })
	walletURL := "http://" + ln.Addr().String()

	table, err := wallettest.ConfigTable(probes.sim, walletURL)
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	tokenFile := filepath.Join(dir, "api-token")
	var cfg bytes.Buffer
	fmt.Fprintf(&cfg, "config_version = 1\ndata_dir = %q\n", filepath.Join(dir, "data"))
	if o.Workers > 0 {
		fmt.Fprintf(&cfg, "workers = %d\n", o.Workers)
	}
	cfg.WriteString("lanes = [")
	for i, l := range lanes {
		if i > 0 {
			cfg.WriteString(", ")
		}
		fmt.Fprintf(&cfg, "%q", l)
	}
	fmt.Fprintf(&cfg, "]\n\n[api]\nlisten = %q\ntoken_file = %q\n\n", addr, tokenFile)
	for i, s := range scanners {
		fmt.Fprintf(&cfg, "[[scanners]]\nkind = \"serial\"\nname = \"bench-%d\"\nport = %q\nbaud = 9600\nterminator = \"CR\"\nterminal_id = %q\n\n", i+1, s.Port(), lanes[i])
	}
	if err := toml.NewEncoder(&cfg).Encode(map[string]any{"providers": map[string]any{probes.sim.Name(): table}}); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "scanpay.toml")
	if err := os.WriteFile(path, cfg.Bytes(), 0o600); err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "scanpay.log"))
	if err != nil {
		return nil, err
	}
	cleanup = append(cleanup, func() { logf.Close() })

	began := time.Now()
	cmd := exec.Command(o.Exe, "run", "--no-monitor", "--config", path)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s run: %w", o.Exe, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	cleanup = append(cleanup, func() {
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			cmd.Process.Kill() // Windows: no interrupt to send to another process
		}
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})

	d := &daemon{addr: addr, pid: cmd.Process.Pid}
	for {
		if tok, err := os.ReadFile(tokenFile); err == nil && len(bytes.TrimSpace(tok)) > 0 {
			d.token = strings.TrimSpace(string(tok))
			cl := posclient.New(addr, d.token)
			if _, err := cl.Health(ctx); err == nil {
				break
			}
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(logf.Name())
			return nil, fmt.Errorf("scanpay exited at start (%v):\n%s", cmd.ProcessState, tail(log))
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
		if time.Since(began) > 30*time.Second {
			return nil, errors.New("scanpay did not answer on its API within 30s; its log is " + logf.Name())
		}
	}
	d.startTime = time.Since(began)
	if len(scanners) > 0 {
		if err := waitScanners(ctx, posclient.New(addr, d.token), len(scanners)); err != nil {
			return nil, err
		}
	}
	ok = true
	d.stop = undo
	return d, nil
}

// waitScanners waits until scanpay has opened every pty.
func waitScanners(ctx context.Context, cl *posclient.Client, n int) error {
	deadline := time.Now().Add(15 * time.Second)
	for {
		devs, err := cl.Devices(ctx)
		up := 0
		for _, d := range devs {
			if d.Connected {
				up++
			}
		}
		if err == nil && up == n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("scanpay opened %d of the %d bench scanners within 15s (%v)", up, n, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func tail(b []byte) []byte {
	if len(b) > 4000 {
		return b[len(b)-4000:]
	}
	return b
}
