// Package monitor keeps the daemon running: `scanpay run` starts itself
// again as a child process and watches it, Syncthing style. When the child
// dies of a panic (in any goroutine, or a Go runtime fatal error, which no
// recover can catch), the monitor writes the panic and its stacks to a
// panic-<time>.log in the data folder and starts the child again with a
// growing backoff. The journal makes the restart safe: recovery resumes
// every payment where it stood.
//
// It owns the child's life cycle and the panic logs. It must not know what
// the child does: the child is an exec.Cmd and an exit code.
package monitor
