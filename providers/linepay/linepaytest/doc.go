// Package linepaytest is a strict simulator of LINE Pay's Offline API v2,
// for tests, the engine's crash harness and SANDBOX mode. It checks every
// request as the reference reads (the path, the method, Content-Type, the
// channel headers, the device headers given together, every body field
// with its JSON type and length, no unknown field), charges each orderId
// at most once and answers 1172 to any orderId it has seen before, keeps
// one-time keys to one order and to their 5-minute lifetime (on the
// injectable clock of wallettest.Options), answers the status check from
// its ledger (COMPLETE, FAIL, REFUND, or 1150), refunds what remains, and
// acts out every wallettest fault. Declines follow wallettest's magic
// amounts, answered with LINE Pay's nearest code.
//
// Where the reference says nothing, the simulator guesses, and says so:
// 1101 for a key never issued or used for another order, 2101/2102 for a
// bad field or body (the Online API's codes), 1155 for a void of a
// captured payment.
//
// It must not know the engine, scanners or bbolt.
package linepaytest
