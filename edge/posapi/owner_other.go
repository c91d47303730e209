//go:build !windows

package posapi

// RestrictToOwner does nothing here: on Linux and macOS the file modes
// (token 0600, data_dir 0700, checked when the token is read) do the job.
func RestrictToOwner(string) error { return nil }
