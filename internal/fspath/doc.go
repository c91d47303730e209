// Package fspath turns the paths an administrator writes in the
// configuration file into absolute paths, the same way on every OS.
//
// It owns one rule: a relative path is taken from the configuration
// file's folder (a service does not start in it). It must not know what
// the paths are for.
package fspath
