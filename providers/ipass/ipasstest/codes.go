package ipasstest

import "github.com/scanpay/scanpay/providers/wallettest"

// return_code values. 0000, 0006 and 9999 are iPass's; the rest are the
// simulator's own.
const (
	CodeOK            = "0000"
	CodeRepeated      = "0006"
	CodeUnexpected    = "9999"
	CodeNotFound      = "0002"
	CodeInsufficient  = "0101"
	CodeExpired       = "0102"
	CodeInvalid       = "0103"
	CodeLimit         = "0104"
	CodeSuspended     = "0105"
	CodeCodeUsed      = "0106"
	CodeRefundExceeds = "0111"
	CodeRefunded      = "0112" // a refunded payment cannot be voided
	CodeVoided        = "0113" // a voided payment cannot be refunded
	CodeReqIDReused   = "0114"
)

// pay_status values the simulator answers in search.
const (
	StatusUnpaid   = "0"
	StatusPaid     = "1"
	StatusVoided   = "2"
	StatusRefunded = "3"
)

var refusals = map[wallettest.Refusal]string{
	wallettest.RefuseInsufficient: CodeInsufficient,
	wallettest.RefuseCodeExpired:  CodeExpired,
	wallettest.RefuseCodeInvalid:  CodeInvalid,
	wallettest.RefuseLimit:        CodeLimit,
	wallettest.RefuseSuspended:    CodeSuspended,
}

var messages = map[string]string{
	CodeOK:            "成功",
	CodeRepeated:      "該OrderNumber重複",
	CodeUnexpected:    "發生未預期錯誤",
	CodeNotFound:      "查無訂單",
	CodeInsufficient:  "餘額不足",
	CodeExpired:       "條碼已逾期",
	CodeInvalid:       "條碼錯誤",
	CodeLimit:         "超過交易限額",
	CodeSuspended:     "帳戶已停用",
	CodeCodeUsed:      "條碼已使用",
	CodeRefundExceeds: "退款金額超過可退金額",
	CodeRefunded:      "已退款交易不可取消",
	CodeVoided:        "已取消交易不可退款",
	CodeReqIDReused:   "req_id 重複",
}

func message(code string) string {
	if m, ok := messages[code]; ok {
		return m
	}
	return "交易失敗"
}

// DeclineCodes are the simulator's own codes for a refused payment that
// charged nothing. Config lists them as the wallet's decline_codes, so that
// SANDBOX shows a decline as one; they are not iPass's (which publishes
// none), and a production configuration does not have them by default.
func DeclineCodes() []string {
	return []string{CodeInsufficient, CodeExpired, CodeInvalid, CodeLimit, CodeSuspended, CodeCodeUsed}
}
