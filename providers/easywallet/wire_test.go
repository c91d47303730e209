package easywallet

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/gateway"
	"github.com/scanpay/scanpay/providers/gateway/gatewaytest"
)

var update = flag.Bool("update", false, "rewrite the golden files from the current output")

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The spec's own request example decodes strictly into our wire types: every
// field name we use is the spec's, and the types agree.
func TestSpecRequestExampleDecodesStrictly(t *testing.T) {
	var b PayBody
	if err := gatewaytest.UnmarshalStrict(readFile(t, "spec_pay_request.json"), &b, "requestDateTime", "order"); err != nil {
		t.Fatal(err)
	}
	want := Order{
		MerchantOrderNo: "108010100202", Currency: "TWD", OrderTitle: "6-TEN", OrderDesc: "6-TEN 南港南園店",
		TradeType: "IMMEDIATE", OrderAmount: 110, EventCode: "EF3293", RebateNotApplicableAmount: 0,
		PaymentBarCode: "94300293390140", BranchCode: "14313", BranchName: "南港南園店", PosSN: "A03",
		OrderItems: []OrderItem{
			{Item: "紅茶", Qty: 2, UnitPrice: 25, Subtotal: 50, ItemDesc: "好喝的紅茶"},
			{Item: "綠茶", Qty: 3, UnitPrice: 20, Subtotal: 60, ItemDesc: "健康的綠茶"},
		},
	}
	if !reflect.DeepEqual(b.Order, want) || b.RequestDateTime != "20190612154311" {
		t.Fatalf("decoded %+v", b)
	}
	if _, err := ParseTime(b.RequestDateTime); err != nil {
		t.Fatal(err)
	}
}

