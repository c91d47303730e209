package framing

import (
	"bytes"
	"fmt"
	"testing"
)

// BenchmarkFramer compares framing cost by read size: a 9600-baud scanner
// often delivers one byte per read, a USB-serial one whole codes.
func BenchmarkFramer(b *testing.B) {
	stream := bytes.Repeat([]byte("]Q12212345678901234AB\r"), 64)
	for _, chunk := range []int{1, 16, 512} {
		b.Run(fmt.Sprintf("chunk=%d", chunk), func(b *testing.B) {
			b.SetBytes(int64(len(stream)))
			b.ReportAllocs()
			f := New(Config{Terminator: CR})
			for b.Loop() {
				for s := stream; len(s) > 0; {
					n := min(chunk, len(s))
					f.Push(s[:n], t0)
					s = s[n:]
				}
			}
		})
	}
}

// BenchmarkClean compares cleaning with and without AIM stripping.
func BenchmarkClean(b *testing.B) {
	frame := []byte("]Q12212345678901234AB")
	for _, aim := range []bool{false, true} {
		b.Run(fmt.Sprintf("aim=%v", aim), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Clean(frame, CleanOptions{AIM: aim})
			}
		})
	}
}
