// Package certify runs a wallet's usual acceptance cases (the ones a
// wallet's certification team asks a POS integrator to show) against the
// configured endpoint, through the real wallet client, and writes what was
// said on the wire as a transcript with payment codes and secrets masked.
//
// The cases: pay approved; pay declined; duplicate order (the same
// request sent twice); timeout, then settled (the answer to a charge is
// withheld on its way back, so the client sees what a lost answer looks
// like, then settles it the wallet's own way); cancel/void; full refund;
// partial refund; inquiry/search. Every case that moved money gives it
// back (void or refund) before it ends, so a run leaves the test account as
// it was.
//
// It owns the cases, the guard that refuses a production address unless
// told, the recording transport, the masking of the transcript, and where
// payment codes come from (a person typing each one in, codes given in
// advance, or walletsim's control API for the simulators).
//
// It must not know a wallet's wire format: it drives the wallet only
// through the providers interfaces (Wallet, Voider, Refunder,
// HealthChecker) and sees the wire only as HTTP exchanges. It must not
// know the engine or the journal: nothing here is journaled, so it must
// never be pointed at a production account without --production.
package certify
