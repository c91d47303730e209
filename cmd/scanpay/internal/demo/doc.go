// Package demo is `scanpay demo`: a walkthrough for a newcomer that doubles
// as a smoke test. It starts the daemon in this process in SANDBOX mode
// with a temporary data folder and a virtual serial scanner (a
// pseudo-terminal), rings up sales through the real POS API over HTTP,
// "scans" a JKOPay, an EasyWallet and an iPass code by typing them into the
// scanner, shows each result and receipt, then cuts the network and loses a
// wallet's answer and shows both settled to the truth, comparing the
// journal with the simulated wallets' ledgers.
//
// It owns the script and its checks. It must not reach around the POS API
// for anything a POS could not see, except the simulators' ledgers, which
// stand for the wallets' own books.
package demo
