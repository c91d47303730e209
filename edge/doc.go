// Package edge is scanpay's engine: it turns a POS checkout and a scan into
// a final, journaled, true payment.
//
// It owns lanes and checkouts, the payment state machine of DESIGN.md,
// dispatch with retry and backoff, the settling of unknown outcomes,
// recovery after a restart, receipt hooks and the event stream. The POS API
// that serves it lives in edge/posapi; receipt hooks in edge/hooks; the
// event fan-out in edge/events.
//
// It must not know a wallet's JSON (that is providers/), how bytes reach
// the disk (store/) or how a scanner frames a code (scanner/). It keeps one
// rule above all: every state change is committed to the journal before
// the side effect it permits.
//
// # Decisions
//
//   - Write-ahead: queued → in_flight (Attempts+1) is committed before a
//     payment request leaves; every resolve, void and refund resend first
//     commits its attempt and its NextTry, so a crash at any point resumes
//     from the journal (Run → recover) and never sends blind.
//   - A request that provably never left (Outcome.NotSent) goes back to
//     queued and is resent with backoff inside the code's lifetime, then
//     expires. Any other failure is unknown and is settled by the wallet's
//     own Resolve, retried with capped backoff for as long as it takes.
//     A payment found in_flight at start is settled, never resent.
//   - A refund refused on its very first send failed: its amount is free
//     again. A refund that may have gone through (an earlier send got no
//     answer, or a restart caught it in flight) never fails on a refusal:
//     the refusal may be about that very refund ("already being refunded")
//     and proves nothing. It stays unknown, its amount held, resent at the
//     longest backoff, with a Health problem asking the operator to check
//     the wallet's merchant portal.
//   - What no rule can settle (iPass: nothing found and the void refused;
//     EasyWallet: a resend refused without isDuplicatedPaymentRequest; a
//     refund refused on every resend) stays unknown and Health names it
//     with the command that settles it. Settle and SettleRefund record what
//     the wallet's merchant portal shows, only out of unknown, through the
//     same compare-and-set as the dispatch, the operator's note kept in the
//     history ("settled by an operator: …"). An approval recorded after the
//     POS cancelled goes to reversing, like a late approval. A reversal
//     whose void and refund the wallet both refuses stays reversing until
//     the operator, having given the money back by hand, settles it as
//     "reversed" (only out of reversing, the same claim and CAS). A wallet
//     answer that loses that race and says the opposite is reported in
//     Health: the books may then need a hand in the portal.
//   - One worker at a time per payment (the scheduler keys work by id); the
//     journal's compare-and-set decides every race with the POS.
//   - Cancel: before a code is sent → cancelled. While a request is out or
//     unsettled → the wish is journaled (ReverseReason) and the answer is
//     the true current state; an approval that arrives later goes straight
//     to reversing in the same CAS (no approved receipt) and then to
//     reversed; a request that turns out never to have left (NotSent) ends
//     cancelled, never resent, and a queued payment carrying the wish is
//     cancelled in the CAS that would have sent it. After approval →
//     reversing → reversed, by the wallet's void when it has one, else (or
//     when the void is refused, or part was refunded already) a refund of
//     what remains. While a refund of the payment is running the cancel is
//     a conflict: the journal refuses the move in its own transaction, and
//     refuses new refunds once the payment is reversing. "voided" is kept for settlements that ended with no
//     money moved. A POS that merely stops waiting has not cancelled.
//   - An approved order is never charged twice: a checkout repeating an
//     approved (terminal_id, order_number) with the same amount returns that
//     payment; with another amount it is a conflict. The journal decides
//     it inside Create's transaction, so an earlier payment of the order
//     that is approved while the retry is on its way is still seen.
//   - Scans: a lane serves one customer at a time. A wallet code triggers
//     the one payment awaiting a scan on its lane; with none it is held in
//     memory only for ScanHold (scan-then-amount) and announced masked;
//     while a payment on the lane is queued/in flight/unknown a further
//     code is "ignored", until the POS cancels that payment: then it
//     settles in the background (a late approval reversed) and no longer
//     holds the lane, also after a restart (the wish is journaled), and a
//     new checkout of its order is a conflict until it is final. With more than one checkout awaiting a scan (one
//     abandoned beside the new one) the scan is "ambiguous": nothing is
//     charged or held, and the scan event names the checkouts so that the
//     POS cancels the stale one. Guessing (say, the oldest) would charge
//     this customer another order's amount; cancelling older checkouts on
//     a new one would cancel, behind the POS's back, checkouts it may
//     still be waiting on. Product
//     EANs, e-invoice and citizen carriers are passed to the POS whole (they
//     are no credentials and the POS needs them); every other code is
//     masked everywhere.
//   - Refunds take the POS's Idempotency-Key (RefundOnce), journaled with
//     the refund and checked inside CreateRefund's transaction: the same
//     key and request get the first refund, another request a conflict.
//   - Time: records are stamped with the wall clock, waits are measured
//     on a steady clock that a backward jump cannot lengthen, and pruning
//     counts only time scanpay saw pass (clock.go, docs/design.md).
//   - Events: a subscriber that falls behind loses its oldest events
//     (counted in Health) rather than ever blocking the engine.
//   - Lane health (lanehealth.go): a configured scanner not connected is a
//     Health problem, at once after an unplug, after ScannerGrace when it
//     never opened; a checkout awaiting a scan on a lane with none
//     connected is still taken, with a warning. Metrics come from an
//     Observer called after each journaled fact (a payment counted at its
//     first final state), never from the lossy event stream.
//   - Receipts are an outbox in the journal, delivered at least once in the
//     background with backoff; a failure shows in Health().Hooks, a "hook"
//     event and a log line.
package edge
