// Package fileperm answers, for a file scanpay reads a secret or its
// settings from, the questions that decide whether it may trust it: can it
// be opened without following a link or blocking, may every user of the
// PC read it, may others change it, and is it owned by scanpay's account
// or the administrator. It also narrows a file or folder to that account.
//
// Unix answers from the mode bits and owner of the opened file; Windows
// from its access list (DACL) and owner, where the broad groups are
// Everyone (S-1-1-0), BUILTIN\Users (S-1-5-32-545) and Authenticated Users
// (S-1-5-11). Each refusal comes with the command that fixes it (chmod,
// chown or icacls).
//
// It must not know what the files hold or which configuration key named
// them: callers say that in their own error text.
package fileperm
