#!/usr/bin/env bash
# Builds the .deb and .rpm with nfpm (two versions), runs lintian on the
# .deb, and installs, upgrades, removes and purges both formats for real
# (dpkg --root, rpm --root) in a throwaway root. The scriptlets run
# chrooted there, with stub systemctl, deb-systemd-helper,
# deb-systemd-invoke, udevadm, getent, groupadd, useradd and usermod that
# only log their arguments; each step checks what was logged.
#
# Needs: root (chroot), go, nfpm, dpkg, rpm, lintian, gcc.
#   bash packaging/test-packages.sh        (CI: .ci/run)
set -euo pipefail
cd "$(dirname "$0")/.."

NFPM=${NFPM:-$(command -v nfpm || echo "$(go env GOPATH)/bin/nfpm")}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok:   $*"; }

# --- build: a stripped PIE cgo binary and both formats, 1.0.0 and 1.0.1 ---
mkdir -p dist
gzip -9n <packaging/deb/changelog >dist/changelog.gz
for v in 1.0.0 1.0.1; do
	CGO_ENABLED=1 go build -trimpath -buildmode=pie -o dist/scanpay \
		-ldflags "-s -w -X main.version=$v" ./cmd/scanpay
	for p in deb rpm; do
		VERSION=$v "$NFPM" package -f packaging/nfpm.yaml -p $p -t "$work/" >/dev/null
	done
done
deb1=$work/scanpay_1.0.0_amd64.deb deb2=$work/scanpay_1.0.1_amd64.deb
rpm1=$work/scanpay-1.0.0-1.x86_64.rpm rpm2=$work/scanpay-1.0.1-1.x86_64.rpm
ls "$deb1" "$deb2" "$rpm1" "$rpm2" >/dev/null

# --- lintian: clean, every remaining tag explained in the override file ---
if lintian --fail-on error,warning "$deb1" 2>&1 | grep -v 'root privileges'; then :; fi
if lintian --fail-on error,warning "$deb1" >/dev/null 2>&1; then
	pass "lintian: no error or warning beyond packaging/deb/lintian-overrides"
else
	fail "lintian reports errors or warnings (above)"
fi

# --- a throwaway root with /bin/sh, coreutils and logging stubs ---
# newroot ROOT WITH_HELPERS(yes|no) SYSTEMD_RUNNING(yes|no)
newroot() {
	local r=$1 helpers=$2 running=$3
	mkdir -p "$r"/{bin,usr/bin,usr/sbin,tmp,var/tmp,etc,var/lib/dpkg/info,var/lib/dpkg/updates,var/lib/dpkg/triggers}
	touch "$r/var/lib/dpkg/status" "$r/var/lib/dpkg/available" "$r/stub.log"
	mkdir -p "$r/dev" && mknod -m 666 "$r/dev/null" c 1 3 # the scriptlets' >/dev/null
	cp /bin/dash "$r/bin/sh"
	for t in mkdir ln rm; do cp "$(command -v $t)" "$r/bin/$t"; done
	for lib in $(ldd /bin/dash /bin/mkdir /bin/ln /bin/rm | grep -o '/[^ ]*\.so[^ ]*' | sort -u); do
		cp --parents -L "$lib" "$r/"
	done
	local stubs="getent groupadd useradd usermod udevadm"
	[ "$helpers" = yes ] && stubs="$stubs systemctl deb-systemd-helper deb-systemd-invoke"
	for s in $stubs; do
		# getent finds nothing (so the user is created); every stub logs.
		printf '#!/bin/sh\necho "%s $*" >>/stub.log\n[ "%s" = getent ] && exit 2\nexit 0\n' "$s" "$s" >"$r/usr/bin/$s"
		chmod 755 "$r/usr/bin/$s"
	done
	[ "$running" = yes ] && mkdir -p "$r/run/systemd/system"
	return 0
}

