// Package edge is scanpay's engine: it turns a POS checkout and a scan into
// a final, journaled, true payment.
//
// It owns lanes and checkouts, the payment state machine of docs/design.md,
// dispatch with retry and backoff, the settling of unknown outcomes,
// recovery after a restart, receipt hooks and the event stream. The POS API
// that serves it lives in edge/posapi; receipt hooks in edge/hooks; the
// event fan-out in edge/events.
//
// It must not know a wallet's JSON (that is providers/), how bytes reach
// the disk (store/) or how a scanner frames a code (scanner/). It keeps one
// rule above all: every state change is committed to the journal before
// the side effect it permits.
//
// The decisions behind it are in docs/design.md ("The engine's decisions").
package edge
