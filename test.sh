#!/usr/bin/env bash
# The whole test suite: every package, with the race detector, nothing cached.
# This includes the crash tests that SIGKILL real child processes (the
# journal's and the engine's) and the end-to-end tests of the real binary.
set -euo pipefail
cd "$(dirname "$0")"
exec go test -race -count=1 -timeout 40m "$@" ./...