// What we send for the spec example's order, compared decoded with a golden
// file (field order is irrelevant on the wire).
func TestPayRequestGolden(t *testing.T) {
	cfg := Config{Account: gateway.Account{BaseURL: "https://gw.example", CodeTTL: time.Minute, Timeout: 15 * time.Second},
		BranchCode: "14313", BranchName: "南港南園店", PosSN: "A03", OrderTitle: "6-TEN", RefundPath: DefaultRefundPath}
	w, err := newWallet(*cfg.WithSecrets("a", "b"), providers.Env{Now: func() time.Time {
		return time.Date(2019, 6, 12, 7, 43, 11, 0, time.UTC) // 15:43:11 in Taipei
	}})
	if err != nil {
		t.Fatal(err)
	}
	req := providers.PayRequest{
		OrderNumber: "108010100202", Amount: 110, Description: "6-TEN 南港南園店", Code: "94300293390140",
		Items: []providers.Item{{Name: "紅茶", Quantity: 2, UnitPrice: 25, Subtotal: 50}, {Name: "綠茶", Quantity: 3, UnitPrice: 20, Subtotal: 60}},
		Ref:   providers.Ref{RefMerchantOrderNo: "108010100202"}, Attempt: 1,
	}
	for _, tc := range []struct {
		file    string
		attempt int
	}{{"pay_request.golden.json", 1}, {"pay_request_resend.golden.json", 3}} {
		req.Attempt = tc.attempt
		body, err := w.payBody(req, max(req.Attempt-1, 0))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := json.MarshalIndent(body, "", "  ")
		if *update {
			if err := os.WriteFile(filepath.Join("testdata", tc.file), append(got, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		var g, want any
		_ = json.Unmarshal(got, &g)
		if err := json.Unmarshal(readFile(t, tc.file), &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(g, want) {
			t.Fatalf("%s: got\n%s", tc.file, got)
		}
	}
}

func TestSpecResponseExampleIsApproved(t *testing.T) {
	sent := Order{MerchantOrderNo: "108010100202", OrderAmount: 110}
	out := testReader.PayOutcome(200, readFile(t, "spec_pay_response.json"), sent)
	want := providers.Outcome{Kind: providers.Approved, Code: "00000", Message: "paid", TransactionID: "14334434434417",
		PaymentMethod: "BALANCE", AmountPaid: 100, Discount: 10, Carrier: "/QER3DEW"}
	if out != want {
		t.Fatalf("got %+v\nwant %+v", out, want)
	}
}

// testReader lists the codes the tables below use as declines.
var testReader = Reader{DeclineCodes: []string{"10001", "20003", "E0400"}}

func TestPayOutcomeTable(t *testing.T) {
	sent := Order{MerchantOrderNo: "ORD-1", OrderAmount: 110}
	ok := func(status, extra string) string {
		return `{"returnCode":"00000","returnMsg":"SUCCESS","data":{"merchantOrderNo":"ORD-1","orderNo":"O1","paymentNo":"P1","orderStatus":"` + status + `","orderAmount":110,"point":0,"paymentAmount":110` + extra + `}}`
	}
	tests := []struct {
		name      string
		status    int
		body      string
		kind      providers.Kind
		code      string
		duplicate bool
		retryScan bool
	}{
		{"paid", 200, ok(StatusPaymentReceived, ""), providers.Approved, "00000", false, false},
		{"completed", 200, ok(StatusCompleted, ""), providers.Approved, "00000", false, false},
		{"duplicate answer", 200, ok(StatusPaymentReceived, `,"isDuplicatedPaymentRequest":true`), providers.Approved, "00000", true, false},
		{"duplicate as string", 200, ok(StatusCompleted, `,"isDuplicatedPaymentRequest":"true"`), providers.Approved, "00000", true, false},
		{"refunded since", 200, ok(StatusRefundCompleted, `,"isDuplicatedPaymentRequest":true`), providers.Approved, "00000", true, false},
		{"refund processing", 200, ok(StatusRefundProcessing, ""), providers.Approved, "00000", false, false},
		{"preorder is not yet paid", 200, ok(StatusPreorder, ""), providers.Unknown, "00000", false, false},
		{"unknown state", 200, ok("WEIRD", ""), providers.Unknown, "00000", false, false},
		{"cancelled", 200, ok(StatusCancelled, ""), providers.Declined, StatusCancelled, false, true},
		{"decline code", 200, `{"returnCode":"10001","returnMsg":"餘額不足"}`, providers.Declined, "10001", false, true},
		{"decline code as number", 200, `{"returnCode":20003,"returnMsg":"條碼逾期"}`, providers.Declined, "20003", false, true},
		{"decline on 400", 400, `{"returnCode":"E0400","returnMsg":"bad barcode"}`, providers.Declined, "E0400", false, true},
		{"decline, first seen", 200, `{"returnCode":"10001","returnMsg":"餘額不足","data":{"merchantOrderNo":"ORD-1","isDuplicatedPaymentRequest":false}}`, providers.Declined, "10001", false, true},
		{"decline without the flag", 200, `{"returnCode":"10001","returnMsg":"餘額不足","data":{"merchantOrderNo":"ORD-1"}}`, providers.Declined, "10001", false, true},
		{"success without data", 200, `{"returnCode":"00000","returnMsg":"SUCCESS"}`, providers.Unknown, "00000", false, false},
		{"another order", 200, strings.Replace(ok(StatusCompleted, ""), "ORD-1", "ORD-2", 1), providers.Unknown, "00000", false, false},
		{"another amount", 200, strings.Replace(ok(StatusCompleted, ""), `"orderAmount":110`, `"orderAmount":111`, 1), providers.Unknown, "00000", false, false},
		{"5xx", 502, `{"returnCode":"10001"}`, providers.Unknown, "502", false, false},
		{"403", 403, `{"message":"forbidden"}`, providers.ConfigError, "403", false, false},
		{"gateway message only", 400, `{"message":"bad request"}`, providers.Unknown, "", false, false},
		{"html", 200, `<html>busy</html>`, providers.Unknown, "", false, false},
		{"truncated", 200, ok(StatusCompleted, "")[:60], providers.Unknown, "", false, false},
		{"empty", 200, ``, providers.Unknown, "", false, false},
		{"trailing garbage", 200, ok(StatusCompleted, "") + `x`, providers.Unknown, "", false, false},
		// An approval that contradicts the order, or lacks what proves it,
		// is not an approval.
		{"paymentAmount above the order", 200, strings.Replace(ok(StatusCompleted, ""), `"paymentAmount":110`, `"paymentAmount":5000`, 1), providers.Unknown, "00000", false, false},
		{"negative paymentAmount", 200, strings.Replace(ok(StatusCompleted, ""), `"paymentAmount":110`, `"paymentAmount":-1`, 1), providers.Unknown, "00000", false, false},
		{"point and paymentAmount do not add up", 200, strings.Replace(ok(StatusCompleted, ""), `"point":0`, `"point":10`, 1), providers.Unknown, "00000", false, false},
		{"no orderAmount", 200, strings.Replace(ok(StatusCompleted, ""), `"orderAmount":110,`, ``, 1), providers.Unknown, "00000", false, false},
		{"no merchantOrderNo", 200, strings.Replace(ok(StatusCompleted, ""), `"merchantOrderNo":"ORD-1",`, ``, 1), providers.Unknown, "00000", false, false},
		{"no paymentNo nor orderNo", 200, strings.Replace(ok(StatusCompleted, ""), `"orderNo":"O1","paymentNo":"P1",`, ``, 1), providers.Unknown, "00000", false, false},
		{"fractional amount", 200, strings.Replace(ok(StatusCompleted, ""), `"paymentAmount":110`, `"paymentAmount":109.5`, 1), providers.Unknown, "", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := testReader.PayOutcome(tc.status, []byte(tc.body), sent)
			if out.Kind != tc.kind || out.Code != tc.code || out.Duplicate != tc.duplicate || out.RetryScan != tc.retryScan {
				t.Fatalf("got %+v", out)
			}
			if out.Message == "" {
				t.Fatal("no message")
			}
			if out.Kind == providers.Approved && (out.TransactionID != "P1" || out.AmountPaid != 110) {
				t.Fatalf("approved without its details: %+v", out)
			}
		})
	}
}

// A resend's refusal code is a decline only when the answer states
// isDuplicatedPaymentRequest for this order; without it, Unknown. Its
// 00000 answers (paid, CANCELLED, not yet paid) read as on a first send.
func TestResendOutcome(t *testing.T) {
	sent := Order{MerchantOrderNo: "ORD-1", OrderAmount: 110}
	ok := func(status string) string {
		return `{"returnCode":"00000","returnMsg":"SUCCESS","data":{"merchantOrderNo":"ORD-1","paymentNo":"P1","orderStatus":"` + status + `","orderAmount":110,"isDuplicatedPaymentRequest":true}}`
	}
	refused := func(data string) string {
		return `{"returnCode":"10001","returnMsg":"餘額不足","data":` + data + `}`
	}
	tests := []struct {
		name      string
		status    int
		body      string
		kind      providers.Kind
		code      string
		duplicate bool
	}{
		{"original decline replayed", 200, refused(`{"merchantOrderNo":"ORD-1","isDuplicatedPaymentRequest":true}`), providers.Declined, "10001", true},
		{"replayed, flag as string", 400, refused(`{"merchantOrderNo":"ORD-1","isDuplicatedPaymentRequest":"Y"}`), providers.Declined, "10001", true},
		{"first seen, declined", 200, refused(`{"merchantOrderNo":"ORD-1","isDuplicatedPaymentRequest":false}`), providers.Declined, "10001", false},
		{"flag without the order number", 200, refused(`{"isDuplicatedPaymentRequest":false}`), providers.Declined, "10001", false},
		{"flag for another order", 200, refused(`{"merchantOrderNo":"ORD-2","isDuplicatedPaymentRequest":true}`), providers.Unknown, "10001", false},
		{"flag null", 200, refused(`{"merchantOrderNo":"ORD-1","isDuplicatedPaymentRequest":null}`), providers.Unknown, "10001", false},
		{"flag empty", 200, refused(`{"merchantOrderNo":"ORD-1","isDuplicatedPaymentRequest":""}`), providers.Unknown, "10001", false},
		{"data without the flag", 200, refused(`{"merchantOrderNo":"ORD-1"}`), providers.Unknown, "10001", false},
		{"refused as repeated, no data", 200, `{"returnCode":"40901","returnMsg":"訂單編號重複"}`, providers.Unknown, "40901", false},
		{"decline code, no data", 200, `{"returnCode":"10001","returnMsg":"餘額不足"}`, providers.Unknown, "10001", false},
		{"decline on 400, no data", 400, `{"returnCode":"E0400","returnMsg":"bad barcode"}`, providers.Unknown, "E0400", false},
		{"paid", 200, ok(StatusPaymentReceived), providers.Approved, "00000", true},
		{"cancelled", 200, ok(StatusCancelled), providers.Declined, StatusCancelled, true},
		{"preorder", 200, ok(StatusPreorder), providers.Unknown, "00000", false},
		{"403", 403, `{"message":"forbidden"}`, providers.ConfigError, "403", false},
		{"5xx with a stated flag", 502, refused(`{"merchantOrderNo":"ORD-1","isDuplicatedPaymentRequest":true}`), providers.Unknown, "502", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := testReader.ResendOutcome(tc.status, []byte(tc.body), sent)
			if out.Kind != tc.kind || out.Code != tc.code || out.Duplicate != tc.duplicate || out.Message == "" {
				t.Fatalf("got %+v", out)
			}
			if tc.kind == providers.Unknown && tc.code != "00000" && (!strings.Contains(out.Message, tc.code) || out.RetryScan) {
				t.Fatalf("an unknown resend must name the wallet's code and not ask for a new scan: %+v", out)
			}
			if tc.kind == providers.Declined && !out.RetryScan {
				t.Fatalf("a decline asks for a new scan: %+v", out)
			}
		})
	}
}

func TestRefundOutcomeTable(t *testing.T) {
	sent := RefundBody{MerchantOrderNo: "ORD-1", RefundOrderNo: "ORD-1R1", RefundAmount: 50}
	tests := []struct {
		name   string
		status int
		body   string
		kind   providers.Kind
	}{
		{"refunded", 200, `{"returnCode":"00000","returnMsg":"SUCCESS","data":{"merchantOrderNo":"ORD-1","refundOrderNo":"ORD-1R1","refundAmount":50,"orderStatus":"REFUND_COMPLETED"}}`, providers.Approved},
		{"refunded, no data", 200, `{"returnCode":"00000"}`, providers.Approved},
		{"wrong amount", 200, `{"returnCode":"00000","data":{"refundAmount":40}}`, providers.Unknown},
		{"refused", 200, `{"returnCode":"30001","returnMsg":"exceeds"}`, providers.Declined},
		{"no such path", 404, `404 page not found`, providers.ConfigError},
		{"5xx", 500, ``, providers.Unknown},
		{"garbage", 200, `{"returnCode":`, providers.Unknown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := RefundOutcome(tc.status, []byte(tc.body), sent)
			if out.Kind != tc.kind || out.Message == "" {
				t.Fatalf("got %+v", out)
			}
			if out.Kind == providers.Approved && (out.TransactionID != "ORD-1R1" || out.AmountPaid != 50) {
				t.Fatalf("approved without details: %+v", out)
			}
		})
	}
}

func TestTimeIsTaipeiWithoutTZData(t *testing.T) {
	got := FormatTime(time.Date(2024, 12, 31, 16, 0, 1, 0, time.UTC))
	if got != "20250101000001" {
		t.Fatalf("FormatTime = %s", got)
	}
	back, err := ParseTime(got)
	if err != nil || !back.Equal(time.Date(2024, 12, 31, 16, 0, 1, 0, time.UTC)) {
		t.Fatalf("ParseTime = %v, %v", back, err)
	}
}

func FuzzParseAnswer(f *testing.F) {
	for _, name := range []string{"spec_pay_response.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	sent := Order{MerchantOrderNo: "108010100202", OrderAmount: 110}
	f.Fuzz(func(t *testing.T, body []byte) {
		a, err := ParseAnswer(body)
		out := testReader.PayOutcome(200, body, sent)
		if err != nil && out.Kind != providers.Unknown {
			t.Fatalf("unparsable answer classified %v", out.Kind)
		}
		if out.Kind == providers.Approved {
			if err != nil || a.ReturnCode != ReturnOK || a.Data == nil {
				t.Fatalf("approved without a success answer: %+v", a)
			}
		}
		if out.Kind == providers.Declined && !json.Valid(bytes.TrimSpace(body)) {
			t.Fatalf("declined on invalid JSON %q", body)
		}
		// A resend's refusal code declines only with a stated flag.
		if res := testReader.ResendOutcome(200, body, sent); res.Kind == providers.Declined && res.Code != StatusCancelled &&
			(a.Data == nil || !a.Data.IsDuplicatedPaymentRequest.Stated) {
			t.Fatalf("resend declined without isDuplicatedPaymentRequest: %q", body)
		}
	})
}
