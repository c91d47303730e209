// Package easywallet is EasyWallet (悠遊付) offline pay through the
// omni-channel gateway, exactly per ../../../shared/specs/easywallet-pay.txt
// and WALLET-FACTS.md. It registers the "easywallet" driver.
//
// It owns the wire format (the pay request and answer, and the refund
// request that is a guess), the merchant order number, the mapping of every
// answer to an Outcome, and EasyWallet's rule for settling an unknown
// outcome: resend the identical order with retry_time + 1; the answer then
// says isDuplicatedPaymentRequest and tells the truth.
//
// A first send's refusal is a decline only when its returnCode is listed in
// decline_codes (default: none, since EasyWallet publishes no code but
// 00000); any other code is Unknown and settled by a resend, so that a
// gateway-side timeout code cannot send the customer to a second scan that
// charges twice.
//
// Unknown is never declined on a guess: the spec says merchantOrderNo must
// never repeat, so a resend (Resolve, or Pay with Attempt > 1) may be
// refused — as a repeated order, or for a code that expired or was used
// meanwhile — while the first send charged. A refusal code answered to a
// resend is therefore a decline only when the answer states
// data.isDuplicatedPaymentRequest: true replays the order's original
// decline, false says the earlier send never arrived and this one is
// declined. A refusal without the flag stays Unknown (its message names
// the code), as does anything else but a 00000 answer (paid → approved,
// CANCELLED → declined). A payment whose resends keep being refused
// without the flag stays unknown until someone checks the order with
// EasyWallet.
//
// retry_time counts the earlier sends of the same order: PayRequest.Attempt
// is 1 on the first send, which omits retry_time (the spec marks it
// optional); the n-th send carries n-1. Resolve is always a resend, so it
// carries at least 1.
//
// requestDateTime is the time of each send (UTC+8, yyyyMMddHHmmss); the
// order object is identical on every send.
//
// It must not know about scanners, bbolt, the POS API or how the engine
// schedules retries. The gateway login lives in ../gateway.
package easywallet
