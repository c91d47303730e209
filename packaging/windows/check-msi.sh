#!/usr/bin/env bash
# CI check of the Windows packaging: builds scanpay.exe and the MSI,
# asserts the MSI's tables hold what a store needs, then signs both with a
# throwaway self-signed certificate and verifies the signatures.
#   bash packaging/windows/check-msi.sh
# Needs wixl, msitools and osslsigncode (apt-get install wixl msitools
# osslsigncode), openssl and Go.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go build -o "$out/scanpay.exe" -ldflags "-X main.version=0.0.0-ci" ./cmd/scanpay
bash packaging/windows/build-msi.sh "$out/scanpay.exe" 0.0.0 "$out/scanpay.msi"

fail=0
# has TABLE PATTERN WHY: a row of TABLE (msiinfo export, tab-separated)
# matches the extended regular expression PATTERN.
has() {
  if msiinfo export "$out/scanpay.msi" "$1" | tr -d '\r' | tail -n +4 | grep -Eq -- "$2"; then
    echo "ok   $1: $3"
  else
    echo "FAIL $1: $3 (no row matching $2)"; fail=1
  fi
}
T=$'\t'
has ServiceInstall "^ScanpayService${T}scanpay${T}.*${T}16${T}2${T}1${T}${T}${T}NT SERVICE\\\\scanpay${T}${T}run --config" "own-process service, automatic start, as NT SERVICE\\scanpay"
has ServiceControl "^ScanpayServiceControl${T}scanpay${T}(34|162)${T}" "stopped on install and uninstall, removed on uninstall"
has MsiServiceConfig "${T}scanpay${T}1${T}3${T}1${T}" "delayed auto-start"
has MsiServiceConfig "${T}scanpay${T}1${T}4${T}1${T}" "recovery also on a non-zero exit"
has MsiServiceConfigFailureActions "${T}scanpay${T}1${T}86400${T}${T}${T}1\[~\]1\[~\]1${T}2000\[~\]2000\[~\]60000${T}" "restart after 2 s, 2 s, 60 s; reset after a day"
has Environment "^PATH${T}=-\*PATH${T}\[~\];\[INSTALLDIR\]${T}ScanpayExe$" "scanpay.exe's folder appended to the system PATH"
has Registry "${T}2${T}SYSTEM\\\\CurrentControlSet\\\\Services\\\\EventLog\\\\Application\\\\scanpay\\\\?${T}EventMessageFile${T}#%%SystemRoot%" "event-log source (REG_EXPAND_SZ message file)"
has Registry "EventLog\\\\Application\\\\scanpay\\\\?${T}TypesSupported${T}#7${T}" "event-log source types"
has CreateFolder "^DATADIR${T}DataDir$" "C:\\ProgramData\\scanpay created"
has Directory "^DATADIR${T}CommonAppDataFolder${T}scanpay$" "... under C:\\ProgramData"
has MsiLockPermissionsEx "^DataDirACL${T}DATADIR${T}CreateFolder${T}D:P\(A;OICI;FA;;;SY\)\(A;OICI;FA;;;BA\)\(A;OICI;FA;;;S-1-5-80-[0-9-]+\)${T}" "... with a protected ACL: SYSTEM, Administrators, the service"
has InstallExecuteSequence "^MsiConfigureServices${T}${T}5850$" "MsiConfigureServices runs (after InstallServices)"
has InstallExecuteSequence "^WriteEnvironmentStrings${T}${T}5200$" "WriteEnvironmentStrings runs"
has File "^scanpay.example.toml${T}ExampleConfig${T}" "the Windows example configuration"
[ $fail = 0 ] || { echo "the MSI lacks rows (above)"; exit 1; }

# Signing, with a throwaway self-signed certificate. No timestamp: CI has
# no network; a release adds `-ts http://timestamp.digicert.com` (any
# RFC 3161 server), see README.md.
openssl req -x509 -newkey rsa:3072 -nodes -days 2 -subj "/CN=scanpay CI throwaway" \
  -addext "extendedKeyUsage=codeSigning" -keyout "$out/key.pem" -out "$out/cert.pem" 2>/dev/null
for f in scanpay.exe scanpay.msi; do
  osslsigncode sign -certs "$out/cert.pem" -key "$out/key.pem" -h sha256 \
    -n "scanpay" -i "https://github.com/scanpay/scanpay" -in "$out/$f" -out "$out/signed-$f" >/dev/null
  osslsigncode verify -CAfile "$out/cert.pem" -in "$out/signed-$f" >"$out/verify.txt" 2>&1 \
    || { cat "$out/verify.txt"; echo "FAIL signature of $f"; exit 1; }
  grep -q "Signature verification: ok" "$out/verify.txt" || { cat "$out/verify.txt"; echo "FAIL signature of $f"; exit 1; }
  echo "ok   $f signed and verified (no timestamp)"
  # A changed byte must break it.
  cp "$out/signed-$f" "$out/tampered-$f"
  printf 'X' | dd of="$out/tampered-$f" bs=1 seek=4096 conv=notrunc 2>/dev/null
  if osslsigncode verify -CAfile "$out/cert.pem" -in "$out/tampered-$f" >/dev/null 2>&1; then
    echo "FAIL a tampered $f still verifies"; exit 1
  fi
  echo "ok   a tampered $f is refused"
done
