package store

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// fixture is the payment, refund and delivery the v1 golden files hold.
func fixture() (Payment, Refund, Delivery) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	p := Payment{ID: "pay-1", TerminalID: "lane-1", OrderNumber: "POS-0001", Amount: 350, Undiscount: 50,
		Description: "latte", Items: []Item{{Name: "latte", Quantity: 2, UnitPrice: 175, Subtotal: 350}},
		Wallet: "jkopay", MaskedCode: "2212…34AB", WalletRef: map[string]string{"MerchantTradeNo": "S1-POS-0001-1"},
		State: Approved, Attempts: 1, CreatedAt: at, UpdatedAt: at.Add(time.Second), CodeExpires: at.Add(time.Minute),
		History: []Change{{State: Queued, At: at, Reason: "created"}, {State: InFlight, At: at, Reason: "sent"},
			{State: Approved, At: at.Add(time.Second), Reason: "wallet approved"}},
		Answer:         WalletAnswer{Code: "000", Message: "OK", TransactionID: "TX9", AmountPaid: 300, Discount: 50},
		RefundedAmount: 100}
	r := Refund{ID: "ref-1", PaymentID: "pay-1", Amount: 100, State: RefundSucceeded, Attempts: 1,
		CreatedAt: at, UpdatedAt: at, WalletRef: map[string]string{"RefundTradeNo": "R1"},
		History: []RefundChange{{State: RefundPending, At: at, Reason: "created"}, {State: RefundSucceeded, At: at, Reason: "ok"}}}
	d := Delivery{ID: "ref-1/refunded/printer", PaymentID: "pay-1", RefundID: "ref-1", State: Refunded, Hook: "printer",
		Attempts: 2, NextTry: at, LastError: "printer offline", CreatedAt: at}
	return p, r, d
}

// TestRecordV1Fixtures decodes records written by release 1 (committed
// under testdata/records/). The current version is still 1, so this proves
// that today's bytes keep loading once the shape changes: a later version
// must keep these tests passing through its migration.
func TestRecordV1Fixtures(t *testing.T) {
	p, r, d := fixture()
	tests := []struct {
		file   string
		value  any
		decode func([]byte) (any, error)
	}{
		{"payment.v1", p, func(b []byte) (any, error) { return decodePayment(b) }},
		{"refund.v1", r, func(b []byte) (any, error) { return decodeRefund(b) }},
		{"delivery.v1", d, func(b []byte) (any, error) { return decodeDelivery(b) }},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join("testdata", "records", tc.file)
			if *update {
				rec, err := encodeRecord(tc.value)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, rec, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			rec, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./store -run TestRecordV1Fixtures -update once to create it)", err)
			}
			if rec[0] != recordV1 {
				t.Fatalf("fixture version %d", rec[0])
			}
			got, err := tc.decode(rec)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.value) {
				t.Fatalf("decoded %+v\nwant    %+v", got, tc.value)
			}
		})
	}
}

// TestJournalV1FileStillOpens opens a whole journal file written by release
// 1 (testdata/journal-v1.db): the bucket layout and index keys must keep
// working, not only the records.
func TestJournalV1FileStillOpens(t *testing.T) {
	golden := filepath.Join("testdata", "journal-v1.db")
	if *update {
		writeV1Journal(t, golden)
	}
	src, err := os.Open(golden)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	path := filepath.Join(t.TempDir(), "journal.db")
	dst, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	dst.Close()
	j, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if err := j.Check(); err != nil {
		t.Fatal(err)
	}
	p, _, _ := fixture()
	got, err := j.FindOrder(p.TerminalID, p.OrderNumber)
	if err != nil || len(got) != 1 || got[0].Amount != p.Amount || got[0].State != Approved {
		t.Fatalf("FindOrder = %+v, %v", got, err)
	}
	pend, err := j.Pending()
	if err != nil || len(pend) != 1 || pend[0].ID != "pay-2" || pend[0].FullCode == "" {
		t.Fatalf("Pending = %v, %v; want pay-2 with its code", ids(pend), err)
	}
	ds, err := j.DueDeliveries(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), 0)
	if err != nil || len(ds) != 2 {
		t.Fatalf("DueDeliveries = %+v, %v", ds, err)
	}
	rs, err := j.Refunds(p.ID)
	if err != nil || len(rs) != 1 || rs[0].State != RefundSucceeded {
		t.Fatalf("Refunds = %+v, %v", rs, err)
	}
	// And it keeps working: the old payment can be refunded further.
	if _, err := j.CreateRefund(Refund{ID: "ref-2", PaymentID: p.ID, Amount: p.Amount - 100}); err != nil {
		t.Fatal(err)
	}
}

