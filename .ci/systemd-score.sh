#!/usr/bin/env bash
# The packaged systemd unit's exposure, as `systemd-analyze security`
# scores it offline (no running systemd needed). The build fails above
# 2.0 (--threshold is in tenths). Installs systemd's tools when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v systemd-analyze >/dev/null; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends systemd >/dev/null
fi
limit=20
out=$(systemd-analyze security --offline=yes --threshold="$limit" packaging/systemd/scanpay.service 2>&1) && rc=0 || rc=$?
echo "$out" | grep -E 'Overall exposure' || echo "$out"
if [ "$rc" != 0 ]; then
  echo "$out" | grep '✗' || true
  echo "systemd unit: exposure above $((limit / 10)).$((limit % 10)); harden packaging/systemd/scanpay.service (via cmd/scanpay/internal/svc/unit.go)" >&2
  exit 1
fi
