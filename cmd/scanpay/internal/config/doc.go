// Package config reads scanpay's one TOML file: it migrates older
// config_version files, decodes every table into the owning package's own
// Config type (posapi, scanner, hooks, classification rules, and each
// registered wallet's NewConfig via toml.Primitive), refuses unknown keys,
// resolves relative paths from the file's own folder (never the working
// directory: a Windows service starts in system32), provisions secrets, and
// validates, each error naming the key and the fix. It also knows where the
// file and the SANDBOX journal live on each OS.
//
// It must not know wire formats or how the daemon runs: it only turns a
// file into validated settings.
package config
