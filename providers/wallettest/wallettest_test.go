package wallettest_test

import (
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scanpay/scanpay/providers/wallettest"
)

func TestFaultsOrder(t *testing.T) {
	var f wallettest.Faults
	if got := f.Next("pay"); got.Kind != wallettest.None {
		t.Fatalf("zero Faults gave %v", got.Kind)
	}
	f.Inject("pay", wallettest.Fault{Kind: wallettest.Hang}, wallettest.Fault{Kind: wallettest.ServerError})
	f.Inject("", wallettest.Fault{Kind: wallettest.Truncated})
	f.SetAlways("cancel", wallettest.Fault{Kind: wallettest.DropBeforeCharge})
	steps := []struct {
		call string
		want wallettest.FaultKind
	}{
		{"cancel", wallettest.Truncated}, // the any-call queue comes before always
		{"pay", wallettest.Hang},
		{"pay", wallettest.ServerError},
		{"pay", wallettest.None},
		{"cancel", wallettest.DropBeforeCharge},
		{"cancel", wallettest.DropBeforeCharge},
	}
	for i, s := range steps {
		if got := f.Next(s.call); got.Kind != s.want {
			t.Fatalf("step %d: Next(%q) = %v, want %v", i, s.call, got.Kind, s.want)
		}
	}
	f.SetAlways("cancel", wallettest.Fault{})
	f.Inject("pay", wallettest.Fault{Kind: wallettest.Hang})
	f.Clear()
	if got := f.Next("pay").Kind; got != wallettest.None {
		t.Fatalf("after Clear: %v", got)
	}
	if got := f.Next("cancel").Kind; got != wallettest.None {
		t.Fatalf("after SetAlways None: %v", got)
	}
}

