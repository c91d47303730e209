package logging

import (
	"errors"
	"io"
	"log/slog"
	"testing"
)

// BenchmarkLog compares, in one run, a log line through the plain JSON
// handler and through the masking handler in front of it: the price of the
// last line of defence.
//
//	go test -run '^$' -bench Log -benchmem ./cmd/scanpay/internal/logging
func BenchmarkLog(b *testing.B) {
	secrets := &Secrets{}
	secrets.Add("tok-9f8e7d6c", "k3y!s3cr3t")
	for _, bc := range []struct {
		name string
		h    slog.Handler
	}{
		{"plain", slog.NewJSONHandler(io.Discard, nil)},
		{"masked", NewMaskHandler(slog.NewJSONHandler(io.Discard, nil), secrets)},
	} {
		log := slog.New(bc.h)
		err := errors.New("wallet said 0006")
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				log.Info("payment settled", "payment", "3f2b6c1e-8a4d-4b1e-9c2f-1a2b3c4d5e6f", "lane", "AB123456", "code", "22J1…1111", "state", "approved", "err", err)
			}
		})
	}
}
