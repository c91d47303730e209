package edge

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/scanpay/scanpay/edge/hooks"
	"github.com/scanpay/scanpay/store"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// TestReceiptGolden pins the receipt a hook receives: integrators parse it.
func TestReceiptGolden(t *testing.T) {
	at := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	p := store.Payment{
		ID: "7b1c2f9e-0000-4000-8000-000000000001", TerminalID: "AB123456", OrderNumber: "42", Amount: 180, Undiscount: 80,
		Description: "groceries", Items: []store.Item{{Name: "beer", Quantity: 2, UnitPrice: 40, Subtotal: 80}, {Name: "rice", Quantity: 1, UnitPrice: 100, Subtotal: 100}},
		Wallet: "jkopay", MaskedCode: "22J1…1111", FullCode: "22J1SECRETSECR1111", WalletRef: map[string]string{"MerchantTradeNo": "42P2611211"},
		State: store.Approved, Attempts: 1, CreatedAt: at, UpdatedAt: at.Add(2 * time.Second),
		History: []store.Change{{State: store.AwaitingScan, At: at, Reason: "created"}, {State: store.Queued, At: at.Add(time.Second), Reason: "code scanned: jkopay"},
			{State: store.InFlight, At: at.Add(time.Second), Reason: "sending to jkopay"}, {State: store.Approved, At: at.Add(2 * time.Second), Reason: "approved by the wallet"}},
		Answer: store.WalletAnswer{Code: "000", Message: "success", TransactionID: "J2611210000001", PaymentMethod: "wallet", AmountPaid: 180},
	}
	e := &Engine{cfg: Config{Sandbox: true}}
	rc := hooks.Receipt{DeliveryID: p.ID + "/approved/files", Hook: "files", State: store.Approved, PaymentID: p.ID, Sandbox: true, Payment: e.view(p, nil)}
	got, err := json.MarshalIndent(rc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(got, []byte("SECRET")) || bytes.Contains(got, []byte("MerchantTradeNo")) {
		t.Fatalf("the receipt carries the full code or wallet identifiers:\n%s", got)
	}
	path := filepath.Join("testdata", "receipt-approved.golden.json")
	if *update {
		if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(append(got, '\n'), want) {
		t.Fatalf("receipt differs from %s (run with -update if intended):\n%s", path, got)
	}
}
