// Package posapi is the POS's door into scanpay: the localhost HTTP+JSON
// API of DESIGN.md ("The POS API"), its Server-Sent Events stream, its
// Prometheus metrics and its OpenAPI document.
//
// It owns the guard every request passes (loopback Host, allowed Origin,
// bearer token, body size, strict JSON), the mapping of the engine's stable
// error codes to HTTP statuses, long-polling (?wait=) and the listeners
// (loopback TCP; on Linux, a Unix socket with peer credentials; on
// Windows, a named pipe with an access list, through go-winio).
//
// It must not know how a payment is made: it talks to the engine only
// through the small Engine interface declared here, never to the journal,
// a wallet or a scanner device. It never logs a request body, a full
// payment code or the token.
package posapi
