// Package hooks delivers receipts: when a payment reaches a state a hook
// listens for, the engine hands the hook a Receipt to run a command with,
// write to a folder, or POST to a local URL.
//
// It owns the three hook kinds (exec, file, webhook), their configuration
// and validation, and how an exec hook is started: with a minimal
// environment (never scanpay's own, which may hold wallet keys), and on
// Windows by kind (.exe directly, .cmd/.bat through cmd.exe with a command
// line built for it, .ps1 through PowerShell). It must not know the journal's outbox (the engine retries
// failed deliveries from store/) or how a receipt is printed. A receipt
// carries only the masked payment view, never a full payment code.
package hooks
