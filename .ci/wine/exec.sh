#!/usr/bin/env bash
# `go test -exec` for Windows test binaries: runs one under Wine. The test
# binary's own exit code is passed through.
set -u
exec "${SCANPAY_WINE:-/usr/lib/wine/wine64}" "$@"
