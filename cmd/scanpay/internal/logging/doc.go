// Package logging builds scanpay's log/slog logger: text on a console, JSON
// into a rotating file (lumberjack) when running as a service, and a masking
// handler in front of both as a last line of defence against payment codes
// and secrets reaching a log line.
//
// It owns how and where log lines are written. It must not know what a
// payment is: callers mask codes themselves (internal/mask); this package
// only catches what slipped through.
package logging
