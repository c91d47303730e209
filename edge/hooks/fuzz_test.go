package hooks

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/scanpay/scanpay/store"
)

// FuzzFileHookName: whatever ids a receipt carries, the file hook writes
// exactly one file directly inside its folder, or refuses.
func FuzzFileHookName(f *testing.F) {
	f.Add("7b1c2f9e-0000-4000-8000-000000000001", "", "approved")
	f.Add("p1", "r1", "refunded")
	f.Add("../../etc/passwd", "", "approved")
	f.Add("p1", "..", "refunded")
	f.Fuzz(func(t *testing.T, paymentID, refundID, state string) {
		parent := t.TempDir()
		dir := filepath.Join(parent, "receipts")
		h, err := New(Config{Kind: KindFile, Dir: dir}, "")
		if err != nil {
			t.Fatal(err)
		}
		r := Receipt{DeliveryID: "d", PaymentID: paymentID, RefundID: refundID, State: store.State(state)}
		err = h.Deliver(context.Background(), r)
		outside, _ := os.ReadDir(parent)
		for _, e := range outside {
			if e.Name() != "receipts" {
				t.Fatalf("wrote %q outside the hook's folder", e.Name())
			}
		}
		inside, _ := os.ReadDir(dir)
		if err == nil && (len(inside) != 1 || inside[0].Name() != FileName(r) || inside[0].IsDir()) {
			t.Fatalf("delivered, but the folder holds %v, want just %q", inside, FileName(r))
		}
		if err != nil && len(inside) != 0 {
			t.Fatalf("refused (%v), but the folder holds %v", err, inside)
		}
	})
}
