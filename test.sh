#!/usr/bin/env bash
# The whole test suite: every package, nothing cached, with the race
# detector when this machine can build it (it needs cgo, i.e. a C compiler).
# This includes the crash tests that SIGKILL real child processes (the
# journal's and the engine's) and the end-to-end tests of the real binary.
set -euo pipefail
cd "$(dirname "$0")"
race=(-race)
if [ "$(go env CGO_ENABLED)" != 1 ] || ! command -v "$(go env CC)" >/dev/null 2>&1; then
  echo "test.sh: no C compiler for cgo here, so the race detector is off" \
       "(install gcc, e.g. apt-get install gcc, to test with it)" >&2
  race=()
fi
exec go test "${race[@]}" -count=1 -timeout 40m "$@" ./...
