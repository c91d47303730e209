package gateway_test

import (
	"context"
	"io"
	"testing"
)

// BenchmarkPost compares, in one run, a request with the cached token and
// one whose token has expired (401, login, resend): what the cache saves on
// every payment, and what an expiry costs.
//
//	go test -run XXX -bench Post -benchmem ./providers/gateway/
func BenchmarkPost(b *testing.B) {
	for _, tc := range []struct {
		name   string
		expire bool
	}{{"cached_token", false}, {"expired_token", true}} {
		b.Run(tc.name, func(b *testing.B) {
			e := newEcho(b)
			c := newClient(b, e.srv.URL, authKey, accKey, io.Discard)
			body := map[string]string{"merchantOrderNo": "ORDER-1", "paymentBarCode": "99000000000000000001"}
			ctx := context.Background()
			if _, err := c.Post(ctx, "/echo", body); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if tc.expire {
					e.auth.Expire()
				}
				if _, err := c.Post(ctx, "/echo", body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
