package posapi

import (
	"strings"
	"testing"
)

// Neither the token nor a full payment code reaches the log or an answer,
// whatever the request did.
func TestNoSecretsInLogOrAnswers(t *testing.T) {
	const code = "22J1ABCDEFGH991111"
	eng := newFakeEngine("AB123456")
	ts := startServer(t, eng)
	var answers []string
	keep := func(a answer) { answers = append(answers, string(a.body)) }
	keep(call(t, "POST", ts.url+"/v1/payments", checkout, nil))
	keep(call(t, "POST", ts.url+"/v1/scans", `{"terminal_id":"AB123456","code":"`+code+`"}`, nil))
	keep(call(t, "POST", ts.url+"/v1/scans", `{"terminal_id":"ZZ","code":"`+code+`"}`, nil))
	keep(call(t, "POST", ts.url+"/v1/scans", `{"terminal_id":"AB123456","code":"`+code+`","x":1}`, nil))
	keep(call(t, "POST", ts.url+"/v1/payments", `{"terminal_id":"AB123456","order_number":"9","amount":5,"barcode":"`+code+`"}`, nil))
	keep(call(t, "GET", ts.url+"/v1/payments?order_number=9", "", nil))
	keep(call(t, "GET", ts.url+"/v1/devices", "", map[string]string{"Authorization": "Bearer " + testToken + "x"}))
	keep(call(t, "GET", ts.url+"/v1/payments/"+code, "", nil))
	log := ts.log.String()
	if !strings.Contains(log, "POS API request") {
		t.Fatal("nothing was logged: the test proves nothing")
	}
	for _, secret := range []string{code, testToken} {
		if strings.Contains(log, secret) {
			t.Errorf("the log holds a secret %q:\n%s", secret[:6], log)
		}
		for i, a := range answers {
			if strings.Contains(a, secret) && !strings.Contains(a, "no payment") {
				t.Errorf("answer %d holds a secret: %s", i, a)
			}
		}
	}
}
