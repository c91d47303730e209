#!/usr/bin/env bash
# Prepares a Wine prefix in which Go 1.26 Windows binaries and test binaries
# run, and the `go test -overlay` that Wine needs. Idempotent; prints nothing
# on success but the paths it made. Sourced by test.sh and by tests that run
# scanpay.exe (they read SCANPAY_WINE_* from the environment).
#
# Why each piece exists (see README.md beside this file):
#   processprng.c  Wine 8 lacks bcryptprimitives.dll!ProcessPrng, which Go
#                  >= 1.24 calls at start.
#   overlay        Wine 8 answers STATUS_NOT_IMPLEMENTED to
#                  FileDispositionInformationEx, which os.RemoveAll uses; the
#                  overlay adds that status to Go's own fallback list. Test
#                  builds only: never ship an overlaid binary.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

export SCANPAY_WINE_DIR=${SCANPAY_WINE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/scanpay-wine}
export WINEPREFIX=${WINEPREFIX:-$SCANPAY_WINE_DIR/prefix}
export WINEDEBUG=${WINEDEBUG:--all}
# No Mono or Gecko installer dialogs: nothing here needs them.
export WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-mscoree,mshtml=}
mkdir -p "$SCANPAY_WINE_DIR"

need=()
wine=""
for w in /usr/lib/wine/wine64 "$(command -v wine64 || true)" "$(command -v wine || true)"; do
  if [ -n "$w" ] && [ -x "$w" ]; then wine=$w; break; fi
done
[ -n "$wine" ] || need+=(wine64)
command -v x86_64-w64-mingw32-gcc >/dev/null || need+=(gcc-mingw-w64-x86-64)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup.sh: install ${need[*]} first (sudo apt-get install ${need[*]})" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  wine=/usr/lib/wine/wine64
fi
export SCANPAY_WINE=$wine

# The prefix: created once, then reused.
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  "$wine" wineboot --init >/dev/null 2>&1 || true
  "$(dirname "$wine")/wineserver" -w 2>/dev/null || wineserver -w 2>/dev/null || true
fi
sys32="$WINEPREFIX/drive_c/windows/system32"
[ -d "$sys32" ] || { echo "setup.sh: wineboot made no $sys32" >&2; exit 1; }

dll="$SCANPAY_WINE_DIR/bcryptprimitives.dll"
if [ ! -f "$dll" ] || [ "$here/processprng.c" -nt "$dll" ]; then
  x86_64-w64-mingw32-gcc -shared -O2 -o "$dll" "$here/processprng.c" "$here/processprng.def" -ladvapi32
fi
cp -f "$dll" "$sys32/bcryptprimitives.dll"

# The overlay is made from this machine's own Go source, so it follows the
# toolchain instead of pinning a copy of it.
src="$(go env GOROOT)/src/internal/syscall/windows/at_windows.go"
ovdir="$SCANPAY_WINE_DIR/overlay"
mkdir -p "$ovdir"
patched="$ovdir/at_windows.go"
sed 's/^\(\t*\)case STATUS_INVALID_INFO_CLASS,\(.*\)$/\1case NTStatus(0xC0000002), \/\/ STATUS_NOT_IMPLEMENTED: Wine 8 (scanpay test overlay)\n\1\tSTATUS_INVALID_INFO_CLASS,\2/' "$src" > "$patched"
if ! grep -q 0xC0000002 "$patched"; then
  echo "setup.sh: could not patch $src (Go changed it?): Wine's RemoveAll fix is missing" >&2
  exit 1
fi
printf '{"Replace":{"%s":"%s"}}\n' "$src" "$patched" > "$ovdir/overlay.json"
export SCANPAY_WINE_OVERLAY=$ovdir/overlay.json
