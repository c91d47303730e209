// Package store is scanpay's journal: payments, refunds and receipt-hook
// deliveries kept in one bbolt file, with atomic state transitions.
//
// It owns durability and atomicity, nothing else. It must not know about
// HTTP, wallets' wire formats or scanners: the engine (edge/) decides what a
// payment does next, the journal guarantees that each decision is on disk
// (fsync) before the engine acts on it, and that two goroutines or two
// processes can never both move a payment out of the same state.
//
// Invariants, each tested:
//   - Every write is one bbolt transaction: a record and all its index
//     entries change together or not at all.
//   - Transition is compare-and-set on the state.
//   - Non-final payments are indexed by state (the outbox); no lookup scans
//     the whole file.
//   - At most one non-final payment exists per (terminal_id, order_number).
//     The one exception is a payment being reversed: giving money back is
//     never blocked, so it may sit beside a new open payment of its order;
//     at most one payment per order may take money (awaiting_scan, queued,
//     in_flight, unknown), and none beside an approved one: Create returns
//     the approved payment instead, in the same transaction that would
//     have written the new one.
//   - A payment with a refund not yet final stays approved: Transition
//     refuses to move it on (ErrRefundInProgress), and CreateRefund takes
//     only approved payments, so a reversal and a refund never overlap.
//   - Records carry a version byte; older versions keep loading.
//   - Pruning removes only final payments, and none with a refund in
//     progress.
//
// Write errors (suspect.go). A failed write is ErrWrite. bbolt syncs the
// data pages, writes its commit record, then syncs that; if that last
// sync fails it returns the error though the commit stands (its rollback
// reloads the meta page just written), so every later read sees the
// write. The rule: after ErrWrite, Create, Transition, CreateRefund and
// TransitionRefund read their record again; if it holds exactly what was
// written they answer success (what is true: the engine goes on to act
// on it) and the journal turns Suspect, for the life of the Journal: the
// engine then takes no new payment or refund and settles what the
// journal holds. Otherwise the error stands and nothing was written.
//
// The meta bucket also keeps the engine's "last seen time" mark
// (clock.go), which retention resumes from after a restart.
//
// Where things are: journal.go opens the file and decides Update or Batch
// per write; payments.go, refunds.go and deliveries.go hold the three
// record kinds and their transitions; keys.go the buckets and index-key
// layouts; codec.go the versioned record encoding; check.go the
// index-versus-record check behind Check.
package store
