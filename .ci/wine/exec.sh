#!/usr/bin/env bash
# `go test -exec` for Windows test binaries: runs one under Wine. The test
# binary's own exit code is passed through.
set -u
# Wine shows a file's Unix mode as its access list: under umask 022 every
# new temp file would read as "Everyone may read", which no real Windows
# user's temp folder gives. 077 makes new files private, as there.
umask 077
exec "${SCANPAY_WINE:-/usr/lib/wine/wine64}" "$@"
