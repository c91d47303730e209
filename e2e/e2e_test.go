//go:build linux

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

const lane = "AB123456"

// Set up once by TestMain.
var (
	binDir   string // the built binaries
	simState struct {
		Control       string `json:"control"`
		ProvidersTOML string `json:"providers_toml"`
		Wallets       map[string]struct {
			BaseURL string `json:"base_url"`
		} `json:"wallets"`
	}
)

func TestMain(m *testing.M) {
	code, err := setup(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e setup:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

// setup builds scanpay and walletsim, starts walletsim (it outlives every
// scanpay the tests start and kill) and runs the tests.
func setup(m *testing.M) (int, error) {
	dir, err := os.MkdirTemp("", "scanpay-e2e-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	binDir = dir
	root, err := filepath.Abs("..")
	if err != nil {
		return 0, err
	}
	for _, name := range []string{"scanpay", "walletsim"} {
		args := []string{"build", "-o", filepath.Join(dir, name)}
		if raceEnabled {
			args = append(args, "-race")
		}
		build := exec.Command("go", append(args, "./cmd/"+name)...)
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			return 0, fmt.Errorf("go build ./cmd/%s: %v\n%s", name, err, out)
		}
	}
	simDir := filepath.Join(dir, "walletsim-state")
	simLog, err := os.Create(filepath.Join(dir, "walletsim.log"))
	if err != nil {
		return 0, err
	}
	defer simLog.Close()
	sim := exec.Command(filepath.Join(dir, "walletsim"), "-listen", "127.0.0.1:0", "-state-dir", simDir, "-code-ttl", "120s")
	sim.Stdout, sim.Stderr = simLog, simLog
	if err := sim.Start(); err != nil {
		return 0, err
	}
	defer func() {
		sim.Process.Signal(syscall.SIGTERM)
		sim.Wait()
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := os.ReadFile(filepath.Join(simDir, "walletsim.json"))
		if err == nil && json.Unmarshal(b, &simState) == nil && simState.Control != "" {
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(simLog.Name())
			return 0, fmt.Errorf("walletsim did not write its state: %s", log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	code := m.Run()
	stopWine()
	return code, nil
}

// scanpay is one installation: its folder, config, pty scanner and, while
// running, its process.
type scanpay struct {
	t      *testing.T
	dir    string
	config string
	url    string
	token  string
	master *os.File // the scanner's side of the pty: what the test types (nil: the POS sends scans)
	slave  *os.File
	// command makes the process to start: nil runs the Linux binary; the
	// Wine test runs scanpay.exe under Wine.
	command func() *exec.Cmd
	cmd     *exec.Cmd
	exited  chan struct{}
	log     *os.File
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// newScanpay writes a config for a fresh installation with a serial
// scanner on a new pty, the walletsim wallets and a file receipt hook.
func newScanpay(t *testing.T) *scanpay {
	t.Helper()
	dir := t.TempDir()
	master, slave, err := pty.Open()
	if err != nil {
		t.Fatalf("pty: %v", err)
	}
	t.Cleanup(func() { master.Close(); slave.Close() })
	port := freePort(t)
	config := fmt.Sprintf(`config_version = 1
data_dir = %q
lanes = [%q]

[api]
listen = "127.0.0.1:%d"
socket = %q
token_file = %q

[[scanners]]
kind = "serial"
name = "lane-scanner"
port = %q
baud = 9600
terminator = "CR"
terminal_id = %q

[[hooks]]
name = "receipts"
kind = "file"
dir = %q

[log]
level = "debug"

%s`, filepath.Join(dir, "data"), lane, port, filepath.Join(dir, "api.sock"), filepath.Join(dir, "api-token"), slave.Name(), lane,
		filepath.Join(dir, "receipts"), providersTOML(t))
	s := installation(t, dir, port, config)
	s.master, s.slave = master, slave
	return s
}

// installation writes config as dir's scanpay.toml and opens the log the
// process writes; the log's tail is shown when the test fails.
func installation(t *testing.T, dir string, port int, config string) *scanpay {
	t.Helper()
	path := filepath.Join(dir, "scanpay.toml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(dir, "scanpay.log"))
	if err != nil {
		t.Fatal(err)
	}
	s := &scanpay{t: t, dir: dir, config: path, url: fmt.Sprintf("http://127.0.0.1:%d", port), log: logf}
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			if len(b) > 12000 {
				b = b[len(b)-12000:]
			}
			t.Logf("scanpay log (tail):\n%s", b)
		}
		logf.Close()
	})
	return s
}

// providersTOML is walletsim's [providers.*] tables with a short request
// timeout: the engine settles a request cut off by a crash once the
// timeout has passed, and the tests should not wait the wallets' 15 s.
func providersTOML(t *testing.T) string {
	var file struct{ Providers map[string]map[string]any }
	if _, err := toml.Decode(simState.ProvidersTOML, &file); err != nil {
		t.Fatalf("walletsim's providers.toml: %v", err)
	}
	for _, table := range file.Providers {
		table["timeout"] = "3s"
	}
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(file); err != nil {
		t.Fatal(err)
	}
	return strings.Replace(buf.String(), "[Providers", "[providers", -1)
}

// start runs `scanpay run` and waits until the POS API answers and the
// scanner, if there is one, is connected.
func (s *scanpay) start() {
	t := s.t
	t.Helper()
	scanners := 0
	if s.master != nil {
		scanners = 1
		// A killed scanpay leaves the pty in exclusive mode (TIOCEXCL, set
		// by the serial library); a real unplug/replug would clear it.
		if _, _, errno := unix.Syscall(unix.SYS_IOCTL, s.master.Fd(), unix.TIOCNXCL, 0); errno != 0 {
			t.Fatalf("TIOCNXCL: %v", errno)
		}
	}
	if s.command != nil {
		s.cmd = s.command()
	} else {
		s.cmd = exec.Command(filepath.Join(binDir, "scanpay"), "run", "--no-monitor", "--config", s.config)
	}
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if s.cmd.Env == nil {
		s.cmd.Env = os.Environ()
	}
	s.cmd.Env = append(s.cmd.Env, "SCANPAY_E2E=1")
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.exited = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { cmd.Wait(); close(done) }(s.cmd, s.exited)
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-s.exited:
			t.Fatalf("scanpay exited at start: %v", s.cmd.ProcessState)
		default:
		}
		if s.readToken() {
			var devs struct {
				Devices []struct {
					Connected bool `json:"connected"`
				} `json:"devices"`
			}
			if st, _ := s.try("GET", "/v1/devices", "", nil, &devs); st == 200 && len(devs.Devices) == scanners && (scanners == 0 || devs.Devices[0].Connected) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("scanpay did not come up with its %d scanner(s) connected within 30s", scanners)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// readToken reads the API token scanpay writes at its first start, once;
// it says whether the token is known.
func (s *scanpay) readToken() bool {
	if s.token == "" {
		if b, err := os.ReadFile(filepath.Join(s.dir, "api-token")); err == nil {
			s.token = strings.TrimSpace(string(b))
		}
	}
	return s.token != ""
}

// kill ends scanpay with SIGKILL: no shutdown code runs.
func (s *scanpay) kill() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		s.t.Fatal(err)
	}
	<-s.exited
}

// stop ends scanpay gracefully (SIGTERM), if it runs.
func (s *scanpay) stop() {
	if s.cmd == nil || s.exited == nil {
		return
	}
	select {
	case <-s.exited:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(15 * time.Second):
		s.t.Error("scanpay did not stop within 15s of SIGTERM")
		s.cmd.Process.Kill()
		<-s.exited
	}
}

// try sends one POS API request with the token; hdr may override headers
// ("" deletes one; "Host" sets the Host). It answers the status (0 when
// scanpay did not answer at all).
func (s *scanpay) try(method, path, body string, hdr map[string]string, out any) (int, []byte) {
	req, err := http.NewRequest(method, s.url+path, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		switch {
		case k == "Host":
			req.Host = v
		case v == "":
			req.Header.Del(k)
		default:
			req.Header.Set(k, v)
		}
	}
	client := &http.Client{Timeout: 70 * time.Second}
	res, err := client.Do(req)
	if err != nil {
		return 0, nil
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			s.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return res.StatusCode, b
}

func (s *scanpay) must(method, path, body string, want int, out any) {
	s.t.Helper()
	if st, b := s.try(method, path, body, nil, out); st != want {
		s.t.Fatalf("%s %s: %d, want %d: %s", method, path, st, want, b)
	}
}

// scan types a code on the scanner, as the scanner's USB-serial would;
// with no scanner, the POS sends it (POST /v1/scans).
func (s *scanpay) scan(code string) {
	s.t.Helper()
	if s.master == nil {
		if st, b := s.try("POST", "/v1/scans", fmt.Sprintf(`{"terminal_id":%q,"code":%q}`, lane, code), nil, nil); st >= 300 {
			s.t.Fatalf("POST /v1/scans: %d %s", st, b)
		}
		return
	}
	if _, err := s.master.Write([]byte(code + "\r")); err != nil {
		s.t.Fatal(err)
	}
}

type payment struct {
	ID         string `json:"id"`
	State      string `json:"state"`
	Final      bool   `json:"final"`
	Wallet     string `json:"wallet"`
	MaskedCode string `json:"masked_code"`
	Amount     int64  `json:"amount"`
}

// settle polls the payment the way a POS does: long-polls, and while
// scanpay is down, keeps asking until it answers with a final state.
func (s *scanpay) settle(id string, within time.Duration) payment {
	s.t.Helper()
	deadline := time.Now().Add(within)
	var p payment
	for time.Now().Before(deadline) {
		if st, _ := s.try("GET", "/v1/payments/"+id+"?wait=10s", "", nil, &p); st == 200 && p.Final {
			return p
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("payment %s not final within %s (last state %q)", id, within, p.State)
	return p
}

// sim talks to walletsim's control API.
func sim(t *testing.T, method, path, body string, out any) {
	t.Helper()
	req, _ := http.NewRequest(method, simState.Control+path, strings.NewReader(body))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("walletsim %s %s: %d %s", method, path, res.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatal(err)
		}
	}
}

type charge struct {
	Key        string
	MaskedCode string
	Amount     int64
	Refunded   int64
	Voided     bool
	Requests   int
}

func issue(t *testing.T, wallet string) string {
	var c struct{ Code string }
	sim(t, "POST", "/v1/wallets/"+wallet+"/codes", "", &c)
	return c.Code
}

// charges are the ledger's charges of one code (by its masked form, as
// scanpay shows it).
func charges(t *testing.T, wallet, masked string) []charge {
	var l struct{ Charges []charge }
	sim(t, "GET", "/v1/wallets/"+wallet+"/ledger", "", &l)
	var out []charge
	for _, c := range l.Charges {
		if c.MaskedCode == masked {
			out = append(out, c)
		}
	}
	return out
}

func wallets(t *testing.T) []string {
	var names []string
	for name := range simState.Wallets {
		names = append(names, name)
	}
	if len(names) == 0 {
		t.Fatal("walletsim runs no wallets")
	}
	return names
}

// Amount first, then the customer's code on the lane's serial scanner:
// approved, a receipt written, the wallet charged once.
func TestPayThroughTheScanner(t *testing.T) {
	s := newScanpay(t)
	s.start()
	var codes []string
	for i, wallet := range wallets(t) {
		t.Run(wallet, func(t *testing.T) {
			s.t = t
			var p payment
			body := fmt.Sprintf(`{"terminal_id":%q,"order_number":"scan-%d","amount":%d,"description":"e2e"}`, lane, i, 100+i)
			s.must("POST", "/v1/payments", body, 201, &p)
			if p.State != "awaiting_scan" {
				t.Fatalf("created as %s", p.State)
			}
			code := issue(t, wallet)
			codes = append(codes, code)
			s.scan(code)
			p = s.settle(p.ID, 40*time.Second)
			if p.State != "approved" || p.Wallet != wallet {
				t.Fatalf("payment ended %s through %q, want approved through %s", p.State, p.Wallet, wallet)
			}
			if strings.Contains(p.MaskedCode, code) || p.MaskedCode == "" {
				t.Errorf("masked code %q", p.MaskedCode)
			}
			got := charges(t, wallet, p.MaskedCode)
			if len(got) != 1 || got[0].Amount != int64(100+i) || got[0].Voided {
				t.Errorf("ledger: %+v, want one charge of %d", got, 100+i)
			}
			receipt := waitForReceipt(t, filepath.Join(s.dir, "receipts"), p.ID, "approved")
			if bytes.Contains(receipt, []byte(code)) {
				t.Error("the receipt holds the full payment code")
			}
		})
	}
	s.t = t
	logb, _ := os.ReadFile(s.log.Name())
	if !bytes.Contains(logb, []byte("scanpay started")) {
		t.Fatal("the log is empty: checking it for secrets proves nothing")
	}
	for _, secret := range append(codes, s.token) {
		if bytes.Contains(logb, []byte(secret)) {
			t.Errorf("the log holds a secret (%.4s…)", secret)
		}
	}
}

func waitForReceipt(t *testing.T, dir, id, state string) []byte {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), id) && strings.Contains(e.Name(), state) && strings.HasSuffix(e.Name(), ".json") {
				b, err := os.ReadFile(filepath.Join(dir, e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				var v map[string]any
				if err := json.Unmarshal(b, &v); err != nil {
					t.Fatalf("receipt %s is not JSON: %v", e.Name(), err)
				}
				return b
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	entries, _ := os.ReadDir(dir)
	t.Fatalf("no %s receipt for %s in %s (found %v)", state, id, dir, entries)
	return nil
}

// scanpay is killed with SIGKILL mid-payment: while the wallet holds its
// request, or while it settles an answer that was lost after the charge.
// Restarted on the same journal, it finishes the payment the wallet's own
// way; the POS, polling through the outage, gets the truth, and the
// ledger agrees: charged at most once, and voided when the POS was told so.
func TestKilledMidPayment(t *testing.T) {
	s := newScanpay(t)
	s.start()
	for i, tt := range killCases {
		t.Run(tt.name, func(t *testing.T) {
			s.t = t
			killMidPayment(t, s, fmt.Sprintf("kill-%d", i), int64(200+i), tt)
		})
		s.t = t
	}
}

// killCase is one moment to kill scanpay at, and the truth after.
type killCase struct {
	name   string
	wallet string
	faults []string // walletsim fault requests, queued before the scan
	// The kill comes once the payment is in this state and the
	// wallet has seen this many pay requests for it.
	killIn       string
	killRequests int
	want         string // the truth after the restart
	charged      int    // charges in the ledger
	voided       bool
}

var killCases = []killCase{
	// The wallet holds the payment request; scanpay dies with it on
	// the wire. The request never charged.
	{"jkopay request held", "jkopay", []string{`{"call":"pay","faults":[{"kind":"delay","delay":"30s"}]}`},
		"in_flight", 0, "voided", 0, false},
	{"easywallet request held", "easywallet", []string{`{"call":"pay","faults":[{"kind":"delay","delay":"30s"}]}`},
		"in_flight", 0, "approved", 1, false},
	// The wallet charged, the answer was lost; scanpay is killed while
	// settling it. JKOPay settles by Cancel: voided.
	{"jkopay answer lost", "jkopay", []string{
		`{"call":"pay","faults":[{"kind":"drop_after_charge"}]}`,
		`{"call":"cancel","faults":[{"kind":"hang"}]}`,
	}, "unknown", 1, "voided", 1, true},
	// EasyWallet settles by resending the identical order, which the
	// wallet answers with its first result: approved. The wallet holds
	// the resend (a held request is not in the ledger's count).
	{"easywallet answer lost", "easywallet", []string{
		`{"call":"pay","faults":[{"kind":"drop_after_charge"},{"kind":"hang"}]}`,
	}, "unknown", 1, "approved", 1, false},
	// iPass settles by searching the order number: the charge is
	// found, approved. The wallet holds the search.
	{"ipass answer lost", "ipass", []string{
		`{"call":"pay","faults":[{"kind":"drop_after_charge"}]}`,
		`{"call":"search","faults":[{"kind":"hang"}]}`,
	}, "unknown", 1, "approved", 1, false},
	{"ipass request held", "ipass", []string{`{"call":"pay","faults":[{"kind":"delay","delay":"30s"}]}`},
		"in_flight", 0, "voided", 0, false},
	// LINE Pay settles by its status check: the charge is found,
	// approved. The wallet holds the check.
	{"linepay answer lost", "linepay", []string{
		`{"call":"pay","faults":[{"kind":"drop_after_charge"}]}`,
		`{"call":"search","faults":[{"kind":"hang"}]}`,
	}, "unknown", 1, "approved", 1, false},
}

// killMidPayment pays order through tt.wallet with tt's faults queued,
// kills scanpay in tt.killIn, restarts it, and checks what the POS is told
// against the wallet's ledger.
func killMidPayment(t *testing.T, s *scanpay, order string, amount int64, tt killCase) {
	t.Helper()
	if _, ok := simState.Wallets[tt.wallet]; !ok {
		t.Fatalf("walletsim runs no %s", tt.wallet)
	}
	s.t = t
	var p payment
	s.must("POST", "/v1/payments", fmt.Sprintf(`{"terminal_id":%q,"order_number":%q,"amount":%d}`, lane, order, amount), 201, &p)
	for _, f := range tt.faults {
		sim(t, "POST", "/v1/wallets/"+tt.wallet+"/faults", f, nil)
	}
	s.scan(issue(t, tt.wallet))

	deadline := time.Now().Add(30 * time.Second)
	for {
		var cur payment
		s.try("GET", "/v1/payments/"+p.ID, "", nil, &cur)
		if cur.State == tt.killIn {
			p = cur
			if requests(t, tt.wallet, p.MaskedCode) >= tt.killRequests {
				break
			}
		}
		if cur.Final || time.Now().After(deadline) {
			t.Fatalf("payment is %s (%d pay requests seen), never %s with %d", cur.State, requests(t, tt.wallet, cur.MaskedCode), tt.killIn, tt.killRequests)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Let a settling request reach the wallet and be held there.
	time.Sleep(time.Second)
	s.kill()
	if st, _ := s.try("GET", "/v1/payments/"+p.ID, "", nil, nil); st != 0 {
		t.Fatalf("scanpay still answers after SIGKILL (%d)", st)
	}
	s.start()
	got := s.settle(p.ID, 60*time.Second)
	if got.State != tt.want {
		t.Errorf("after the restart the POS was told %s, want %s", got.State, tt.want)
	}
	ledger := charges(t, tt.wallet, p.MaskedCode)
	if len(ledger) != tt.charged {
		t.Fatalf("charged %d times, want %d: %+v", len(ledger), tt.charged, ledger)
	}
	if len(ledger) == 1 && ledger[0].Voided != tt.voided {
		t.Errorf("ledger voided=%v, but the POS was told %s", ledger[0].Voided, got.State)
	}
	waitForReceipt(t, filepath.Join(s.dir, "receipts"), p.ID, tt.want)
}

// requests is how many pay requests the wallet saw for the code's charge
// (0 when nothing was charged).
func requests(t *testing.T, wallet, masked string) int {
	if masked == "" {
		return 0
	}
	n := 0
	for _, c := range charges(t, wallet, masked) {
		n += c.Requests
	}
	return n
}

// What the POS API refuses, on the real binary: each answer a JSON error
// with a stable code, and nothing created.
func TestRefusals(t *testing.T) {
	s := newScanpay(t)
	s.start()
	checkRefusals(t, s)
	// The Unix socket serves the same API, behind the same token, and the
	// log names the peer the kernel vouches for.
	sock := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", filepath.Join(s.dir, "api.sock"))
		}}}
	for token, want := range map[string]int{s.token: 200, strings.Repeat("0", 64): 401} {
		req, _ := http.NewRequest("GET", "http://localhost/v1/devices", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := sock.Do(req)
		if err != nil {
			t.Fatalf("over the socket: %v", err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("over the socket: %d, want %d", res.StatusCode, want)
		}
	}
	if logb, _ := os.ReadFile(s.log.Name()); !bytes.Contains(logb, []byte(fmt.Sprintf("pid=%d", os.Getpid()))) {
		t.Error("the log does not name the socket's peer (SO_PEERCRED)")
	}
}

// checkRefusals sends what the POS API must refuse: each answer a JSON
// error with a stable code, nothing created; and liveness needs no token.
func checkRefusals(t *testing.T, s *scanpay) {
	t.Helper()
	ok := fmt.Sprintf(`{"terminal_id":%q,"order_number":"refused","amount":10}`, lane)
	tests := []struct {
		name   string
		method string
		path   string
		body   string
		hdr    map[string]string
		status int
		code   string
	}{
		{"no token", "POST", "/v1/payments", ok, map[string]string{"Authorization": ""}, 401, "unauthorized"},
		{"wrong token", "POST", "/v1/payments", ok, map[string]string{"Authorization": "Bearer " + strings.Repeat("f", 64)}, 401, "unauthorized"},
		{"non-loopback Host", "POST", "/v1/payments", ok, map[string]string{"Host": "pos.attacker.example"}, 421, "bad_host"},
		{"foreign Origin", "POST", "/v1/payments", ok, map[string]string{"Origin": "https://attacker.example"}, 403, "forbidden_origin"},
		{"oversized body", "POST", "/v1/payments", `{"terminal_id":"AB123456","order_number":"refused","amount":10,"description":"` + strings.Repeat("x", 70<<10) + `"}`, nil, 413, "too_large"},
		{"malformed JSON", "POST", "/v1/payments", `{"terminal_id":"AB123456",`, nil, 400, "invalid_request"},
		{"unknown field", "POST", "/v1/payments", `{"terminal_id":"AB123456","order_number":"refused","amount":10,"tip":5}`, nil, 400, "invalid_request"},
		{"unknown terminal", "POST", "/v1/payments", `{"terminal_id":"ZZ000000","order_number":"refused","amount":10}`, nil, 422, "unknown_terminal"},
		{"unknown payment", "GET", "/v1/payments/no-such-payment", "", nil, 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, b := s.try(tt.method, tt.path, tt.body, tt.hdr, nil)
			var e struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			if err := json.Unmarshal(b, &e); err != nil {
				t.Fatalf("%d with a non-JSON body %q", st, b)
			}
			if st != tt.status || e.Error.Code != tt.code || e.Error.Message == "" {
				t.Errorf("%d %+v, want %d %s", st, e.Error, tt.status, tt.code)
			}
		})
	}
	var list struct{ Payments []payment }
	s.must("GET", "/v1/payments?order_number=refused", "", 200, &list)
	if len(list.Payments) != 0 {
		t.Errorf("refused requests created payments: %+v", list.Payments)
	}

	// Liveness needs no token and says nothing sensitive.
	if st, b := s.try("GET", "/healthz", "", map[string]string{"Authorization": ""}, nil); st != 200 || !bytes.Contains(b, []byte(`"ok":true`)) {
		t.Errorf("healthz: %d %s", st, b)
	}
}

// TestCancelledPaymentFreesLane: the wallet charged, its answer was lost,
// and the wallet's settling call (JKOPay's Cancel) then fails for as long
// as the test wants. The POS cancels the payment: the lane takes the next
// customers, before and after a SIGKILL, while the old payment stays
// unknown; its order number answers 409. Once the wallet answers again
// (and scanpay restarts once more) the old charge is given back, and the
// ledger holds exactly the new customers' charges.
func TestCancelledPaymentFreesLane(t *testing.T) {
	const w = "jkopay"
	s := newScanpay(t)
	s.start()
	var old payment
	s.must("POST", "/v1/payments", fmt.Sprintf(`{"terminal_id":%q,"order_number":"free-old","amount":210}`, lane), 201, &old)
	sim(t, "POST", "/v1/wallets/"+w+"/faults", `{"call":"pay","faults":[{"kind":"drop_after_charge"}]}`, nil)
	down := `{"kind":"server_error"}` + strings.Repeat(`,{"kind":"server_error"}`, 499)
	sim(t, "POST", "/v1/wallets/"+w+"/faults", `{"call":"cancel","faults":[`+down+`]}`, nil)
	t.Cleanup(func() { sim(t, "DELETE", "/v1/wallets/"+w+"/faults", "", nil) })
	s.scan(issue(t, w))
	deadline := time.Now().Add(30 * time.Second)
	for old.State != "unknown" {
		if time.Now().After(deadline) {
			t.Fatalf("the payment whose answer was lost is %s, never unknown", old.State)
		}
		time.Sleep(50 * time.Millisecond)
		s.try("GET", "/v1/payments/"+old.ID, "", nil, &old)
	}
	var cancelled payment
	s.must("POST", "/v1/payments/"+old.ID+"/cancel", "", 200, &cancelled)
	if cancelled.State != "unknown" {
		t.Fatalf("cancel answered %s, want unknown (settling in the background)", cancelled.State)
	}
	next := func(order string, amount int64) payment {
		t.Helper()
		var p payment
		s.must("POST", "/v1/payments", fmt.Sprintf(`{"terminal_id":%q,"order_number":%q,"amount":%d}`, lane, order, amount), 201, &p)
		s.scan(issue(t, w))
		if got := s.settle(p.ID, 30*time.Second); got.State != "approved" {
			t.Fatalf("the next customer's payment %s ended %s, want approved", order, got.State)
		}
		s.try("GET", "/v1/payments/"+p.ID, "", nil, &p)
		return p
	}
	p1 := next("free-new-1", 211)
	s.kill()
	s.start()
	p2 := next("free-new-2", 212)
	var still payment
	s.must("GET", "/v1/payments/"+old.ID, "", 200, &still)
	if still.State != "unknown" {
		t.Fatalf("the cancelled payment is %s while JKOPay's cancel still fails; want unknown", still.State)
	}
	if st, b := s.try("POST", "/v1/payments", fmt.Sprintf(`{"terminal_id":%q,"order_number":"free-old","amount":210}`, lane), nil, nil); st != 409 || !strings.Contains(string(b), "new order number") {
		t.Errorf("a checkout repeating the cancelled, unsettled order: %d %s; want 409 naming a new order number", st, b)
	}

	// The wallet answers again; a restart settles at once.
	sim(t, "DELETE", "/v1/wallets/"+w+"/faults", "", nil)
	s.kill()
	s.start()
	if got := s.settle(old.ID, 60*time.Second); got.State != "voided" && got.State != "reversed" {
		t.Errorf("the cancelled payment ended %s, want its charge given back (voided or reversed)", got.State)
	}
	for _, p := range []payment{still, p1, p2} {
		ledger := charges(t, w, p.MaskedCode)
		if len(ledger) != 1 {
			t.Fatalf("payment %s: %d charges, want 1: %+v", p.ID, len(ledger), ledger)
		}
		if given := ledger[0].Voided || ledger[0].Refunded == ledger[0].Amount; given != (p.ID == old.ID) {
			t.Errorf("payment %s: charge given back = %v, want %v", p.ID, given, p.ID == old.ID)
		}
	}
}
