// Package jkopay speaks JKOPay's POS Payment API
// (../../shared/specs/jkopay-pos-payment.txt and WALLET-FACTS.md): Payment,
// Cancel, Refund and Inquiry, each a signed JSON POST to {base_url}/{Call}.
// It owns JKOPay's rule for an unknown outcome: send Cancel with the
// payment's own fields until it is answered; an answered Cancel (or 916,
// order not found) means no money moved.
//
// It registers itself as "jkopay". It must not know scanners, bbolt or the
// POS API; the engine journals the Ref it makes before the first send.
package jkopay
