//go:build linux

package e2e

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWindowsServiceUnderWine: `scanpay install`, `start`, `status`,
// `stop` and `uninstall` of scanpay.exe against Wine's service manager;
// the service takes a payment while it runs. Wine's service manager is
// not Windows': this proves the calls scanpay makes and what it does with
// the answers, not what Windows enforces (the virtual account's rights,
// the recovery actions firing).
func TestWindowsServiceUnderWine(t *testing.T) {
	needWine(t)
	s := newWineScanpay(t, "")
	cfg := winPath(s.config)
	scanpayExe := func(args ...string) (string, int) {
		t.Helper()
		cmd := wineCmd(wine.exe, args...)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if errors.As(err, &ee) || errors.Is(err, exec.ErrWaitDelay) {
			return string(out), cmd.ProcessState.ExitCode()
		}
		if err != nil {
			t.Fatalf("scanpay.exe %s: %v", strings.Join(args, " "), err)
		}
		return string(out), 0
	}
	must := func(want string, args ...string) string {
		t.Helper()
		out, code := scanpayExe(args...)
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("scanpay.exe %s: exit %d, want 0 and %q:\n%s", strings.Join(args, " "), code, want, out)
		}
		return out
	}
	// status of a stopped service: exit 4, nothing answers.
	stopped := func(out string, code int) {
		t.Helper()
		if code != 4 || !strings.Contains(out, "service: stopped") || !strings.Contains(out, "not answering") {
			t.Errorf("status: exit %d, want 4, \"service: stopped\" and \"not answering\":\n%s", code, out)
		}
	}
	scanpayExe("stop")      // a service left by an interrupted run
	scanpayExe("uninstall") // (their errors are expected)
	out := must("installed the scanpay service", "install", "--config", cfg)
	t.Cleanup(func() {
		scanpayExe("stop")
		scanpayExe("uninstall")
		if t.Failed() {
			for _, name := range []string{"scanpay.log", "monitor.log"} {
				b, _ := os.ReadFile(filepath.Join(s.dir, "data", "logs", name))
				t.Logf("the service's %s:\n%s", name, b)
			}
		}
	})
	t.Logf("install:\n%s", out)
	// data_dir is made for the service's account, as on Linux.
	if strings.Contains(out, "data_dir") {
		t.Errorf("install could not prepare data_dir:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "data")); err != nil {
		t.Errorf("install did not create data_dir: %v", err)
	}

	// What the service manager holds, read back from the registry.
	key := `HKLM\System\CurrentControlSet\Services\scanpay`
	reg := regQuery(t, key)
	for _, want := range []string{
		`ObjectName    REG_SZ    NT SERVICE\scanpay`,
		`Start    REG_DWORD    0x2`, // automatic
		`run --config ` + cfg,
	} {
		if !strings.Contains(reg, want) {
			t.Errorf("%s lacks %q:\n%s", key, want, reg)
		}
	}
	// Each optional setting is either in the registry or named in a
	// warning with the command that sets it by hand.
	for _, o := range []struct{ value, warning string }{
		{"Description    REG_SZ    scanpay: takes", "its description"},
		{"DelayedAutostart    REG_DWORD    0x1", "sc.exe config scanpay start= delayed-auto"},
		{"FailureActions    REG_BINARY", "sc.exe failure scanpay reset= 86400 actions= restart/2000/restart/2000/restart/60000"},
		{"FailureActionsOnNonCrashFailures    REG_DWORD    0x1", "sc.exe failureflag scanpay 1"},
	} {
		inReg, warned := strings.Contains(reg, o.value), strings.Contains(out, o.warning)
		if inReg == warned {
			t.Errorf("optional setting %q: in the registry %v, warned %v (want exactly one):\n%s\n%s", o.value, inReg, warned, reg, out)
		}
	}
	if !strings.Contains(regQuery(t, `HKLM\System\CurrentControlSet\Services\EventLog\Application\scanpay`), "EventMessageFile") && !strings.Contains(out, "event-log source") {
		t.Error("no event-log source registered and no warning about it")
	}
	if out, _ := scanpayExe("install", "--config", cfg); !strings.Contains(out, "already installed") {
		t.Errorf("a second install: %s", out)
	}

	// Wine's service manager starts automatic services when it starts
	// again after being idle, as Windows does at boot: the service may
	// already run here, and start is then a no-op.
	if out, _ := scanpayExe("status", "--config", cfg); !strings.Contains(out, "service: stopped") && !strings.Contains(out, "service: running") {
		t.Errorf("status after install:\n%s", out)
	}
	must("start: done", "start")
	s.waitAPI(60 * time.Second)
	must("service: running", "status", "--config", cfg)
	var p payment
	s.must("POST", "/v1/payments", fmt.Sprintf(`{"terminal_id":%q,"order_number":"wine-service","amount":55}`, lane), 201, &p)
	s.scan(issue(t, "jkopay"))
	if p = s.settle(p.ID, 40*time.Second); p.State != "approved" {
		t.Fatalf("the service's payment ended %s", p.State)
	}

	must("stop: done", "stop")
	stopped(scanpayExe("status", "--config", cfg))
	must("uninstall: done", "uninstall")
	if out, _ := scanpayExe("status", "--config", cfg); !strings.Contains(out, "service: not installed") {
		t.Errorf("status after uninstall:\n%s", out)
	}
	if reg := regQuery(t, key); reg != "" {
		t.Errorf("the service's key is left after uninstall:\n%s", reg)
	}
}

// regQuery is `reg query key` in our Wine prefix ("" when it is absent).
func regQuery(t *testing.T, key string) string {
	t.Helper()
	out, err := wineCmd("reg", "query", key).CombinedOutput()
	if err != nil && !errors.Is(err, exec.ErrWaitDelay) {
		return ""
	}
	return string(out)
}

// waitAPI waits until the POS API answers with the token from api-token.
func (s *scanpay) waitAPI(within time.Duration) {
	s.t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if s.readToken() {
			if st, _ := s.try("GET", "/v1/devices", "", nil, nil); st == 200 {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("the POS API did not answer within %s", within)
}
