package main

// Exit codes: stable, for scripts and service managers. This is the one
// place they are defined; `scanpay help` prints exitCodeHelp.
const (
	exitOK          = 0 // done; `pay`: the payment was approved
	exitRuntime     = 1 // something failed while running (journal write, service manager, network)
	exitUsage       = 2 // bad command line or configuration, or the API refused the request (4xx): the message names the problem and the fix
	exitLocked      = 3 // another scanpay already holds the journal (data_dir): stop it first
	exitUnreachable = 4 // `pay`, `payments`, `settle`, `status`: no scanpay answers on the POS API address
	exitNotApproved = 5 // `pay`: the payment ended without money taken (declined, cancelled, expired, voided)
	exitPending     = 6 // `pay`: the payment was not final when --wait ended; it is still being settled
	exitProblems    = 7 // `status`: scanpay answers but is not healthy; the problems it printed say what needs a person
	exitCertFailed  = 8 // `certify`: a case failed, or the JKOPay signature was refused
)

const exitCodeHelp = `Exit codes:
  0  ok (pay: approved)
  1  runtime error
  2  usage or configuration error, or a request scanpay refused (settle: not unknown)
  3  another scanpay holds the journal in data_dir
  4  pay/payments/settle/status: no scanpay answers on the POS API address
  5  pay: the payment ended without money taken (declined, cancelled, expired, voided)
  6  pay: not final when --wait ended; scanpay is still settling it (ask again with payments)
  7  status: scanpay answers but is not healthy; the problems printed say what needs a person
  8  certify: a case failed, or (--signature) JKOPay refused the signature
`