func TestFaultsConcurrent(t *testing.T) {
	var f wallettest.Faults
	const n = 200
	for i := 0; i < n; i++ {
		f.Inject("pay", wallettest.Fault{Kind: wallettest.ServerError})
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := 0
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < n; i++ {
				if f.Next("pay").Kind == wallettest.ServerError {
					mu.Lock()
					got++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if got != n {
		t.Fatalf("%d queued faults handed out %d times", n, got)
	}
}

func TestLedger(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	l := wallettest.NewLedger("w", func() time.Time { return now }, nil)
	c, rep := l.Charge("K1", "22J111111111111111", 100)
	if rep || c.Amount != 100 || c.MaskedCode != "22J1…1111" || c.TransactionID != "w-1" || c.Requests != 1 {
		t.Fatalf("first charge = %+v, %v", c, rep)
	}
	c2, rep := l.Charge("K1", "22J111111111111111", 999)
	if !rep || c2.Amount != 100 || c2.TransactionID != c.TransactionID || c2.Requests != 2 {
		t.Fatalf("repeat charge = %+v, %v", c2, rep)
	}
	if _, _, err := l.Refund("K1", "R1", 101); !errors.Is(err, wallettest.ErrExceeds) {
		t.Fatalf("refund above paid: %v", err)
	}
	if _, _, err := l.Refund("K1", "R0", 0); !errors.Is(err, wallettest.ErrBadAmount) {
		t.Fatalf("refund of 0: %v", err)
	}
	r1, rep, err := l.Refund("K1", "R1", 30)
	if err != nil || rep || r1.Amount != 30 {
		t.Fatalf("partial refund = %+v, %v, %v", r1, rep, err)
	}
	if r, rep, err := l.Refund("K1", "R1", 30); err != nil || !rep || r.TransactionID != r1.TransactionID {
		t.Fatalf("repeated refund = %+v, %v, %v", r, rep, err)
	}
	if _, _, err := l.Refund("K1", "R1", 31); !errors.Is(err, wallettest.ErrKeyReused) {
		t.Fatalf("refund key reused with another amount: %v", err)
	}
	if _, _, err := l.Refund("K1", "R2", 71); !errors.Is(err, wallettest.ErrExceeds) {
		t.Fatalf("refunds above paid in total: %v", err)
	}
	if _, _, err := l.Refund("K1", "R2", 70); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Void("K1"); !errors.Is(err, wallettest.ErrRefunded) {
		t.Fatalf("void of a refunded charge: %v", err)
	}
	if _, _, err := l.Refund("NOPE", "R3", 1); !errors.Is(err, wallettest.ErrNotFound) {
		t.Fatalf("refund of unknown charge: %v", err)
	}
	l.Charge("K2", "22J222222222222222", 50)
	for i := 0; i < 2; i++ {
		if v, err := l.Void("K2"); err != nil || !v.Voided {
			t.Fatalf("void #%d = %+v, %v", i+1, v, err)
		}
	}
	if _, _, err := l.Refund("K2", "R4", 1); !errors.Is(err, wallettest.ErrVoided) {
		t.Fatalf("refund of voided charge: %v", err)
	}
	if _, err := l.Void("NOPE"); !errors.Is(err, wallettest.ErrNotFound) {
		t.Fatalf("void of unknown: %v", err)
	}
	all := l.Charges()
	if len(all) != 2 || all[0].Key != "K1" || all[0].Refunded != 100 || all[1].Key != "K2" {
		t.Fatalf("Charges = %+v", all)
	}
	if got := l.ChargesForCode("22J2…2222"); len(got) != 1 || got[0].Key != "K2" {
		t.Fatalf("ChargesForCode = %+v", got)
	}
	if got := l.Refunds("K1"); len(got) != 2 || got[0].Key != "R1" || got[1].Key != "R2" {
		t.Fatalf("Refunds = %+v", got)
	}
	if c, ok := l.ByTransaction("w-1"); !ok || c.Key != "K1" {
		t.Fatalf("ByTransaction = %+v, %v", c, ok)
	}
}

func TestCodes(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := func() time.Time { return now }
	shape := func(r *rand.Rand) string { return "22" + wallettest.RandomString(r, "0123456789", 16) }
	valid := func(s string) bool { return len(s) == 18 && strings.HasPrefix(s, "22") }
	codes := wallettest.NewCodes(shape, valid, wallettest.Options{CodeTTL: time.Minute, Now: clock})

	a := codes.Issue()
	if !valid(a) || a == codes.Issue() {
		t.Fatalf("Issue gave %q (or twice the same)", a)
	}
	if err := codes.Use(a, "K1"); err != nil {
		t.Fatal(err)
	}
	if err := codes.Use(a, "K1"); err != nil {
		t.Fatalf("resend with the same key refused: %v", err)
	}
	if err := codes.Use(a, "K2"); !errors.Is(err, wallettest.ErrCodeUsed) {
		t.Fatalf("second key: %v", err)
	}
	if err := codes.Use("22000000000000000X", "K3"); !errors.Is(err, wallettest.ErrCodeUnknown) {
		t.Fatalf("unissued: %v", err)
	}
	if err := codes.Use("nope", "K3"); !errors.Is(err, wallettest.ErrCodeMalformed) {
		t.Fatalf("malformed: %v", err)
	}
	b := codes.Issue()
	now = now.Add(time.Minute + time.Second)
	if err := codes.Use(b, "K4"); !errors.Is(err, wallettest.ErrCodeExpired) {
		t.Fatalf("expired: %v", err)
	}

	sandbox := wallettest.NewCodes(shape, valid, wallettest.Options{CodeTTL: time.Minute, Now: clock, AcceptUnissued: true})
	if err := sandbox.Use("221234567890123456", "K1"); err != nil {
		t.Fatalf("sandbox refused a well-formed code: %v", err)
	}
	if err := sandbox.Use("221234567890123456", "K2"); !errors.Is(err, wallettest.ErrCodeUsed) {
		t.Fatalf("sandbox let a code pay twice: %v", err)
	}
}

func TestMagicDecline(t *testing.T) {
	for amount, want := range map[int64]wallettest.Refusal{
		928: wallettest.RefuseInsufficient, 906: wallettest.RefuseCodeExpired, 927: wallettest.RefuseCodeInvalid,
		931: wallettest.RefuseLimit, 911: wallettest.RefuseSuspended, 100: wallettest.NoRefusal, 9280: wallettest.NoRefusal,
	} {
		if got := wallettest.MagicDecline(amount); got != want {
			t.Errorf("MagicDecline(%d) = %v, want %v", amount, got, want)
		}
	}
}

// newKitServer serves a tiny wallet through the Kit: POST /pay?key=K
// charges 10 under K and answers {"tx": id}.
func newKitServer(t *testing.T) *wallettest.Kit {
	t.Helper()
	kit := wallettest.NewKit(wallettest.NewLedger("w", nil, nil), nil, wallettest.Options{})
	kit.Serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f := kit.Faults.Next(wallettest.CallPay)
		if kit.Before(w, r, f) {
			return
		}
		c, _ := kit.Ledger.Charge(r.URL.Query().Get("key"), "22J111111111111111", 10)
		body, _ := json.Marshal(map[string]string{"tx": c.TransactionID, "padding": "0123456789"})
		kit.Answer(w, f, http.StatusOK, body)
	}))
	t.Cleanup(kit.Close)
	return kit
}

