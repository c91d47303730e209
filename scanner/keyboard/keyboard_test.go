package keyboard

import (
	"errors"
	"testing"

	"github.com/scanpay/scanpay/scanner/internal/recording"
)

func TestRecordedReports(t *testing.T) {
	rec, err := recording.Load("../testdata/kbd-us.rec")
	if err != nil {
		t.Fatal(err)
	}
	layout, ok := LayoutByName(rec.Layout)
	if !ok {
		t.Fatalf("layout %q not built in", rec.Layout)
	}
	d := NewDecoder(layout, 0)
	var got []Line
	for i, r := range rec.Reports {
		lines, err := d.Report(r)
		if err != nil {
			t.Fatalf("report %d: %v", i, err)
		}
		got = append(got, lines...)
	}
	if len(got) != len(rec.Expect) {
		t.Fatalf("got %d lines %+v, want %d", len(got), got, len(rec.Expect))
	}
	for i, want := range rec.Expect {
		switch {
		case want.Error && got[i].Err == nil:
			t.Errorf("line %d: got %q, want an error", i, got[i].Text)
		case !want.Error && (got[i].Err != nil || got[i].Text != want.Code):
			t.Errorf("line %d: got %q, %v; want %q", i, got[i].Text, got[i].Err, want.Code)
		}
	}
}

func report(mods byte, keys ...byte) []byte {
	r := make([]byte, 8)
	r[0] = mods
	copy(r[2:], keys)
	return r
}

func TestDecoderErrors(t *testing.T) {
	d := NewDecoder(US, 3)
	if _, err := d.Report([]byte{0, 0, 0x04}); !errors.Is(err, ErrShortReport) {
		t.Errorf("short report: err = %v", err)
	}
	var lines []Line
	for _, k := range []byte{0x04, 0x05, 0x06, 0x07, 0x28} { // abcd Enter, max 3
		l, _ := d.Report(report(0, k))
		lines = append(lines, l...)
		l, _ = d.Report(report(0))
		lines = append(lines, l...)
	}
	var tl *TooLongError
	if len(lines) != 1 || !errors.As(lines[0].Err, &tl) {
		t.Fatalf("overlong line: got %+v, want one TooLongError", lines)
	}
	// The decoder recovers for the next line.
	lines = nil
	for _, k := range []byte{0x04, 0x28} {
		l, _ := d.Report(report(0, k))
		lines = append(lines, l...)
		d.Report(report(0))
	}
	if len(lines) != 1 || lines[0].Text != "a" {
		t.Errorf("after overflow: got %+v, want \"a\"", lines)
	}
	var um *UnmappedError
	d.Report(report(0, 0x3A))
	d.Report(report(0))
	lines, _ = d.Report(report(0, 0x28))
	if len(lines) != 1 || !errors.As(lines[0].Err, &um) || um.Usage != 0x3A {
		t.Errorf("F1: got %+v, want UnmappedError for 0x3A", lines)
	}
}

func TestLayoutByName(t *testing.T) {
	if _, ok := LayoutByName("US"); !ok {
		t.Error("US layout not found by upper-case name")
	}
	if _, ok := LayoutByName("dvorak"); ok {
		t.Error("unknown layout found")
	}
	if names := LayoutNames(); len(names) == 0 || names[0] != "us" {
		t.Errorf("LayoutNames() = %v", names)
	}
}

// FuzzDecoder feeds arbitrary report streams: lines must stay within the
// maximum and hold only characters the layout can type.
func FuzzDecoder(f *testing.F) {
	f.Add([]byte{0, 0, 0x1f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x28, 0, 0, 0, 0, 0})
	f.Add([]byte{2, 0, 0x04, 0x05, 0, 0, 0, 0, 0, 0, 0x39, 0, 0, 0, 0, 0, 0, 0, 0x2b, 0, 0, 0, 0, 0})
	f.Add([]byte{1, 0, 0x30, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1})
	typeable := map[rune]bool{}
	for _, k := range US.Keys {
		typeable[k.Normal], typeable[k.Shifted] = true, true
	}
	f.Fuzz(func(t *testing.T, stream []byte) {
		d := NewDecoder(US, 16)
		for len(stream) >= ReportLen {
			lines, err := d.Report(stream[:ReportLen])
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range lines {
				if l.Err != nil {
					continue
				}
				if n := len([]rune(l.Text)); n == 0 || n > 16 {
					t.Fatalf("line of %d characters", n)
				}
				for _, r := range l.Text {
					if !typeable[r] {
						t.Fatalf("line %q holds %q", l.Text, r)
					}
				}
			}
			stream = stream[ReportLen:]
		}
	})
}
