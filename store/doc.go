// Package store is scanpay's journal: payments, refunds and receipt-hook
// deliveries kept in one bbolt file, with atomic state transitions.
//
// It owns durability and atomicity, nothing else. It must not know about
// HTTP, wallets' wire formats or scanners: the engine (edge/) decides what a
// payment does next, the journal guarantees that each decision is on disk
// (fsync) before the engine acts on it, and that two goroutines or two
// processes can never both move a payment out of the same state.
//
// Its invariants (each tested) and its rule for write errors are in
// docs/design.md ("The journal's invariants").
//
// Where things are: journal.go opens the file; group.go commits concurrent
// writes together (group commit); payments.go, refunds.go and
// deliveries.go hold the three record kinds and their transitions; keys.go the buckets and index-key
// layouts; codec.go the versioned record encoding; check.go the
// index-versus-record check behind Check.
package store
