package hooks

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/store"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		c    Config
		want string // substring of the error; "" = valid
	}{
		{"file ok", Config{Kind: "file", Dir: "receipts"}, ""},
		{"exec ok", Config{Kind: "exec", Command: []string{"lp"}}, ""},
		{"webhook ok", Config{Kind: "webhook", URL: "http://127.0.0.1:9000/r"}, ""},
		{"webhook localhost", Config{Kind: "webhook", URL: "https://localhost/r"}, ""},
		{"webhook ipv6", Config{Kind: "webhook", URL: "http://[::1]:80/r"}, ""},
		{"no kind", Config{}, "hooks[3].kind is empty"},
		{"bad kind", Config{Kind: "printer"}, `hooks[3].kind is "printer"`},
		{"file no dir", Config{Kind: "file"}, "hooks[3].dir is empty"},
		{"exec no command", Config{Kind: "exec"}, "hooks[3].command is empty"},
		{"webhook remote", Config{Kind: "webhook", URL: "http://example.com/r"}, "hooks[3].url: \"http://example.com/r\" is not on this machine"},
		{"webhook lan", Config{Kind: "webhook", URL: "http://192.168.1.2/r"}, "not on this machine"},
		{"webhook scheme", Config{Kind: "webhook", URL: "ftp://127.0.0.1/r"}, "not an http(s) URL"},
		{"webhook empty", Config{Kind: "webhook"}, "hooks[3].url: is empty"},
		{"bad state", Config{Kind: "file", Dir: "d", On: []string{"paid"}}, `hooks[3].on contains "paid"`},
		{"negative timeout", Config{Kind: "file", Dir: "d", Timeout: -time.Second}, "hooks[3].timeout is negative"},
		{"slash name", Config{Name: "a/b", Kind: "file", Dir: "d"}, "hooks[3].name"},
		{"exec env", Config{Kind: "exec", Command: []string{"lp"}, Env: []string{"PRINTER_NAME", "ProgramFiles(x86)"}}, ""},
		{"env name with =", Config{Kind: "exec", Command: []string{"lp"}, Env: []string{"PRINTER=lp0"}}, `hooks[3].env contains "PRINTER=lp0", which is not an environment variable name: list names only`},
		{"empty env name", Config{Kind: "exec", Command: []string{"lp"}, Env: []string{""}}, "hooks[3].env contains \"\""},
		{"env on a file hook", Config{Kind: "file", Dir: "d", Env: []string{"X"}}, `hooks[3].env is for kind = "exec"`},
		{"batch arg with &", Config{Kind: "exec", Command: []string{`C:\hooks\print.cmd`, "a&b"}}, ""},
		{"batch arg with %", Config{Kind: "exec", Command: []string{`C:\hooks\print.cmd`, "lane", "100%"}}, `hooks[3].command[2] "100%" contains "%", which cmd.exe would not pass on as written to a batch script`},
		{"bat path with quote", Config{Kind: "exec", Command: []string{`C:\a"b.BAT`}}, `hooks[3].command[0]`},
		{"exe arg with %", Config{Kind: "exec", Command: []string{`C:\hooks\print.exe`, "100%"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Validate(3)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestValidateAllDuplicateNames(t *testing.T) {
	err := ValidateAll([]Config{{Kind: "file", Dir: "a"}, {Kind: "file", Dir: "b"}})
	if err == nil || !strings.Contains(err.Error(), `hooks[1].name "file" is also the name of hooks[0]`) {
		t.Fatalf("ValidateAll = %v", err)
	}
	if err := ValidateAll([]Config{{Kind: "file", Dir: "a"}, {Name: "copy", Kind: "file", Dir: "b"}}); err != nil {
		t.Fatal(err)
	}
}

func receipt(state store.State, refund string) Receipt {
	return Receipt{DeliveryID: "p1/" + string(state) + "/h", Hook: "h", State: state, PaymentID: "p1", RefundID: refund,
		Payment: map[string]any{"id": "p1", "masked_code": "22J1…1111", "amount": 100}}
}

func TestOnDefaultsAndOverride(t *testing.T) {
	h, err := New(Config{Kind: "file", Dir: "d"}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range store.States {
		want := s == store.Approved || s == store.Declined || s == store.Voided || s == store.Reversed || s == store.Refunded
		if h.On(s) != want {
			t.Errorf("default On(%s) = %v, want %v", s, h.On(s), want)
		}
	}
	h, _ = New(Config{Kind: "file", Dir: "d", On: []string{"cancelled"}}, t.TempDir())
	if !h.On(store.Cancelled) || h.On(store.Approved) {
		t.Errorf("On override not honoured")
	}
}

func TestFileHook(t *testing.T) {
	base := t.TempDir()
	h, err := New(Config{Name: "paper", Kind: "file", Dir: "receipts"}, base)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, r := range []Receipt{receipt(store.Approved, ""), receipt(store.Refunded, "r9")} {
		if err := h.Deliver(ctx, r); err != nil {
			t.Fatal(err)
		}
		// Delivered twice (at-least-once): the same file, whole.
		if err := h.Deliver(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(base, "receipts"))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "p1-approved.json,p1-refund-r9.json" {
		t.Fatalf("files = %v (no temp files may remain)", names)
	}
	b, _ := os.ReadFile(filepath.Join(base, "receipts", "p1-approved.json"))
	var got Receipt
	if err := json.Unmarshal(b, &got); err != nil || got.State != store.Approved || got.DeliveryID != "p1/approved/h" {
		t.Fatalf("receipt = %+v, %v", got, err)
	}
}

func TestFileHookUnwritableDir(t *testing.T) {
	base := t.TempDir()
	if err := os.WriteFile(filepath.Join(base, "blocker"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	h, _ := New(Config{Kind: "file", Dir: "blocker/sub"}, base)
	err := h.Deliver(context.Background(), receipt(store.Approved, ""))
	if err == nil || !strings.Contains(err.Error(), "check the hook's dir") {
		t.Fatalf("Deliver = %v", err)
	}
}

func TestExecHook(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	argv := helperCommand(t, "record", out, "two words", `a&b|c^d(e)`)
	dir, file := filepath.Split(argv[0])
	// A relative command path is taken from the config's folder.
	argv[0] = "./" + file
	h, err := New(Config{Kind: "exec", Command: argv}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Deliver(context.Background(), receipt(store.Approved, "")); err != nil {
		t.Fatal(err)
	}
	got := readSeen(t, out)
	if !strings.Contains(got.Stdin, `"masked_code":"22J1…1111"`) || got.Env["SCANPAY_DELIVERY_ID"] != "p1/approved/h" || got.Env["SCANPAY_STATE"] != "approved" {
		t.Fatalf("the command saw stdin %q, env %v", got.Stdin, got.Env)
	}
	if strings.Join(got.Args, "\n") != "two words\na&b|c^d(e)" {
		t.Errorf("the command got arguments %q", got.Args)
	}
}

func TestExecHookFailures(t *testing.T) {
	tests := []struct {
		mode    string
		timeout time.Duration
		want    string
	}{
		{"fail", 0, "stderr: printer out of paper"},
		{"longstderr", 0, "xxxEND"},
		{"sleep", 100 * time.Millisecond, "did not finish within 100ms"},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			h, _ := New(Config{Kind: "exec", Command: helperCommand(t, tt.mode), Timeout: tt.timeout}, "")
			err := h.Deliver(context.Background(), receipt(store.Declined, ""))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Deliver = %v, want %q", err, tt.want)
			}
			if len(err.Error()) > 1024 {
				t.Fatalf("error is %d bytes: the stderr tail is not bounded", len(err.Error()))
			}
		})
	}
}

func TestWebhook(t *testing.T) {
	type call struct {
		key  string
		body Receipt
	}
	calls := make(chan call, 4)
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var rc Receipt
		json.Unmarshal(b, &rc)
		calls <- call{r.Header.Get("Idempotency-Key"), rc}
		w.WriteHeader(status)
		io.WriteString(w, "busy")
	}))
	defer srv.Close()
	h, err := New(Config{Kind: "webhook", URL: srv.URL + "/receipts"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Deliver(context.Background(), receipt(store.Voided, "")); err != nil {
		t.Fatal(err)
	}
	c := <-calls
	if c.key != "p1/voided/h" || c.body.State != store.Voided {
		t.Fatalf("received %+v", c)
	}
	status = http.StatusServiceUnavailable
	err = h.Deliver(context.Background(), receipt(store.Voided, ""))
	if err == nil || !strings.Contains(err.Error(), "503") || !strings.Contains(err.Error(), "busy") {
		t.Fatalf("Deliver to a failing receiver = %v", err)
	}
}

func TestWebhookRedirectIsAFailure(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://example.com/", http.StatusFound)
	}))
	defer srv.Close()
	h, _ := New(Config{Kind: "webhook", URL: srv.URL}, "")
	if err := h.Deliver(context.Background(), receipt(store.Approved, "")); err == nil || !strings.Contains(err.Error(), "302") {
		t.Fatalf("Deliver = %v", err)
	}
}

// TestFileHookClearsTempsACrashLeft: a receipt whose writing was cut by a
// crash leaves only a hidden temporary file; the hook removes it when it
// starts, and leaves every other file alone.
func TestFileHookClearsTempsACrashLeft(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, ".p1-approved.json.tmp123456")
	keep := []string{filepath.Join(dir, "p0-approved.json"), filepath.Join(dir, ".notes"), filepath.Join(dir, "other.tmp1")}
	for _, f := range append([]string{stale}, keep...) {
		if err := os.WriteFile(f, []byte("{"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := New(Config{Name: "files", Kind: KindFile, Dir: dir}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the crash's temporary file is still there (%v)", err)
	}
	for _, f := range keep {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("%s was removed: %v", f, err)
		}
	}
}
