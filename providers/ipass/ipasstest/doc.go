// Package ipasstest is a strict simulator of iPass Money offline pay
// through the omni-channel gateway: the login, pay, search, void (at the
// guessed path, ipass.DefaultVoidPath) and refund. Tests and SANDBOX mode
// run it in-process.
//
// It validates every request as a strict server would (bearer token,
// required fields, JSON types, lengths, UUID req_id, UTC+8 times, either
// credential mode with a never-reused iv), charges each order_number at
// most once and answers a repeated one with 0006 while search tells the
// truth, measures a code's expiry from pos_date_time, declines the magic
// amounts of wallettest, and misbehaves on demand (wallettest.Faults, calls
// "login", "pay", "search", "void", "refund").
//
// iPass publishes 0000, 0006 and 9999 only; the simulator's other codes and
// its pay_status values are its own, listed in codes.go.
//
// It must not know the client's internals: it reads only what is on the
// wire.
package ipasstest
