// Package jkopay speaks JKOPay's POS Payment API
// (its spec jkopay-pos-payment.txt and WALLET-FACTS.md): Payment,
// Cancel, Refund and Inquiry, each a signed JSON POST to {base_url}/{Call}.
//
// It registers itself as "jkopay". It must not know scanners, bbolt or the
// POS API; the engine journals the Ref it makes before the first send.
//
// # Settling by evidence (Resolve)
//
// JKOPay's documented rule (WALLET-FACTS, doc): with no answer within 15 s,
// send Cancel with the payment's own fields until it is answered.
//
//  1. Cancel answered 000: no money moved (Voided); a charge that landed
//     late is cancelled by it.
//  2. Cancel answered 916 (not found): Voided only once not_found_window
//     (15 s, doc: Inquiry may not see a trade sooner) has passed since the
//     last Payment request of this MerchantTradeNo was over, by the time
//     the Cancel was sent (a slow 916 may be from inside it); earlier it
//     stays Unknown and is asked again, so a charge still being recorded
//     is found by the next Cancel.
//  3. Any other answer stays Unknown (the engine keeps cancelling; the
//     wallet's code is shown to the operator).
//
// A success answer that contradicts the payment (another TradeAmount, no
// TradeNo, DebitAmount outside 0..TradeAmount, a positive redeem, amounts
// that do not add up) is not an approval: Unknown, settled by Cancel.
//
// # Signature
//
// sign_variant "spec" (default): every field but Sign as compact JSON with
// sorted keys, <>& raw, the merchant key appended, SHA-256, lowercase hex
// (WALLET-FACTS: two public clients agree). "escaped_upper": the same with
// <>& escaped and uppercase hex, as the Ruby gem Wells7778/jko_pay does
// (lib/jko_pay/request/pos/base.rb: params.sort.to_h.to_json, which in
// Rails escapes <>& by default, + merchant key, SHA256 hexdigest.upcase;
// read with the search tool, 2026-12). The C# JkoPayService the issue
// names was not found. The spec's example signature cannot be
// reproduced: its key is unpublished. Health wraps ErrSignatureRefused on
// 904, so the variant can be found against JKOPay's test system.
//
// # Wire fields and their sources
//
// "spec" is jkopay-pos-payment.txt; "facts" is WALLET-FACTS.md.
//
//	call     field                                    source
//	all      POST {base_url}/{Call}, JSON              spec, facts (doc/code)
//	Payment  MerchantID, StoreID, StoreName,
//	         GatewayTradeNo, MerchantTradeNo, PosID,
//	         PosTradeTime, CardToken, TradeAmount,
//	         UnRedeem, Remark, Extra1-3, SendTime,
//	         Sign (all sent, "" when empty)            spec table and example; facts (doc)
//	Payment← MerchantID … TradeNo, TradeTime,
//	         StatusCode, StatusDesc, IsRep,
//	         ActionCode, PaymentType, TradeAmount,
//	         DebitAmount, RedeemName, RedeemAmount,
//	         StoreRedeemAmount, AvailableAmount,
//	         InvoiceVehicle, MerMemToken, Remark,
//	         Extra1-3                                  spec table and example (IsRep, ActionCode as numbers there)
//	Cancel   Payment's fields                         facts (code); CardToken sent "" after approval (guess)
//	Refund   Payment's fields with TradeNo for
//	         CardToken/UnRedeem, own MerchantTradeNo   facts (doc; field list from public clients)
//	Inquiry  InquiryType, MerchantID, StoreID,
//	         GatewayTradeNo, MerchantTradeNo, PosID,
//	         PosTradeTime, SendTime                    facts (doc)
//	all ←    StatusCode table                         facts (doc, captured list)
package jkopay
