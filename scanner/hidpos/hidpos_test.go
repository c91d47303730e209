package hidpos

import (
	"errors"
	"testing"

	"github.com/scanpay/scanpay/scanner/internal/recording"
)

func TestRecordedReports(t *testing.T) {
	for _, file := range []string{"../testdata/pos-generic.rec", "../testdata/pos-honeywell.rec"} {
		rec, err := recording.Load(file)
		if err != nil {
			t.Fatal(err)
		}
		layout, ok := LayoutByName(rec.POSLayout)
		if !ok {
			t.Fatalf("%s: layout %q not built in", file, rec.POSLayout)
		}
		d := NewDecoder(layout, 0)
		var got []Barcode
		for _, r := range rec.Reports {
			if b, ok := d.Report(r); ok {
				got = append(got, b)
			}
		}
		if len(got) != len(rec.Expect) {
			t.Fatalf("%s: got %d barcodes %+v, want %d", file, len(got), got, len(rec.Expect))
		}
		for i, want := range rec.Expect {
			switch {
			case want.Error && got[i].Err == nil:
				t.Errorf("%s: barcode %d: got %q, want an error", file, i, got[i].Data)
			case !want.Error && (got[i].Err != nil || string(got[i].Data) != want.Code):
				t.Errorf("%s: barcode %d: got %q, %v; want %q", file, i, got[i].Data, got[i].Err, want.Code)
			}
		}
		if got[0].Symbology != "]Q1" {
			t.Errorf("%s: first barcode symbology %q, want ]Q1", file, got[0].Symbology)
		}
	}
}

func TestDecoderLimits(t *testing.T) {
	d := NewDecoder(Generic, 60)
	part := make([]byte, 64)
	part[0], part[1], part[63] = 0x02, 40, 0x01
	for i := range 40 {
		part[5+i] = 'A'
	}
	if _, ok := d.Report(part); ok {
		t.Fatal("first part completed a barcode")
	}
	part[63] = 0
	b, ok := d.Report(part)
	if !ok || !errors.Is(b.Err, ErrTooLong) {
		t.Fatalf("80 bytes with max 60: got %+v, %v; want ErrTooLong", b, ok)
	}
	var re *ReportError
	if b, ok := d.Report([]byte{0x02, 0x01, 'A'}); !ok || !errors.As(b.Err, &re) {
		t.Errorf("short report: got %+v, %v; want ReportError", b, ok)
	}
	b, ok = d.Report(part)
	if !ok || b.Err != nil || len(b.Data) != 40 {
		t.Errorf("after errors: got %+v, %v; want 40 bytes", b, ok)
	}
}

// FuzzDecoder feeds arbitrary 64-byte reports through each layout: a
// barcode never exceeds the maximum and carries only a real AIM id.
func FuzzDecoder(f *testing.F) {
	seed := make([]byte, 128)
	seed[0], seed[1], seed[63], seed[64], seed[65] = 0x02, 4, 0x01, 0x02, 3
	copy(seed[2:], "]Q1ABCD")
	f.Add(seed, false)
	f.Add([]byte{0x02, 0xff, 0x00}, true)
	f.Fuzz(func(t *testing.T, stream []byte, honeywell bool) {
		layout := Generic
		if honeywell {
			layout = Honeywell
		}
		d := NewDecoder(layout, 100)
		for len(stream) > 0 {
			n := min(64, len(stream))
			b, ok := d.Report(stream[:n])
			stream = stream[n:]
			if !ok || b.Err != nil {
				continue
			}
			if len(b.Data) == 0 || len(b.Data) > 100 {
				t.Fatalf("barcode of %d bytes", len(b.Data))
			}
			if b.Symbology != "" && (len(b.Symbology) != 3 || b.Symbology[0] != ']') {
				t.Fatalf("symbology %q", b.Symbology)
			}
		}
	})
}
