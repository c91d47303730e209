package linepay

import (
	"sort"

	"github.com/scanpay/scanpay/providers"
)

// Code is what one returnCode of a Payment answer means to scanpay.
type Code struct {
	Kind      providers.Kind
	Message   string // for the cashier (declines) or the administrator (config errors)
	RetryScan bool
}

// payCodes maps every code of the error appendix
// (developers.line.biz/en/docs/line-pay-offline/appendix, Table 24) that a
// Payment may answer. A code that does not say no money moved (in
// process, internal error, a repeated order number, anything not listed)
// is Unknown, settled by the status check. A code only the administrator
// can fix is ConfigError. 2101, 2102 and 9000 are from the Online API's
// appendix (guess: the Offline API answers them the same way).
var payCodes = map[string]Code{
	"1101": {providers.Declined, "LINE Pay does not know this code's member: ask the customer to refresh the code and scan again", true},
	"1102": {providers.Declined, "the customer's LINE Pay account cannot pay now: pay another way", false},
	"1104": {providers.ConfigError, "LINE Pay says this store is not a merchant (1104): check providers.linepay.channel_id", false},
	"1105": {providers.ConfigError, "LINE Pay says this merchant may not use LINE Pay (1105): contact LINE Pay", false},
	"1106": {providers.ConfigError, "LINE Pay refused the request headers (1106): check providers.linepay.channel_id and channel_secret", false},
	"1110": {providers.Declined, "the customer's credit card cannot be used: ask them to choose another, then scan again", true},
	"1124": {providers.ConfigError, "LINE Pay refused the amount's format (1124): update scanpay or report it as a bug", false},
	"1141": {providers.Declined, "the customer's LINE Pay account has a problem: pay another way", false},
	"1142": {providers.Declined, "insufficient balance: ask the customer to top up or choose another payment method, then scan again", true},
	"1145": {providers.Unknown, "LINE Pay says the payment is in process (1145); settling by the status check", false},
	"1150": {providers.Unknown, "LINE Pay has no such transaction (1150); settling by the status check", false},
	"1152": {providers.Unknown, "LINE Pay already has this transaction (1152); settling by the status check", false},
	"1153": {providers.Unknown, "LINE Pay says the amount differs from the one requested (1153); settling by the status check", false},
	"1154": {providers.Declined, "the customer's chosen payment method cannot be used: ask them to choose another, then scan again", true},
	"1159": {providers.Unknown, "LINE Pay has no payment request information (1159); settling by the status check", false},
	// 1169 asks the customer to confirm in the app: a confirmation that
	// comes after this answer could still book the order, so it is no
	// proof that no money moved.
	"1169": {providers.Unknown, "LINE Pay asks the customer to confirm the payment in the app (1169); settling by the status check", false},
	"1170": {providers.Unknown, "LINE Pay says the member's balance changed meanwhile (1170); settling by the status check", false},
	"1172": {providers.Unknown, "LINE Pay already has this order number (1172): an earlier send arrived; settling by the status check", false},
	"1177": {providers.Unknown, "LINE Pay answered 1177 (too many transactions to show); settling by the status check", false},
	"1178": {providers.ConfigError, "LINE Pay says this store does not take TWD (1178): check the merchant's currency with LINE Pay", false},
	"1179": {providers.Unknown, "LINE Pay could not proceed with the transaction (1179); settling by the status check", false},
	"1180": {providers.Declined, "the LINE Pay code has expired: ask the customer to refresh it and scan again", true},
	"1183": {providers.ConfigError, "LINE Pay says the amount must be above 0 (1183): update scanpay or report it as a bug", false},
	"1184": {providers.Unknown, "LINE Pay says the amount exceeds the one requested (1184); settling by the status check", false},
	"1190": {providers.ConfigError, "LINE Pay answered a regKey error (1190), which scanpay never sends: report it as a bug", false},
	"1193": {providers.ConfigError, "LINE Pay answered a regKey error (1193), which scanpay never sends: report it as a bug", false},
	"1194": {providers.ConfigError, "LINE Pay says the store cannot use automatic payment (1194), which scanpay never asks: report it as a bug", false},
	"1197": {providers.Unknown, "LINE Pay says a regKey payment is being processed (1197); settling by the status check", false},
	"1198": {providers.Unknown, "LINE Pay is still processing the request (1198); settling by the status check", false},
	"1199": {providers.Unknown, "LINE Pay had an internal request error (1199); settling by the status check", false},
	"1280": {providers.Unknown, "LINE Pay had a temporary credit-card error (1280); settling by the status check", false},
	"1281": {providers.Declined, "the customer's credit card payment failed: ask them to choose another method, then scan again", true},
	"1282": {providers.Declined, "the customer's credit card was not authorised: ask them to choose another method, then scan again", true},
	"1283": {providers.Declined, "LINE Pay refused the payment (1283): pay another way", false},
	"2101": {providers.ConfigError, "LINE Pay refused a parameter (2101): update scanpay or report it as a bug", false},
	"2102": {providers.ConfigError, "LINE Pay could not read the request's JSON (2102): update scanpay or report it as a bug", false},
	"9000": {providers.Unknown, "LINE Pay had an internal error (9000); settling by the status check", false},
}

// PayCode maps a Payment returnCode; a code not in the table is Unknown.
func PayCode(code string) Code {
	if code == ReturnOK {
		return Code{Kind: providers.Approved, Message: "paid"}
	}
	if c, ok := payCodes[code]; ok {
		return c
	}
	return Code{Kind: providers.Unknown, Message: "LINE Pay answered " + code + ", which scanpay does not know; settling by the status check"}
}

// PayCodes lists the codes the table knows, sorted.
func PayCodes() []string {
	out := make([]string, 0, len(payCodes))
	for c := range payCodes {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// Refund answers that end a refund without money moving (the appendix).
// 1165 is not among them: to a refund of everything that remains it says
// an earlier send of the same refund arrived (see Refund).
var refundRefusals = map[string]string{
	"1150": "LINE Pay has no such payment to refund (1150)",
	"1155": "LINE Pay says this transaction cannot be refunded (1155)",
	"1163": "the refund period is over (1163): refund it outside LINE Pay",
	"1164": "the refund exceeds what can be refunded (1164)",
}
