// Package jkopaytest is a strict simulator of JKOPay's POS Payment API, for
// tests, the engine's crash harness and SANDBOX mode. It checks every
// request as JKOPay would (all fields present with their JSON types,
// lengths, time formats, the signature), charges each MerchantTradeNo at
// most once (a repeated Payment answers the first result with IsRep = 1),
// cancels, refunds up to the paid amount, expires codes, and acts out every
// wallettest fault (a Decline fault on Cancel answers its code). With
// SetNotFoundWindow it hides a charge from Inquiry and Cancel (916) for a
// while after it, as JKOPay is documented to. Declines in SANDBOX follow wallettest's magic amounts,
// answered with the JKOPay status code of the same number.
//
// It must not know the engine, scanners or bbolt.
package jkopaytest
