// Package powercut is a test file system that loses power.
//
// Mount serves a backing directory through FUSE (Linux only). Files pass
// through to the backing directory, except that every write, truncate or
// fallocate since a file's last fsync or fdatasync stays in a volatile
// layer in memory, the way a disk's page cache and write cache hold it.
// Reads, including page faults on an mmap, see the volatile layer.
// Fsync and fdatasync move the file's layer to the backing file.
//
// A power failure takes three steps. Freeze is the instant the power goes:
// from then on no operation completes. The caller kills its writer
// (SIGKILL). PowerCut drops every volatile layer, optionally tearing the
// last unsynced page or keeping a random subset of unsynced pages (as
// Jepsen's LazyFS does), and fails the operations that were waiting; the
// backing directory then holds exactly what a disk would after a power
// failure. PowerOn remounts, with no kernel cache of the old mount left.
//
// The process that mounts must never mmap a file on the mount: a page
// fault it must serve itself deadlocks against the Go runtime's
// stop-the-world (the faulting thread cannot be preempted, the goroutine
// that would answer cannot run). So the writer (bbolt) runs in a child
// process, and the parent inspects the backing directory while the power
// is off. Directory operations (create, rename, unlink) are durable at
// once: the package models lost data, not lost names.
//
// It owns the simulation and nothing else. It must not know what is
// stored in the files: the journal's crash test (store/) decides what
// must survive.
package powercut
