package recording

import (
	"bytes"
	"path/filepath"
	"testing"
)

func TestParse(t *testing.T) {
	rec, err := Parse([]byte(`# a comment
mode pos
pos_layout generic
expect 22AB
expect-error
report 02 03 "A#B" pad:6 01   # trailing comment
`))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Mode != "pos" || rec.POSLayout != "generic" {
		t.Errorf("mode %q pos_layout %q", rec.Mode, rec.POSLayout)
	}
	want := []byte{0x02, 0x03, 'A', '#', 'B', 0x00, 0x01}
	if len(rec.Reports) != 1 || !bytes.Equal(rec.Reports[0], want) {
		t.Errorf("reports = % x, want % x", rec.Reports, want)
	}
	if len(rec.Expect) != 2 || rec.Expect[0].Code != "22AB" || !rec.Expect[1].Error {
		t.Errorf("expect = %+v", rec.Expect)
	}
}

func TestParseErrorsNameTheLine(t *testing.T) {
	for _, in := range []string{"report 1f0", "report pad:x", "report 02 03 pad:1", "frobnicate", "expect", "report \"open"} {
		if _, err := Parse([]byte("mode pos\n" + in)); err == nil {
			t.Errorf("Parse(%q) accepted it", in)
		}
	}
}

func TestCommittedRecordingsParse(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/*.rec")
	if len(files) == 0 {
		t.Fatal("no recordings in scanner/testdata")
	}
	for _, f := range files {
		rec, err := Load(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(rec.Reports) == 0 || len(rec.Expect) == 0 {
			t.Errorf("%s: %d reports, %d expectations", f, len(rec.Reports), len(rec.Expect))
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("mode keyboard\nexpect 22\nreport 00 00 1f pad:8\n"))
	f.Add([]byte("report 02 \"]Q1\" pad:64 # c\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := Parse(b)
		if err != nil {
			return
		}
		for _, r := range rec.Reports {
			if len(r) == 0 {
				t.Fatal("empty report parsed")
			}
		}
	})
}
