package easywallettest

import "github.com/scanpay/scanpay/providers/wallettest"

// The simulator's own returnCodes (EasyWallet publishes none but 00000).
const (
	CodeOK            = "00000"
	CodeBadRequest    = "40000" // a request a strict server refuses (HTTP 400)
	CodeOrderConflict = "40900" // merchantOrderNo reused for a different order
	CodeRepeatedOrder = "40901" // merchantOrderNo repeated (RefuseRepeatedOrders)
	CodeInsufficient  = "10001"
	CodeExpired       = "10002"
	CodeInvalid       = "10003"
	CodeLimit         = "10004"
	CodeSuspended     = "10005"
	CodeCodeUsed      = "10006"
	CodeNoSuchOrder   = "20001"
	CodeRefundExceeds = "20002"
	CodeRefundReused  = "20003"
	CodeOrderVoided   = "20004"
)

var refusals = map[wallettest.Refusal]struct{ code, msg string }{
	wallettest.RefuseInsufficient: {CodeInsufficient, "餘額不足 (insufficient balance)"},
	wallettest.RefuseCodeExpired:  {CodeExpired, "付款條碼已過期 (payment code expired)"},
	wallettest.RefuseCodeInvalid:  {CodeInvalid, "付款條碼錯誤 (payment code invalid)"},
	wallettest.RefuseLimit:        {CodeLimit, "超過交易限額 (amount limit reached)"},
	wallettest.RefuseSuspended:    {CodeSuspended, "帳戶已停用 (account suspended)"},
}

var declineMsgs = map[string]string{
	CodeInsufficient: refusals[wallettest.RefuseInsufficient].msg,
	CodeExpired:      refusals[wallettest.RefuseCodeExpired].msg,
	CodeInvalid:      refusals[wallettest.RefuseCodeInvalid].msg,
	CodeLimit:        refusals[wallettest.RefuseLimit].msg,
	CodeSuspended:    refusals[wallettest.RefuseSuspended].msg,
	CodeCodeUsed:     "付款條碼已使用 (payment code already used)",
}

// DeclineCodes are the simulator's own codes for a refused payment that
// charged nothing. Config lists them as the wallet's decline_codes, so that
// SANDBOX shows a decline at once; they are not EasyWallet's (which
// publishes none), and a production configuration does not have them by
// default.
func DeclineCodes() []string {
	return []string{CodeInsufficient, CodeExpired, CodeInvalid, CodeLimit, CodeSuspended, CodeCodeUsed}
}
