package certify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/jkopay"
)

// Verdicts of CheckSignature.
const (
	SignatureAccepted = "ACCEPTED"
	SignatureRefused  = "REFUSED (904)"
	SignatureUnclear  = "UNCLEAR"
)

// SignatureResult is what one signature check found.
type SignatureResult struct {
	Host    string
	Verdict string // SignatureAccepted, SignatureRefused or SignatureUnclear
	Detail  string
}

// CheckSignature sends the wallet's harmless health call (JKOPay: an
// Inquiry about an order that does not exist) and says whether the wallet
// accepted the request's signature: JKOPay answers 904 when it does not.
// Any other answer proves the signature was accepted; no answer proves
// nothing. The production guard applies as in Run.
func CheckSignature(ctx context.Context, o Options) (SignatureResult, error) {
	rec := newRecorder(o.Transport, o.Production)
	env := o.Env
	env.HTTPClient = &http.Client{Transport: rec, Timeout: o.Config.Limits().Timeout}
	w, err := o.Config.Open(env)
	if err != nil {
		return SignatureResult{}, fmt.Errorf("certify: open %s: %w", o.Wallet, err)
	}
	hc, ok := w.(providers.HealthChecker)
	if !ok {
		return SignatureResult{}, fmt.Errorf("certify: %s has no harmless call to check a signature with", o.Wallet)
	}
	err = hc.Health(ctx)
	if refused := rec.refusal(); refused != nil {
		return SignatureResult{}, refused
	}
	exs := rec.take()
	res := SignatureResult{Host: strings.Join(rec.hostList(), ", ")}
	answered := false
	for _, ex := range exs {
		if ex.Status != "" {
			answered = true
		}
	}
	switch {
	case err == nil:
		res.Verdict, res.Detail = SignatureAccepted, "the wallet answered the Inquiry without refusing the signature: this signature setting is right for this endpoint"
	case errors.Is(err, jkopay.ErrSignatureRefused):
		res.Verdict, res.Detail = SignatureRefused, "the wallet refused the signature: "+err.Error()+"\ncheck merchant_key and merchant_id first; if they are right, try the next signature setting and run this again"
	case !answered:
		res.Verdict, res.Detail = SignatureUnclear, "no answer, so nothing is known about the signature: "+err.Error()
	default:
		res.Verdict, res.Detail = SignatureUnclear, "the wallet answered, but not with a verdict on the signature: "+err.Error()
	}
	m := newMasker()
	for _, ex := range exs {
		m.learn(ex)
	}
	res.Detail = m.text(res.Detail)
	return res, nil
}
