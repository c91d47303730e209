package gateway

import (
	"strings"
	"testing"
)

// An order id carries 64 random bits whatever the POS's order number:
// POS order numbers repeat (they restart daily; lanes share a merchant
// account), and a wallet answers an order id it has seen with that
// earlier order, whose charge a status check would then book as this
// payment's. With 32 bits, a chain's stores meet a repeat within years.
func TestOrderIDRandomPart(t *testing.T) {
	for _, max := range []int{40, 100} {
		for _, order := range []string{"0001", "", "POS 2026/12/07 #12", strings.Repeat("9", 150)} {
			id := OrderID(order, max)
			i := strings.LastIndexByte(id, '-')
			random := id[i+1:]
			if i < 1 || len(random) < 16 || strings.Trim(random, "0123456789ABCDEF") != "" || len(id) > max {
				t.Errorf("OrderID(%.10q…, %d) = %q: want a prefix, '-' and at least 16 hex digits, at most %d long", order, max, id, max)
			}
			if strings.Trim(id[:i], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
				t.Errorf("OrderID(%q) = %q: the prefix has characters a wallet may refuse", order, id)
			}
		}
	}
}
