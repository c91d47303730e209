// Package easywallet is EasyWallet (悠遊付) offline pay through the
// omni-channel gateway, exactly per its spec easywallet-pay.txt
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
// # Settling by evidence (Resolve)
//
// EasyWallet has no search: its only evidence is the answer to a resend of
// the identical order (same merchantOrderNo, retry_time + 1).
//
//  1. 00000 with a paid orderStatus that names this order and amount
//     (paymentAmount + point = orderAmount): Approved; CANCELLED: Declined.
//  2. A refusal with data.isDuplicatedPaymentRequest stated for this order:
//     Declined (true: the first result replayed; false: the wallet saw the
//     order for the first time, so the earlier send never arrived).
//  3. Anything else (a flag-less refusal, another order, a contradicting
//     approval) stays Unknown with the wallet's code, for the operator.
//     There is no time-based rule as for iPass: no published statement says
//     from when EasyWallet measures a code's lifetime, and a flag-less
//     "expired" refusal of the resend does not say whether the first send
//     charged.
//
// A 5xx before the charge therefore ends final at the first resolution
// (the resend is the payment: approved, or declined with the flag), and a
// 5xx after it ends approved (the resend replays it, flagged duplicate).
//
// # Wire fields and their sources
//
// "spec" is easywallet-pay.txt; "facts" is
// WALLET-FACTS.md (public client code); "guess" is published nowhere we
// found. A search of public code and pages for EasyWallet v1 samples found
// none to add (2026-12).
//
//	call    field                                   source
//	pay     POST /v2/payment/easy/pay, Bearer       spec
//	pay     requestDateTime (yyyyMMddHHmmss, UTC+8) spec
//	pay     retry_time                              spec (optional); its counting is facts/guess
//	pay     order.merchantOrderNo, currency,
//	        orderDesc, orderTitle, tradeType
//	        (IMMEDIATE), orderAmount,
//	        rebateNotApplicableAmount,
//	        paymentBarCode, branchCode,
//	        branchName, posSN                       spec table and example
//	pay     order.eventCode                         spec (optional; never sent)
//	pay     order.orderItems[].item, qty,
//	        unitPrice, subtotal, itemDesc           spec table and example
//	pay ←   returnCode (00000), returnMsg           spec; other codes: none published (decline_codes)
//	pay ←   data.sellerMemberUid, merchantOrderNo,
//	        orderNo, paymentNo, orderStatus,
//	        orderCreateDateTime, paymentMethod,
//	        currency, orderAmount, point,
//	        paymentAmount, eventCode,
//	        rebateNotApplicableAmount,
//	        einvoiceCarrier.*                       spec table and example
//	pay ←   data.isDuplicatedPaymentRequest         spec table (bool); its use on resends: facts
//	pay ←   orderStatus values                      facts (PREORDER … CANCELLED)
//	pay ←   message                                 guess (the gateway's own error text, as for iPass)
//	refund  path, requestDateTime,
//	        merchantOrderNo, refundAmount,
//	        refundOrderNo; answer refundAmount      guess (no refund API published; refund_path)
//
// It must not know about scanners, bbolt, the POS API or how the engine
// schedules retries. The gateway login lives in ../gateway.
package easywallet
