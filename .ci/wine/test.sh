#!/usr/bin/env bash
# The whole test suite, built for Windows and run under Wine:
#   bash .ci/wine/test.sh               # every package
#   bash .ci/wine/test.sh ./store/      # some packages
#   bash .ci/wine/test.sh -v -run TestX ./edge/hooks/   # go test flags first
# Wine is not Windows: a pass here proves the Windows code paths run and
# the calls are made; what real Windows enforces (ACLs, the service
# manager) needs a real Windows PC.
set -euo pipefail
cd "$(dirname "$0")/../.."
. .ci/wine/setup.sh
args=("$@")
pkg=0
for a in "${args[@]}"; do
  case $a in ./*|github.com/*) pkg=1 ;; esac
done
[ $pkg = 1 ] || args+=(./...)
# cgo off: the HID backend needs mingw's libusb headers at link time, and
# the tests of scanner/ use recorded reports, not hidapi.
GOOS=windows GOARCH=amd64 CGO_ENABLED=0 SCANPAY_WINE="$SCANPAY_WINE" \
  exec go test -count=1 -timeout 40m -overlay "$SCANPAY_WINE_OVERLAY" \
  -exec "$PWD/.ci/wine/exec.sh" "${args[@]}"
