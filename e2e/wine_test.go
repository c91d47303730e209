//go:build linux

package e2e

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// The Windows build of scanpay, run under Wine (Debian's Wine 8, prepared
// by .ci/wine/setup.sh), against the same walletsim as the Linux tests,
// running natively on this machine; the two meet on loopback TCP. Wine is
// not Windows: a pass proves scanpay.exe's own code paths (the journal on
// NTFS semantics, Winsock, the Windows build of every package); what real
// Windows enforces is not proved here.

// envRequireWine makes a missing Wine a failure instead of a skip: CI sets
// it, so the Windows end-to-end tests cannot silently stop running.
const envRequireWine = "SCANPAY_REQUIRE_WINE"

var wine struct {
	once   sync.Once
	loader string   // the wine64 loader
	env    []string // WINEPREFIX and friends, for every Wine process
	prefix string
	exe    string // scanpay.exe, built for windows/amd64
	skip   string // why Wine cannot run here
	err    error
}

// needWine prepares Wine and scanpay.exe once, or skips the test (fails it
// under SCANPAY_REQUIRE_WINE=1) when this machine has no Wine.
func needWine(t *testing.T) {
	t.Helper()
	wine.once.Do(setupWine)
	if wine.skip != "" {
		if os.Getenv(envRequireWine) == "1" {
			t.Fatalf("%s=1 but %s", envRequireWine, wine.skip)
		}
		t.Skipf("Windows end to end under Wine: %s", wine.skip)
	}
	if wine.err != nil {
		t.Fatal(wine.err)
	}
}

func wineLoader() string {
	for _, w := range []string{os.Getenv("SCANPAY_WINE"), "/usr/lib/wine/wine64"} {
		if w != "" {
			if _, err := os.Stat(w); err == nil {
				return w
			}
		}
	}
	for _, name := range []string{"wine64", "wine"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

func setupWine() {
	if wineLoader() == "" {
		wine.skip = "Wine is not installed (apt-get install wine64 gcc-mingw-w64-x86-64; .ci/run installs them)"
		return
	}
	if _, err := exec.LookPath("x86_64-w64-mingw32-gcc"); err != nil {
		wine.skip = "mingw is not installed, so the ProcessPrng shim cannot be built (apt-get install gcc-mingw-w64-x86-64)"
		return
	}
	root, err := filepath.Abs("..")
	if err != nil {
		wine.err = err
		return
	}
	// A prefix of our own, one per checkout: the service test installs a
	// service in it, which must not meet another checkout's test run or
	// the Windows unit tests' prefix.
	dir := os.Getenv("SCANPAY_WINE_DIR")
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			wine.err = err
			return
		}
		dir = filepath.Join(cache, "scanpay-wine")
	}
	sum := sha256.Sum256([]byte(root))
	wine.prefix = filepath.Join(dir, "e2e-"+hex.EncodeToString(sum[:4]))
	setup := exec.Command("bash", "-c", `. .ci/wine/setup.sh >&2 && printf %s "$SCANPAY_WINE"`)
	setup.Dir = root
	setup.Env = append(os.Environ(), "SCANPAY_WINE_DIR="+dir, "WINEPREFIX="+wine.prefix)
	var stderr strings.Builder
	setup.Stderr = &stderr
	out, err := setup.Output()
	if err != nil {
		wine.err = fmt.Errorf(".ci/wine/setup.sh: %v\n%s", err, stderr.String())
		return
	}
	wine.loader = string(out)
	wine.env = append(os.Environ(), "WINEPREFIX="+wine.prefix, "WINEDEBUG=-all", "WINEDLLOVERRIDES=mscoree,mshtml=")
	wine.exe = filepath.Join(binDir, "scanpay.exe")
	build := exec.Command("go", "build", "-o", wine.exe, "./cmd/scanpay")
	build.Dir = root
	build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		wine.err = fmt.Errorf("GOOS=windows go build ./cmd/scanpay: %v\n%s", err, out)
	}
}

// stopWine ends the wineserver of our prefix (and so every Wine process
// left in it), after the tests.
func stopWine() {
	if wine.prefix == "" || wine.loader == "" {
		return
	}
	ws := exec.Command(filepath.Join(filepath.Dir(wine.loader), "wineserver"), "-k")
	ws.Env = wine.env
	ws.Run()
}

