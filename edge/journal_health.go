package edge

import "fmt"

// journalFailed reports a journal write or read that failed in the
// background, as a Health problem with its cause and fix (logged once by
// setProblem).
func (e *Engine) journalFailed(what string, err error) {
	e.setProblem("journal", fmt.Sprintf("the journal %s failed to %s: %v", e.j.Path(), what, err))
}
