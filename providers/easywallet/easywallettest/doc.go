// Package easywallettest is a strict simulator of EasyWallet pay through
// the omni-channel gateway: the login, POST /v2/payment/easy/pay, and the
// refund call at the guessed path (easywallet.DefaultRefundPath). Tests and
// SANDBOX mode run it in-process.
//
// It validates every request as a strict server would (bearer token from
// the login, required fields, JSON types, formats, times), keeps a ledger
// that charges each merchantOrderNo at most once, answers a repeated
// merchantOrderNo with the first result (a charge or a decline code) and
// data.isDuplicatedPaymentRequest true (or, with RefuseRepeatedOrders,
// refuses it with a code of its own and no data, as a gateway that takes
// "never repeated" literally would), answers a decline of an order it sees
// for the first time with data.isDuplicatedPaymentRequest false, expires
// codes after their TTL, declines the magic amounts of wallettest, and
// misbehaves on demand (wallettest.Faults, calls "login", "pay",
// "refund").
//
// EasyWallet publishes no codes but 00000; the simulator's own decline
// codes are listed in codes.go and are not EasyWallet's.
//
// It must not know the client's internals: it reads only what is on the
// wire.
package easywallettest
