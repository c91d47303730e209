// Package statuspage is the store's status page, served by the daemon at /
// on the POS API's loopback listener: today's payments (live over the
// event stream), totals per wallet, lanes with their scanners, receipt
// hooks, and the payments that need a supervisor, each with a settle form.
//
// It owns the page's access: a one-time login link (Mint, reached only
// with the API token), exchanged for an HttpOnly, SameSite=Strict session
// cookie; a CSRF token per session for every state change; and the page's
// texts, Traditional Chinese by default and English, in one catalogue
// (assets/messages.json). Everything it serves is embedded.
//
// It must not know the journal, a wallet or a scanner device: it reads
// through the small Source and Devices interfaces, and the Host and
// Origin checks are the POS API guard's (edge/posapi), which serves it.
package statuspage
