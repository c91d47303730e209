// Package linepay speaks LINE Pay's Offline API v2 (the merchant scans the
// customer's My Code, a oneTimeKey): Payment, Check payment status, Void
// and Refund, JSON over HTTPS with the channel's id and secret in headers.
// It registers itself as "linepay". It must not know scanners, bbolt or
// the POS API; the engine journals the Ref it makes before the first send.
//
// # v2, not v4
//
// The v2 Payment body is published whole (productName, amount, currency,
// orderId, oneTimeKey, capture). v4 signs each request with HMAC-SHA256
// instead of sending the secret, but its Payment body moves the product
// into packages[] whose fields we could not read in full; sending a guessed
// body to a payment API is worse than a documented one. Both run over TLS.
// v4 is the next step once its body is confirmed (docs/design.md).
//
// # Settling by evidence (Resolve)
//
// LINE Pay's documented rule: after a read timeout, check the payment
// status to learn the result (Payment page: "If a read timeout occurs …
// check the payment status"). A Payment resent with the same orderId is
// answered 1172 (an order number seen before), never charged twice, and is
// Unknown: the check settles it.
//
//  1. Check answered 0000 with info.status COMPLETE: Approved, unless an
//     info.orderId or payInfo it gives names another order or amount
//     (an orderId seen before is someone else's): Unknown. FAIL:
//     Declined (no money moved). REFUND: Voided (the money went back).
//  2. Check answered 1150 (no transaction): until code_ttl +
//     settle_margin have passed since this process first resolved the
//     payment, by the time the check was asked (not answered), Unknown
//     without a code (a late Payment may still charge
//     the key; every Payment was sent, and the key generated, before that
//     first Resolve). After, the orderId is voided, so nothing can stand
//     on it, and a void answered 0000 or 1150 ends the payment Voided: no
//     money moved. The wait is on the monotonic clock, never against a
//     journaled wall-clock stamp, so a PC clock set back cannot make it
//     endless nor one set forward cut it short; a restart starts it anew.
//  3. Anything else (a fault, another code, a status not listed) stays
//     Unknown; the engine asks again.
//
// Void of an approved payment is a refund of everything paid: scanpay
// captures at once, and the reference's void is only for an authorisation
// not yet captured. Repeated, LINE Pay answers 1165 (already refunded),
// which is success. Refunds are full only (PartialRefunds false): LINE Pay
// takes partial refunds, but a refund carries no key of its own, so a
// partial one resent after a lost answer would refund twice.
//
// # Wire fields and their sources
//
// "ref" is developers.line.biz/en/reference/line-pay-offline and
// developers-pay.line.me/offline-api-v2/* (request-payment,
// check-payment-status, void, refund); "appx" is
// developers.line.biz/en/docs/line-pay-offline/appendix; "sdk" is the
// public PHP SDK CarlLee1983/line-pay-offline-v4-php; "gw" is the
// omni-channel gateway's page public-api-docs.wixtar.com/Payment
// API/integrate-line-qrcode-pay; "guess" is published nowhere we found
// (read with the search tool, 2026-12).
//
//	call    field                                   source
//	all     base_url api-pay.line.me, sandbox-…     ref
//	all     Content-Type application/json           ref
//	all     X-LINE-ChannelId, X-LINE-ChannelSecret  ref; channel id digits only: guess (samples are 10 digits)
//	all     X-LINE-MerchantDeviceProfileId,
//	        X-LINE-MerchantDeviceType (together)    ref (optional); lane terminal id / device_type "POS": guess
//	all     header lengths (100)                    guess
//	pay     POST /v2/payments/oneTimeKeys/pay       ref
//	pay     productName (≤4000), amount, currency
//	        (ISO 4217, "TWD"), orderId (≤100),
//	        capture (true)                          ref
//	pay     oneTimeKey 18 long in TW, 5 min life    ref; digits only: gw sample "381311008781708305"
//	pay     read timeout 40 s                       ref (v2 page; the older reference says 20 s)
//	pay ←   returnCode, returnMessage               ref, appx
//	pay ←   info.transactionId (19-digit number)    gw (19 位數), sdk; read as text
//	pay ←   info.orderId, transactionDate           gw
//	pay ←   info.payInfo[].method, amount           ref ("make sure payInfo[].amount matches"), gw
//	check   GET /v2/payments/orders/{orderId}/check ref (orderId URL-encoded)
//	check ← info.status COMPLETE, FAIL, REFUND      sdk (v4 enum; v2 the same: guess)
//	check ← info.transactionId, payInfo             guess
//	void    POST …/{orderId}/void, no body          ref
//	refund  POST …/{orderId}/refund, refundAmount
//	        (omitted = all)                         ref
//	refund← info.refundTransactionId                guess (the Online API's name)
//	codes   1101…1283 meanings                      appx; their mapping to kinds: codes.go
//	codes   2101, 2102, 9000                        guess (the Online API's appendix)
//	codes   1172 on a resent orderId                appx ("a record of transaction with the same order number");
//	                                                that no second charge follows: guess, and why it is Unknown
//	codes   1165 on a repeated full refund          appx meaning; its use as proof of success: guess
//	codes   1150 to check/void of an unknown order  appx meaning; that check answers it: guess
package linepay
