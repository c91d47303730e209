// Package ipass is iPass Money (一卡通) offline pay through the omni-channel
// gateway, exactly per its spec ipass-offline-pay.txt and
// WALLET-FACTS.md. It registers the "ipass" driver.
//
// It owns the wire formats of pay, search, void and refund, both credential
// modes (the merchant's own merchant_id + key with a fresh random iv per
// request, or the gateway-held credentials chosen by omni_store_id), sent
// with every one of the four calls together with is_test, as the gateway's
// Ipass Search, Void and Refund pages show them, the identifiers (req_id,
// order_number, pos_date_time: made once by NewRef and reused on every
// resend of the payment), the mapping of every return_code to an Outcome,
// and iPass's rule for settling an unknown outcome (below).
//
// return_code: 0000 success; 0006 (order number repeated) means an earlier
// send arrived, so it is Unknown and resolved by search, never a decline;
// 9999 (unexpected error) is Unknown because money may have moved. No fuller
// list is published, so a pay answer is a decline only when its code is in
// decline_codes (default: none — every code there is a guess until iPass
// documents it); every other code is Unknown and settled by search, then
// void. uncertain_codes (default ["9999"]) lists the codes that are Unknown
// in search, void and refund answers. A success that does not name this
// order_number, this amount and a transaction_id is not an approval: Unknown,
// settled by search.
//
// # Settling by evidence (Resolve)
//
//  1. Search by order number. pay_status paid, with original_transactionId,
//     this order_number and this amount: Approved. Paid but short of that
//     proof, or for another amount: Unknown with the code, for the operator
//     (it says paid, so it is not voided blind).
//  2. Otherwise void the order number: 0000 is Voided (nothing charged, or
//     the charge taken back).
//  3. The void refused: when search said "no trade" (a code in
//     not_found_codes, or 0000 with an unpaid pay_status) and the void
//     said "no trade" too, the payment ended with no money moved once the
//     code can no longer be charged: pos_date_time + code_ttl +
//     settle_margin. Evidence: the spec says iPass measures the code's
//     expiry from pos_date_time (條碼過期將依此為計算標準), so a pay request
//     arriving after that, however late, is refused; settle_margin
//     (default 10 min) covers a PC clock ahead of iPass's. Before that
//     moment it is Unknown without a code (nothing for an operator to do),
//     and a charge that lands meanwhile is found by the next search.
//  4. Anything else (search and void contradict each other, a void refused
//     for another reason, not_found_codes unset) stays Unknown with the
//     wallet's code, for the operator.
//
// not_found_codes defaults to none because iPass publishes no "not found"
// code; the simulator's is 0002. Until the store sets the code iPass gives
// it, rule 3 never applies and such payments wait for an operator.
//
// # Wire fields and their sources
//
// "spec" is ipass-offline-pay.txt; "page" is the
// gateway's public pages private-api-docs.wixtar.com/Payment API/ipass-pay,
// ipass-search, ipass-void, ipass-refund (found with search, read
// 2026-12); "guess" is not published anywhere we found.
//
//	call    field                               source
//	all     Authorization: Bearer               spec ("Auth Login"); WALLET-FACTS (code)
//	all     store_id (top level, omni mode)     spec table and example; page (search, void, refund: same table)
//	all     is_test                             spec table; page (all four)
//	all     request.merchantid, key, iv         spec table (iv: 16 random bytes as hex, 每次請求皆不同); page (all four)
//	all     request.req_id (UUID, unique)       spec; page. Pay and refund reuse their journaled one on
//	                                            resends (guess that iPass accepts it; their keys are order_number and the refund's req_id)
//	pay     trade_code, amount, order_number,
//	        store_id, terminal_id, capture,
//	        pos_date_time, trade_date_time,
//	        product_desc, remark,
//	        redeem.non_redeem_amout (sic)       spec table and example
//	pay ←   return_code, return_msg, req_id,
//	        transaction_id, transaction_date_time,
//	        electronic_invoice_carrier,
//	        payment_type, amount, order_number,
//	        message, message_from               spec table and examples (0000, 0006, 9999)
//	search  request.orderNumber (camelCase)     page (ipass-search) and WALLET-FACTS
//	search← original_transactionId              page (the table's descriptions are shifted a row; read leniently,
//	                                            transaction_id / transactionid too)
//	search← pay_status, payment_type,
//	        transaction_date_time               page (garbled table); pay_status values are a guess ("1" paid, "3" refunded)
//	search← order_number, amount                guess (the page's table is cut; required for an approval anyway)
//	void    path                                guess: the page shows the refund path (copy-paste); void_path
//	void    request.order_number                page (ipass-void) and WALLET-FACTS
//	void ←  return_code, void_date_time,
//	        order_number                        page (ipass-void); cancel_transaction_id read if present (guess)
//	refund  request.transaction_id, amount      page table (the page's example says transactionId: table kept) and WALLET-FACTS
//	refund← cancel_transaction_id,
//	        cancel_date_time                    page (ipass-refund) and WALLET-FACTS
//	        not_found codes, decline codes      guess (none published); configuration
//
// It must not know about scanners, bbolt, the POS API or how the engine
// schedules retries. The gateway login lives in ../gateway.
package ipass