// winPath is a Linux path as Windows programs under Wine see it: Wine maps
// drive Z: to /.
func winPath(p string) string { return `Z:` + strings.ReplaceAll(p, "/", `\`) }

// wineCmd runs a Windows program under Wine in our prefix.
func wineCmd(exe string, args ...string) *exec.Cmd {
	cmd := exec.Command(wine.loader, append([]string{exe}, args...)...)
	cmd.Env = wine.env
	// The first Wine program in a prefix starts wineserver and services.exe,
	// which inherit its output pipe and outlive it: stop reading then.
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// newWineScanpay is an installation of scanpay.exe with Windows paths
// (single-quoted TOML literals, no escapes), the walletsim wallets and a
// file receipt hook; scanners, when given, are its [[scanners]] tables,
// otherwise the POS sends the codes (POST /v1/scans).
func newWineScanpay(t *testing.T, scanners string) *scanpay {
	t.Helper()
	dir := t.TempDir()
	port := freePort(t)
	config := fmt.Sprintf(`config_version = 1
data_dir = '%s'
lanes = [%q]

[api]
listen = "127.0.0.1:%d"
token_file = '%s'

%s
[[hooks]]
name = "receipts"
kind = "file"
dir = '%s'

[log]
level = "debug"

%s`, winPath(filepath.Join(dir, "data")), lane, port, winPath(filepath.Join(dir, "api-token")), scanners,
		winPath(filepath.Join(dir, "receipts")), providersTOML(t))
	s := installation(t, dir, port, config)
	s.command = func() *exec.Cmd {
		// --no-monitor: one Windows process, so killing it kills scanpay.
		return wineCmd(wine.exe, "run", "--no-monitor", "--config", winPath(s.config))
	}
	return s
}

// TestWindowsBinaryUnderWine: scanpay.exe takes a payment over the POS API
// through each wallet, is killed mid-payment (SIGKILL to the Wine process:
// no Windows code runs, as with TerminateProcess) and restarted, after
// which the POS is told the truth and walletsim's ledger agrees; and it
// refuses a missing or wrong token, a foreign Host and a foreign Origin.
func TestWindowsBinaryUnderWine(t *testing.T) {
	needWine(t)
	s := newWineScanpay(t, "")
	s.start()
	t.Run("pay", func(t *testing.T) {
		for i, wallet := range wallets(t) {
			s.t = t
			var p payment
			s.must("POST", "/v1/payments", fmt.Sprintf(`{"terminal_id":%q,"order_number":"wine-%d","amount":%d}`, lane, i, 300+i), 201, &p)
			s.scan(issue(t, wallet))
			p = s.settle(p.ID, 40*time.Second)
			if p.State != "approved" || p.Wallet != wallet {
				t.Fatalf("%s: payment ended %s through %q, want approved", wallet, p.State, p.Wallet)
			}
			if got := charges(t, wallet, p.MaskedCode); len(got) != 1 || got[0].Amount != int64(300+i) || got[0].Voided {
				t.Errorf("%s: ledger %+v, want one charge of %d", wallet, got, 300+i)
			}
			waitForReceipt(t, filepath.Join(s.dir, "receipts"), p.ID, "approved")
		}
	})
	for i, tt := range killCases {
		if tt.name != "jkopay request held" && tt.name != "jkopay answer lost" && tt.name != "ipass answer lost" {
			continue // three cover both kinds of kill and both settle paths; each costs a restart under Wine
		}
		t.Run("killed/"+tt.name, func(t *testing.T) {
			s.t = t
			killMidPayment(t, s, fmt.Sprintf("wine-kill-%d", i), int64(400+i), tt)
		})
	}
	t.Run("refusals", func(t *testing.T) {
		s.t = t
		checkRefusals(t, s)
	})
	s.t = t
}

// comPort points $WINEPREFIX/dosdevices/<name> at a new pty's slave and
// returns the pty's master: what the test types there, a Windows program
// reads from the COM port.
func comPort(t *testing.T, name string) *os.File {
	t.Helper()
	master, slave, err := pty.Open()
	if err != nil {
		t.Fatalf("pty: %v", err)
	}
	t.Cleanup(func() { master.Close(); slave.Close() })
	link := filepath.Join(wine.prefix, "dosdevices", strings.ToLower(name))
	os.Remove(link)
	if err := os.Symlink(slave.Name(), link); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(link) })
	return master
}

// probeCOM runs testdata/comprobe in one mode on a fresh COM port, types
// a scanner's frame on the pty and answers the bytes the program read.
func probeCOM(t *testing.T, mode string) []byte {
	t.Helper()
	probeOnce.Do(func() {
		probeExe = filepath.Join(binDir, "comprobe.exe")
		build := exec.Command("go", "build", "-o", probeExe, "./e2e/testdata/comprobe")
		build.Dir = ".."
		build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			probeErr = fmt.Errorf("building comprobe: %v\n%s", err, out)
		}
	})
	if probeErr != nil {
		t.Fatal(probeErr)
	}
	master := comPort(t, "COM8")
	cmd := wineCmd(probeExe, mode, "COM8")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	select {
	case l := <-lines:
		if l != "ready" {
			t.Fatalf("comprobe %s: %s", mode, l)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("comprobe %s did not open COM8 within 30s", mode)
	}
	if _, err := master.Write([]byte(probeFrame)); err != nil {
		t.Fatal(err)
	}
	var got []byte
	timeout := time.After(3 * time.Second)
	for len(got) < len(probeFrame) {
		select {
		case l, ok := <-lines:
			h, found := strings.CutPrefix(l, "got ")
			if !ok || !found {
				t.Fatalf("comprobe %s: %q", mode, l)
			}
			b, err := hex.DecodeString(h)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, b...)
		case <-timeout:
			return got
		}
	}
	return got
}

const probeFrame = "PROBE-4710\r"

var (
	probeOnce sync.Once
	probeExe  string
	probeErr  error
)

// wineSerialBug is Wine 8's, found with testdata/comprobe: an overlapped
// ReadFile on a COM port whose COMMTIMEOUTS are {MAXDWORD, MAXDWORD, n}
// (Windows documents it as "return what is buffered, else wait up to n ms
// for the first byte"; go.bug.st/serial always sets it) never sees the
// bytes, while the same timeouts without overlapped I/O, and overlapped
// I/O with other timeouts, read every byte.
const wineSerialBug = "Wine 8's serial emulation never completes an overlapped ReadFile under COMMTIMEOUTS {MAXDWORD, MAXDWORD, n}, the mode go.bug.st/serial sets on Windows (TestWineCOMPortProbe shows it)"

// TestWineCOMPortProbe: whose fault it is when a scanner's bytes on a COM
// port mapped to a pty do not reach a Windows program under Wine. The pty
// and the mapping carry every byte (plain ReadFile, and overlapped
// ReadFile with other timeouts); the library's way gets either every byte
// or, under Wine 8, none.
func TestWineCOMPortProbe(t *testing.T) {
	needWine(t)
	for _, mode := range []string{"plain-wait", "plain-poll", "plain-library-timeouts", "overlapped-wait", "overlapped-poll"} {
		t.Run(mode, func(t *testing.T) {
			if got := probeCOM(t, mode); string(got) != probeFrame {
				t.Errorf("read %q, want %q: the COM port does not carry the bytes", got, probeFrame)
			}
		})
	}
	for _, mode := range []string{"overlapped", "library", "library-block"} {
		t.Run(mode, func(t *testing.T) {
			got := probeCOM(t, mode)
			switch string(got) {
			case probeFrame:
				t.Logf("%s read every byte: this Wine is fixed", mode)
			case "":
				t.Logf("%s read nothing: %s", mode, wineSerialBug)
			default:
				t.Errorf("read %q, want %q or nothing", got, probeFrame)
			}
		})
	}
}

// TestWineCOMPortScanner: a serial scanner on COM7, which Wine maps to a
// pty through $WINEPREFIX/dosdevices/com7; the test types on the pty's
// master as the scanner would. It runs once Wine reads COM ports the way
// go.bug.st/serial does (see TestWineCOMPortProbe).
func TestWineCOMPortScanner(t *testing.T) {
	needWine(t)
	if got := probeCOM(t, "library"); len(got) == 0 {
		t.Skip(wineSerialBug + "; on real Windows this is the scanner path of every serial scanner")
	}
	master := comPort(t, "COM7")
	s := newWineScanpay(t, fmt.Sprintf(`[[scanners]]
kind = "serial"
name = "lane-scanner"
port = "COM7"
baud = 9600
terminator = "CR"
terminal_id = %q
`, lane))
	s.master = master
	s.start()
	var p payment
	s.must("POST", "/v1/payments", fmt.Sprintf(`{"terminal_id":%q,"order_number":"wine-com","amount":77}`, lane), 201, &p)
	s.scan(issue(t, "jkopay"))
	p = s.settle(p.ID, 20*time.Second)
	if p.State != "approved" {
		t.Fatalf("payment ended %s, want approved", p.State)
	}
}
