package framing

import (
	"errors"
	"strings"
	"testing"
)

func TestClean(t *testing.T) {
	tests := []struct {
		name     string
		frame    string
		opts     CleanOptions
		wantCode string
		wantSym  string
		wantErr  error
	}{
		{"plain", "2212345678901234AB", CleanOptions{}, "2212345678901234AB", "", nil},
		{"AIM stripped and reported", "]Q12212345678901234AB", CleanOptions{AIM: true}, "2212345678901234AB", "]Q1", nil},
		{"AIM kept when not configured", "]Q1ABC", CleanOptions{}, "]Q1ABC", "", nil},
		{"AIM lowercase code char", "]e0ABC", CleanOptions{AIM: true}, "ABC", "]e0", nil},
		{"not an AIM id", "]1QABC", CleanOptions{AIM: true}, "]1QABC", "", nil},
		{"STX", "\x02ABC", CleanOptions{StripSTX: true}, "ABC", "", nil},
		{"prefix and suffix", "<<ABC>>", CleanOptions{Prefix: "<<", Suffix: ">>"}, "ABC", "", nil},
		{"prefix then AIM", "#]C0ABC", CleanOptions{Prefix: "#", AIM: true}, "ABC", "]C0", nil},
		{"e-invoice carrier", "/ABC+123", CleanOptions{}, "/ABC+123", "", nil},
		{"UTF-8 text", "悠遊付123", CleanOptions{}, "悠遊付123", "", nil},
		{"only an AIM id", "]Q1", CleanOptions{AIM: true}, "", "]Q1", ErrEmpty},
		{"only spaces", "   ", CleanOptions{}, "", "", ErrEmpty},
		{"one space", " ", CleanOptions{}, "", "", ErrEmpty},
		{"AIM id then spaces", "]Q1  ", CleanOptions{AIM: true}, "", "]Q1", ErrEmpty},
		{"spaces inside prefix and suffix", "#  $", CleanOptions{Prefix: "#", Suffix: "$"}, "", "", ErrEmpty},
		{"a code with a space kept", "AB 12", CleanOptions{}, "AB 12", "", nil},
	}
	for _, tt := range tests {
		code, sym, err := Clean([]byte(tt.frame), tt.opts)
		if code != tt.wantCode || sym != tt.wantSym || !errors.Is(err, tt.wantErr) {
			t.Errorf("%s: Clean(%q) = %q, %q, %v; want %q, %q, %v", tt.name, tt.frame, code, sym, err, tt.wantCode, tt.wantSym, tt.wantErr)
		}
	}
}

func TestCleanRejectsControlBytesWithoutShowingTheCode(t *testing.T) {
	tests := []struct {
		frame  string
		offset int
		utf8   bool
	}{
		{"2212345678\x1d901234AB", 10, false},
		{"\x02221234567890123456", 0, false},
		{"2212345678901234\xffAB", 16, true},
	}
	for _, tt := range tests {
		_, _, err := Clean([]byte(tt.frame), CleanOptions{})
		var re *RejectError
		if !errors.As(err, &re) {
			t.Fatalf("Clean(%q) err = %v, want RejectError", tt.frame, err)
		}
		if re.Offset != tt.offset || re.UTF8 != tt.utf8 {
			t.Errorf("Clean(%q): offset %d utf8 %v, want %d %v", tt.frame, re.Offset, re.UTF8, tt.offset, tt.utf8)
		}
		if strings.Contains(err.Error(), "12345678") {
			t.Errorf("error shows the code: %s", err)
		}
		if !strings.Contains(err.Error(), "…") {
			t.Errorf("error does not show the masked code: %s", err)
		}
	}
}

// FuzzClean checks that a cleaned code is printable and that a rejection
// never shows the middle of the frame.
func FuzzClean(f *testing.F) {
	f.Add([]byte("]Q12212345678901234AB"), true, true)
	f.Add([]byte("\x02ABC\x1dDEF"), false, true)
	f.Add([]byte("悠遊付\xff"), true, false)
	f.Fuzz(func(t *testing.T, frame []byte, aim, stx bool) {
		code, sym, err := Clean(frame, CleanOptions{AIM: aim, StripSTX: stx, Prefix: "#", Suffix: "$"})
		if err != nil {
			if len(frame) > 12 && strings.Contains(err.Error(), string(frame[4:len(frame)-4])) {
				t.Fatalf("error %q shows the frame", err)
			}
			return
		}
		if strings.Trim(code, " ") == "" {
			t.Fatalf("empty or blank code %q without error", code)
		}
		for _, r := range code {
			if r < 0x20 || r == 0x7f {
				t.Fatalf("code %q holds a control character", code)
			}
		}
		if sym != "" && (!aim || len(sym) != 3 || sym[0] != ']') {
			t.Fatalf("symbology %q with aim=%v", sym, aim)
		}
	})
}