# step NAME ROOT -- COMMAND...: runs COMMAND with an empty stub log.
step() {
	local name=$1 r=$2
	shift 3
	: >"$r/stub.log"
	if ! out=$(PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@" 2>&1); then
		fail "$name: $*"
		echo "$out"
	fi
	echo "--- $name: the scriptlets ran:"
	sed 's/^/    /' "$r/stub.log"
	printf '%s\n' "$out" | grep -i 'scanpay:' | sed 's/^/    says: /' || true
}
# has ROOT NAME LINE / hasnt ROOT NAME PATTERN: about the last step's log.
has() { if grep -qxF -- "$3" "$1/stub.log"; then pass "$2: ran '$3'"; else fail "$2: did not run '$3'"; fi; }
hasnt() { if grep -q -- "$3" "$1/stub.log"; then fail "$2: ran '$3' (must not)"; else pass "$2: did not run '$3'"; fi; }

unit=scanpay.service
dpkgr() { dpkg --root="$1" --force-depends --force-bad-path --log=/dev/null "${@:2}"; }

# --- .deb, systemd running, debhelper's helpers present ---
r=$work/deb
newroot "$r" yes yes
step "deb install" "$r" -- dpkgr "$r" -i "$deb1"
has "$r" "deb install" "groupadd --system scanpay"
has "$r" "deb install" "deb-systemd-helper enable $unit"
has "$r" "deb install" "systemctl --system daemon-reload"
has "$r" "deb install" "udevadm control --reload-rules"
hasnt "$r" "deb install" "deb-systemd-invoke start" # no configuration yet: no SANDBOX service
[ -f "$r/usr/lib/systemd/system/$unit" ] && pass "deb: unit in /usr/lib/systemd/system" || fail "deb: no unit in /usr/lib/systemd/system"
echo journal >"$r/var/lib/scanpay/journal.db"

step "deb upgrade" "$r" -- dpkgr "$r" -i "$deb2"
has "$r" "deb upgrade" "deb-systemd-invoke try-restart $unit"
hasnt "$r" "deb upgrade" "stop"
hasnt "$r" "deb upgrade" "disable"
hasnt "$r" "deb upgrade" "purge"

step "deb remove" "$r" -- dpkgr "$r" -r scanpay
has "$r" "deb remove" "deb-systemd-invoke stop $unit"
has "$r" "deb remove" "deb-systemd-helper disable $unit"
has "$r" "deb remove" "systemctl --system daemon-reload"
has "$r" "deb remove" "udevadm control --reload-rules"
[ ! -e "$r/usr/bin/scanpay" ] && pass "deb remove: binary gone" || fail "deb remove: binary left"

step "deb purge" "$r" -- dpkgr "$r" -P scanpay
has "$r" "deb purge" "deb-systemd-helper purge $unit"
[ -f "$r/var/lib/scanpay/journal.db" ] && pass "deb purge: the journal is kept" || fail "deb purge: the journal is gone"

# --- .deb in an image build: no systemd running, no helpers ---
r=$work/deb-image
newroot "$r" no no
step "deb install (image)" "$r" -- dpkgr "$r" -i "$deb1"
link=$r/etc/systemd/system/multi-user.target.wants/$unit
if [ "$(readlink "$link" 2>/dev/null)" = "/usr/lib/systemd/system/$unit" ]; then
	pass "deb install (image): enabled by symlink without systemd"
else
	fail "deb install (image): no symlink $link"
fi
step "deb upgrade (image)" "$r" -- dpkgr "$r" -i "$deb2"
[ -L "$link" ] && pass "deb upgrade (image): still enabled" || fail "deb upgrade (image): symlink lost"
step "deb remove (image)" "$r" -- dpkgr "$r" -r scanpay
[ ! -e "$link" ] && [ ! -L "$link" ] && pass "deb remove (image): symlink removed" || fail "deb remove (image): symlink left"

# --- .rpm, systemd running ---
r=$work/rpm
newroot "$r" yes yes
rpmr() { rpm --root="$1" --nodeps --noplugins "${@:2}"; }
rpm --root="$r" --initdb
step "rpm install" "$r" -- rpmr "$r" -i "$rpm1"
has "$r" "rpm install" "groupadd --system scanpay"
has "$r" "rpm install" "systemctl --no-reload enable $unit"
has "$r" "rpm install" "udevadm control --reload-rules"
hasnt "$r" "rpm install" "systemctl start"
[ "$(rpm --root="$r" -qf /etc/scanpay 2>/dev/null)" = scanpay-1.0.0-1.x86_64 ] && pass "rpm owns /etc/scanpay" || fail "rpm does not own /etc/scanpay"
echo journal >"$r/var/lib/scanpay/journal.db"

step "rpm upgrade" "$r" -- rpmr "$r" -U "$rpm2"
has "$r" "rpm upgrade" "systemctl try-restart $unit"
hasnt "$r" "rpm upgrade" "stop"
hasnt "$r" "rpm upgrade" "disable"

step "rpm remove" "$r" -- rpmr "$r" -e scanpay
has "$r" "rpm remove" "systemctl stop $unit"
has "$r" "rpm remove" "systemctl --no-reload disable $unit"
has "$r" "rpm remove" "systemctl daemon-reload"
has "$r" "rpm remove" "udevadm control --reload-rules"
[ -f "$r/var/lib/scanpay/journal.db" ] && pass "rpm remove: the journal is kept" || fail "rpm remove: the journal is gone"

echo
if [ $failures -gt 0 ]; then
	echo "packages: $failures check(s) failed"
	exit 1
fi
echo "packages: every check passed"
