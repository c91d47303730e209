// Package posclient talks to a running scanpay's POS API over HTTP, as a
// POS would: `scanpay pay`, `scanpay payments` and `scanpay demo` use it.
//
// It owns the client side of the API's JSON and errors. It must not reach
// into the daemon: everything goes over the wire with the bearer token.
package posclient
