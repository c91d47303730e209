// Package mask hides payment codes and secrets before they reach a log
// line, an event, an API answer or a receipt.
//
// A payment code is a bearer credential for as long as it is valid: whoever
// holds it can charge the customer. So everything outside the journal shows
// it masked, and this is the one place that decides how.
//
// It also holds the masking every text leaving the process goes through
// (Secrets: registered secrets replaced, code-like runs masked), shared by
// the log and the POS API, and Terminal, which escapes what would act on a
// terminal before the CLI prints it.
//
// It must not know about wallets or scanners: it masks by length only, so
// every package can use it without importing the domain.
package mask
