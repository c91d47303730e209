package framing

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

// feed pushes stream in chunks of the given size, all at t0.
func feed(f *Framer, stream []byte, chunk int) []Frame {
	var out []Frame
	for len(stream) > 0 {
		n := min(chunk, len(stream))
		out = append(out, f.Push(stream[:n], t0)...)
		stream = stream[n:]
	}
	return out
}

func datas(frames []Frame) []string {
	var out []string
	for _, fr := range frames {
		if fr.Err != nil {
			out = append(out, "ERR:"+fr.Err.Error()[:9])
			continue
		}
		out = append(out, string(fr.Data))
	}
	return out
}

func TestFramerTerminators(t *testing.T) {
	tests := []struct {
		name   string
		term   Terminator
		max    int
		stream string
		want   []string
	}{
		{"CR", CR, 0, "2212345678901234AB\rABC\r", []string{"2212345678901234AB", "ABC"}},
		{"CR with CRLF scanner", CR, 0, "AAA\r\nBBB\r\n", []string{"AAA", "BBB"}},
		{"LF", LF, 0, "AAA\nBBB\n", []string{"AAA", "BBB"}},
		{"CRLF", CRLF, 0, "AAA\r\nBBB\r\n", []string{"AAA", "BBB"}},
		{"CRLF keeps a lone CR in the data", CRLF, 0, "A\rB\r\n", []string{"A\rB"}},
		{"ETX", ETX, 0, "\x02AAA\x03\x02BBB\x03", []string{"\x02AAA", "\x02BBB"}},
		{"unterminated tail stays pending", CR, 0, "AAA\rBB", []string{"AAA"}},
		{"empty frames skipped", CR, 0, "\r\r\rA\r", []string{"A"}},
		{"overflow discarded until terminator", CR, 4, "ABCDEFGH\rOK\r", []string{"ERR:frame of ", "OK"}},
		{"exactly max fits", CR, 4, "ABCD\r", []string{"ABCD"}},
		{"one past max", CR, 4, "ABCDE\r", []string{"ERR:frame of "}},
		{"CRLF at max", CRLF, 4, "ABCD\r\n", []string{"ABCD"}},
		{"CRLF overflow", CRLF, 4, "ABCDEFG\r\nOK\r\n", []string{"ERR:frame of ", "OK"}},
	}
	for _, tt := range tests {
		for _, chunk := range []int{1, 2, 3, 7, 64} {
			f := New(Config{Terminator: tt.term, MaxFrame: tt.max})
			got := datas(feed(f, []byte(tt.stream), chunk))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s, chunks of %d: got %q, want %q", tt.name, chunk, got, tt.want)
			}
		}
	}
}

func TestFramerTooLongErrorSaysHowMuch(t *testing.T) {
	f := New(Config{Terminator: CR, MaxFrame: 4})
	frames := f.Push([]byte("ABCDEFGH\r"), t0)
	var tl *TooLongError
	if len(frames) != 1 || !errors.As(frames[0].Err, &tl) {
		t.Fatalf("got %+v, want one TooLongError", frames)
	}
	if tl.Len != 8 || tl.Max != 4 {
		t.Errorf("TooLongError = %+v, want Len 8 Max 4", tl)
	}
}

func TestFramerGap(t *testing.T) {
	gap := 50 * time.Millisecond
	f := New(Config{Gap: gap, MaxFrame: 8})
	var got []Frame
	got = append(got, f.Push([]byte("22J1"), t0)...)
	got = append(got, f.Push([]byte("AAAA"), t0.Add(10*time.Millisecond))...)
	got = append(got, f.Tick(t0.Add(40*time.Millisecond))...) // still inside the gap
	if len(got) != 0 {
		t.Fatalf("frame ended inside the gap: %q", datas(got))
	}
	got = append(got, f.Tick(t0.Add(61*time.Millisecond))...)
	// A second code arriving after a gap, without a Tick in between.
	got = append(got, f.Push([]byte("BBB\r"), t0.Add(200*time.Millisecond))...)
	got = append(got, f.Push([]byte("CC"), t0.Add(400*time.Millisecond))...)
	got = append(got, f.Tick(t0.Add(500*time.Millisecond))...)
	// Overflow in gap mode ends at the gap too.
	got = append(got, f.Push([]byte("123456789012"), t0.Add(time.Second))...)
	got = append(got, f.Tick(t0.Add(2*time.Second))...)
	want := []string{"22J1AAAA", "BBB", "CC", "ERR:frame of "}
	if !reflect.DeepEqual(datas(got), want) {
		t.Errorf("got %q, want %q", datas(got), want)
	}
	if f.Pending() {
		t.Error("framer still pending after the last gap")
	}
}

func TestParseTerminator(t *testing.T) {
	for in, want := range map[string]Terminator{"cr": CR, "LF": LF, "CrLf": CRLF, "ETX": ETX, "": None} {
		got, ok := ParseTerminator(in)
		if !ok || got != want {
			t.Errorf("ParseTerminator(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	if _, ok := ParseTerminator("TAB"); ok {
		t.Error("ParseTerminator accepted TAB")
	}
}

// FuzzFramer checks that however bytes are split, framing gives the same
// frames, no frame exceeds MaxFrame, and no frame holds its terminator.
func FuzzFramer(f *testing.F) {
	f.Add([]byte("2212345678901234AB\r"), uint8(1), uint8(3), uint8(16))
	f.Add([]byte("AAA\r\nBBB\r\n"), uint8(3), uint8(2), uint8(4))
	f.Add([]byte("\x02AAA\x03"), uint8(4), uint8(1), uint8(0))
	f.Fuzz(func(t *testing.T, stream []byte, term, chunk, max uint8) {
		cfg := Config{Terminator: Terminator(term%4 + 1), MaxFrame: int(max)}
		whole := New(cfg).Push(stream, t0)
		split := feed(New(cfg), stream, int(chunk%16)+1)
		if !reflect.DeepEqual(datas(whole), datas(split)) {
			t.Fatalf("split framing differs: %q vs %q", datas(whole), datas(split))
		}
		limit := cfg.MaxFrame
		if limit == 0 {
			limit = DefaultMaxFrame
		}
		for _, fr := range whole {
			if fr.Err != nil {
				continue
			}
			if len(fr.Data) == 0 || len(fr.Data) > limit {
				t.Fatalf("frame of %d bytes, max %d", len(fr.Data), limit)
			}
			if bad := map[Terminator]byte{CR: '\r', LF: '\n', ETX: 0x03}[cfg.Terminator]; bad != 0 && bytes.IndexByte(fr.Data, bad) >= 0 {
				t.Fatalf("frame %q holds its terminator", fr.Data)
			}
		}
	})
}
