// Package mask hides payment codes and secrets before they reach a log
// line, an event, an API answer or a receipt.
//
// A payment code is a bearer credential for as long as it is valid: whoever
// holds it can charge the customer. So everything outside the journal shows
// it masked, and this is the one place that decides how.
//
// It must not know about wallets or scanners: it masks by length only, so
// every package can use it without importing the domain.
package mask
