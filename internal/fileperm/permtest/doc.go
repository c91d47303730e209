// Package permtest sets up files the way a careless or careful
// administrator would leave them, on either OS, for tests of permission
// checks: owner-only, readable by every user, writable by every user. On
// Unix that is a chmod; on Windows an access list naming Everyone or not.
//
// It is for tests only and must not know what the files hold.
package permtest