func TestKitFaults(t *testing.T) {
	kit := newKitServer(t)
	client := &http.Client{Timeout: 2 * time.Second}
	tests := []struct {
		fault      wallettest.Fault
		wantErr    bool // transport error
		wantStatus int
		wantJSON   bool
		charged    bool
	}{
		{fault: wallettest.Fault{}, wantStatus: 200, wantJSON: true, charged: true},
		{fault: wallettest.Fault{Kind: wallettest.Delay, Delay: 50 * time.Millisecond}, wantStatus: 200, wantJSON: true, charged: true},
		{fault: wallettest.Fault{Kind: wallettest.DropBeforeCharge}, wantErr: true},
		{fault: wallettest.Fault{Kind: wallettest.DropAfterCharge}, wantErr: true, charged: true},
		{fault: wallettest.Fault{Kind: wallettest.ServerError}, wantStatus: 500},
		{fault: wallettest.Fault{Kind: wallettest.Malformed}, wantStatus: 200, charged: true},
		{fault: wallettest.Fault{Kind: wallettest.Truncated}, wantStatus: 200, charged: true},
	}
	for i, tt := range tests {
		t.Run(tt.fault.Kind.String(), func(t *testing.T) {
			key := "K" + string(rune('a'+i))
			kit.Faults.Inject(wallettest.CallPay, tt.fault)
			resp, err := client.Post(kit.URL()+"/pay?key="+key, "application/json", nil)
			if tt.wantErr {
				if err == nil {
					resp.Body.Close()
					t.Fatalf("got HTTP %d, want a transport error", resp.StatusCode)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != tt.wantStatus {
					t.Fatalf("status %d, want %d", resp.StatusCode, tt.wantStatus)
				}
				var v map[string]string
				if gotJSON := json.Unmarshal(body, &v) == nil; gotJSON != tt.wantJSON {
					t.Fatalf("body %q: parses as JSON = %v, want %v", body, gotJSON, tt.wantJSON)
				}
			}
			if _, ok := kit.Ledger.Lookup(key); ok != tt.charged {
				t.Fatalf("charged = %v, want %v", ok, tt.charged)
			}
		})
	}
}

func TestKitHang(t *testing.T) {
	kit := newKitServer(t)
	kit.Faults.Inject(wallettest.CallPay, wallettest.Fault{Kind: wallettest.Hang})
	client := &http.Client{Timeout: 200 * time.Millisecond}
	if resp, err := client.Post(kit.URL()+"/pay?key=H1", "application/json", nil); err == nil {
		resp.Body.Close()
		t.Fatalf("hang answered HTTP %d", resp.StatusCode)
	}
	if _, ok := kit.Ledger.Lookup("H1"); ok {
		t.Fatal("a hung request charged")
	}

	// A hang with a patient client is released by Close.
	kit.Faults.Inject(wallettest.CallPay, wallettest.Fault{Kind: wallettest.Hang})
	errc := make(chan error, 1)
	go func() {
		resp, err := http.Post(kit.URL()+"/pay?key=H2", "application/json", nil)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	time.Sleep(100 * time.Millisecond)
	done := make(chan struct{})
	go func() { kit.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close blocked on a hanging request")
	}
	if err := <-errc; err == nil {
		t.Fatal("the hung request got an answer")
	}
}
