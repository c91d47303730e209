#!/usr/bin/env bash
# Builds the scanpay MSI from a Windows scanpay.exe:
#   bash packaging/windows/build-msi.sh dist/scanpay.exe 1.2.3 dist/scanpay.msi
# wixl (package wixl) writes what its WiX subset can express from
# scanpay.wxs; msibuild (package msitools) then adds the tables wixl 0.101
# has no element for, from the .idt files beside this script, and their
# actions:
#   Environment                     scanpay.exe's folder appended to PATH
#   MsiServiceConfig                delayed auto-start, recovery on a
#                                   non-zero exit, unrestricted service SID
#   MsiServiceConfigFailureActions  restart after 2 s, 2 s, 60 s; reset 1 day
#   MsiLockPermissionsEx            C:\ProgramData\scanpay: protected ACL for
#                                   SYSTEM, Administrators, NT SERVICE\scanpay
# and marks the event source's message file REG_EXPAND_SZ (wixl drops
# Type="expandable"). check-msi.sh asserts the result.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 3 ] || { echo "usage: $0 <scanpay.exe> <version> <out.msi>" >&2; exit 2; }
exe=$(realpath "$1"); version=$2; out=$(realpath -m "$3")
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir "$work/dist"
cp "$exe" "$work/dist/scanpay.exe"
ln -s "$here/.." "$work/packaging"
# wixl resolves sources relative to the working directory.
(cd "$work" && wixl -a x64 -D Version="$version" -D SourceDir=dist -D PackagingDir=packaging \
  -o "$work/scanpay.msi" packaging/windows/scanpay.wxs)
for t in Environment MsiServiceConfig MsiServiceConfigFailureActions MsiLockPermissionsEx; do
  msibuild "$work/scanpay.msi" -i "$here/$t.idt"
done
msibuild "$work/scanpay.msi" -q "INSERT INTO \`InstallExecuteSequence\` (\`Action\`, \`Sequence\`) VALUES ('RemoveEnvironmentStrings', 3300)"
msibuild "$work/scanpay.msi" -q "INSERT INTO \`InstallExecuteSequence\` (\`Action\`, \`Sequence\`) VALUES ('WriteEnvironmentStrings', 5200)"
msibuild "$work/scanpay.msi" -q "INSERT INTO \`InstallExecuteSequence\` (\`Action\`, \`Sequence\`) VALUES ('MsiConfigureServices', 5850)"
msibuild "$work/scanpay.msi" -q "UPDATE \`Registry\` SET \`Value\` = '#%%SystemRoot%\\System32\\EventCreate.exe' WHERE \`Name\` = 'EventMessageFile'"
mv "$work/scanpay.msi" "$out"
