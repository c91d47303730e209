// Package ipass is iPass Money (一卡通) offline pay through the omni-channel
// gateway, exactly per ../../../shared/specs/ipass-offline-pay.txt and
// WALLET-FACTS.md. It registers the "ipass" driver.
//
// It owns the wire formats of pay, search, void and refund, both credential
// modes (the merchant's own merchant_id + key with a fresh random iv per
// request, or the gateway-held credentials chosen by omni_store_id), sent
// with every one of the four calls together with is_test, as the gateway's
// Ipass Search, Void and Refund pages show them, the
// identifiers (req_id, order_number, pos_date_time: made once by NewRef and
// reused on every resend of the payment), the mapping of every return_code
// to an Outcome, and iPass's rule for settling an unknown outcome: search by
// order number; paid → approved, anything else → void → voided.
//
// return_code: 0000 success; 0006 (order number repeated) means an earlier
// send arrived, so it is Unknown and resolved by search, never a decline;
// 9999 (unexpected error) is Unknown because money may have moved. No fuller
// list is published, so a pay answer is a decline only when its code is in
// decline_codes (default: none — every code there is a guess until iPass
// documents it); every other code is Unknown and settled by search, then
// void, which ends voided when nothing was charged. uncertain_codes
// (default ["9999"]) lists the codes that are Unknown in search, void and
// refund answers.
//
// It must not know about scanners, bbolt, the POS API or how the engine
// schedules retries. The gateway login lives in ../gateway.
package ipass
