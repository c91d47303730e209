package edge

import (
	"errors"
	"fmt"

	"github.com/scanpay/scanpay/store"
)

// journalFailed reports a journal write or read that failed (what it was
// doing, and why) as the "journal" Health problem, with its cause and
// fix; setProblem logs it once.
func (e *Engine) journalFailed(what string, err error) {
	e.setProblem("journal", fmt.Sprintf("the journal %s failed to %s: %v; free space on its drive, or make data_dir writable if the disk went read-only, and check the disk; scanpay retries by itself and this clears once a write succeeds. Keep the journal where it is: it holds the open payments", e.j.Path(), what, err))
}

// journalWrote follows a write's outcome: a disk error is reported (other
// errors are refusals the caller handles), a success clears the report.
func (e *Engine) journalWrote(what string, err error) {
	switch {
	case err == nil:
		e.setProblem("journal", "")
	case errors.Is(err, store.ErrWrite):
		e.journalFailed(what, err)
	}
}

// refuseWhileSuspect refuses to take money while the journal may not be on
// the disk (store.Journal.Suspect): settling what it holds goes on.
func (e *Engine) refuseWhileSuspect() error {
	if err := e.j.Suspect(); err != nil {
		return &Error{Code: ErrUnavailable, Message: "scanpay stopped taking payments and refunds: " + err.Error(), Err: err}
	}
	return nil
}