// writeV1Journal builds the golden journal through the public API.
func writeV1Journal(t *testing.T, path string) {
	os.Remove(path)
	c := newClock()
	j, err := Open(path, Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	p, _, _ := fixture()
	mustCreate(t, j, newPayment(p.ID, p.TerminalID, p.OrderNumber, p.Amount))
	walk(t, j, p.ID, Queued, InFlight)
	if _, err := j.Transition(p.ID, Transition{From: []State{InFlight}, To: Approved, Hooks: []string{"printer"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := j.CreateRefund(Refund{ID: "ref-1", PaymentID: p.ID, Amount: 100}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := j.TransitionRefund("ref-1", RefundTransition{From: []RefundState{RefundPending}, To: RefundSucceeded, Hooks: []string{"printer"}}); err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Minute)
	mustCreate(t, j, newPayment("pay-2", "lane-2", "POS-0002", 99))
	walk(t, j, "pay-2", Queued)
}

func TestDecodeRefusals(t *testing.T) {
	tests := []struct {
		name string
		rec  []byte
		say  string
	}{
		{"empty", nil, "damaged"},
		{"newer version", append([]byte{2}, `{"id":"x"}`...), "newer scanpay"},
		{"bad json", append([]byte{recordV1}, `{"id":`...), "damaged"},
		{"wrong type", append([]byte{recordV1}, `{"amount":"ten"}`...), "damaged"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodePayment(tc.rec)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.say) {
				t.Fatalf("err = %v, want ErrInvalid saying %q", err, tc.say)
			}
		})
	}
}

// FuzzDecodePayment: any bytes decode or fail cleanly, and what decodes
// re-encodes to a fixed point.
func FuzzDecodePayment(f *testing.F) {
	p, _, _ := fixture()
	rec, _ := encodeRecord(&p)
	f.Add(rec)
	f.Add([]byte{recordV1})
	f.Add(append([]byte{recordV1}, `{"state":"queued","history":null,"items":[{}]}`...))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := decodePayment(b)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error not ErrInvalid: %v", err)
			}
			return
		}
		enc1, err := encodeRecord(&p)
		if err != nil {
			return // e.g. a year past 9999 decodes but does not encode
		}
		p2, err := decodePayment(enc1)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		enc2, err := encodeRecord(&p2)
		if err != nil || !bytes.Equal(enc1, enc2) {
			t.Fatalf("not a fixed point:\n%s\n%s", enc1, enc2)
		}
	})
}

// FuzzSplitKey: index keys parse or are refused, never panic, and what
// parses is exactly the fields it was made of.
func FuzzSplitKey(f *testing.F) {
	p, r, d := fixture()
	f.Add(stateKey(&p), layoutState)
	f.Add(orderKey(&p), layoutOrder)
	f.Add(createdKey(&p), layoutCreated)
	f.Add(refundPayKey(&r), layoutRefPay)
	f.Add(deliveryPayKey(&d), layoutDelPay)
	f.Fuzz(func(t *testing.T, k []byte, layout string) {
		fields, ok := splitKey(k, layout)
		if !ok {
			return
		}
		var back []byte
		i := 0
		for _, c := range layout {
			switch c {
			case 's':
				back = seg(back, fields[i])
				i++
			case 't':
				back = append(back, fields[i]...)
				i++
			}
		}
		if !bytes.Equal(back, k) {
			t.Fatalf("key %x parsed as %q rebuilds as %x", k, fields, back)
		}
	})
}

func TestOpenRefusesANewerLayout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket(bMeta)
		if err != nil {
			return err
		}
		return b.Put(keyVersion, []byte{journalVersion + 1})
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, Options{}); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "upgrade scanpay") {
		t.Fatalf("Open = %v; want ErrInvalid telling to upgrade", err)
	}
}
