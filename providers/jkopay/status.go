package jkopay

import (
	"sort"

	"github.com/scanpay/scanpay/providers"
)

// Status is what one StatusCode means to scanpay.
type Status struct {
	Kind      providers.Kind
	Message   string // for the cashier (declines) or the administrator (config errors)
	RetryScan bool
}

// statuses maps every StatusCode of WALLET-FACTS.md's table. Codes that do
// not say whether money moved (301, 801, 802, 901, 909) are Unknown, so the
// payment is settled by Cancel rather than guessed. Codes that only the
// merchant's administrator can fix (signature, partner, store limits) are
// ConfigError. A code missing from this table is Unknown as well.
var statuses = map[string]Status{
	"000": {providers.Approved, "payment approved", false},
	"301": {providers.Unknown, "JKOPay reported a network or system failure (301); settling by Cancel", false},
	"601": {providers.Declined, "the customer has no payment method bound in JKOPay: ask them to bind one, or pay another way", true},
	"801": {providers.Unknown, "JKOPay's gateway lost the connection (801); settling by Cancel", false},
	"802": {providers.Unknown, "the customer's bank failed (802); settling by Cancel", false},
	"804": {providers.ConfigError, "JKOPay says a required field is missing (804): update scanpay or report it as a bug", false},
	"812": {providers.Declined, "the order is already being refunded (812)", false},
	"901": {providers.Unknown, "JKOPay answered an undefined error (901); settling by Cancel", false},
	"904": {providers.ConfigError, "JKOPay refused the signature (904): check providers.jkopay.merchant_key and merchant_id", false},
	"905": {providers.ConfigError, "JKOPay could not parse the request (905): update scanpay or report it as a bug", false},
	"906": {providers.Declined, "the payment code has expired: ask the customer to refresh it and scan again", true},
	"907": {providers.ConfigError, "this store is not a JKOPay partner (907): check providers.jkopay.merchant_id and store_id with JKOPay", false},
	"909": {providers.Unknown, "JKOPay failed to record the trade (909); settling by Cancel", false},
	"911": {providers.Declined, "the customer's JKOPay account is suspended: pay another way", false},
	"912": {providers.Declined, "JKOPay does not know this member: ask the customer to reopen the payment code and scan again", true},
	"916": {providers.Declined, "JKOPay has no such order (916)", false},
	"922": {providers.Declined, "the refunds would exceed the amount paid (922)", false},
	"927": {providers.Declined, "the payment code was not accepted: ask the customer to refresh it and scan again", true},
	"928": {providers.Declined, "insufficient balance: ask the customer to top up or choose another payment method, then scan again", true},
	"929": {providers.Declined, "the customer's payment method is not allowed here: ask them to choose another, then scan again", true},
	"931": {providers.Declined, "the customer has reached their amount limit: pay another way", true},
	"932": {providers.ConfigError, "the store has reached its JKOPay receipt limit (932): contact JKOPay", false},
	"934": {providers.Declined, "the order's state does not allow a refund (934)", false},
	"935": {providers.ConfigError, "the store has reached its JKOPay daily limit (935): contact JKOPay", false},
	"939": {providers.Declined, "the student card balance is too low: ask the customer to pay another way, then scan again", true},
	"940": {providers.Declined, "the amount must be above zero (940)", false},
	"951": {providers.Declined, "JKOPay refused the refund to the wallet (951)", false},
	"961": {providers.Declined, "JKOPay refused the refund of coins (961)", false},
	"962": {providers.Declined, "JKOPay refused the refund to the card (962)", false},
	"968": {providers.Declined, "a coupon was used, so only a full refund is possible (968)", false},
	"975": {providers.Declined, "the refund is above the store's unsettled amount (975): refund it outside JKOPay", false},
	"977": {providers.Declined, "the customer's account has been dormant over a year: pay another way", false},
	"978": {providers.Declined, "the customer is barred from JKOPay: pay another way", false},
	"980": {providers.ConfigError, "the store is offline at JKOPay (980): contact JKOPay", false},
}

// StatusOf maps a StatusCode, Unknown for a code not in the table.
func StatusOf(code string) Status {
	if s, ok := statuses[code]; ok {
		return s
	}
	return Status{Kind: providers.Unknown, Message: "JKOPay answered status " + code + ", which scanpay does not know; settling by Cancel"}
}

// StatusCodes lists the codes the table knows, sorted.
func StatusCodes() []string {
	codes := make([]string, 0, len(statuses))
	for c := range statuses {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	return codes
}
