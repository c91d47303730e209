// Command genjournal writes a scanpay journal with many payments, most of
// them final and some open, through the store's own API, for bench/run.sh
// to measure start time and memory while recovering. It owns nothing but
// the fixture; the open payments are queued for a SANDBOX wallet, with
// well-formed codes, so a scanpay whose wallet is that simulator settles
// them.
//
//	go run ./bench/genjournal -out /tmp/j/data/journal.db -payments 100000 -open 10000
package main
