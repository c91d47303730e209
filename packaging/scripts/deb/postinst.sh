#!/bin/sh
# .deb postinst. $1: configure (with the version replaced as $2 on an
# upgrade, none on a first install) or abort-*.
# Enables the unit the way deb-systemd-helper does, even in a chroot or an
# image build (no running systemd: the symlink is still made). Starts the
# service only once a configuration exists: without one it would run in
# SANDBOX mode. On an upgrade, restarts it if it was running.
set -e
unit=scanpay.service

case "$1" in
configure) ;;
abort-upgrade | abort-remove | abort-deconfigure) exit 0 ;;
*) exit 0 ;;
esac

if command -v udevadm >/dev/null; then
	udevadm control --reload-rules || true
	udevadm trigger --subsystem-match=usb || true
fi

# As debhelper does: was-enabled is true on a first install, and on an
# upgrade keeps what the administrator chose (enabled or disabled).
if command -v deb-systemd-helper >/dev/null; then
	if deb-systemd-helper --quiet was-enabled "$unit"; then
		deb-systemd-helper enable "$unit" >/dev/null || true
	else
		deb-systemd-helper update-state "$unit" >/dev/null || true
	fi
elif [ -z "$2" ]; then
	mkdir -p /etc/systemd/system/multi-user.target.wants
	ln -sf "/usr/lib/systemd/system/$unit" "/etc/systemd/system/multi-user.target.wants/$unit"
fi

if [ -d /run/systemd/system ]; then
	systemctl --system daemon-reload >/dev/null || true
	if [ -n "$2" ]; then
		deb-systemd-invoke try-restart "$unit" >/dev/null || true
	elif [ -f /etc/scanpay/scanpay.toml ]; then
		deb-systemd-invoke start "$unit" >/dev/null || true
	fi
fi

if [ -z "$2" ] && [ ! -f /etc/scanpay/scanpay.toml ]; then
	echo "scanpay: create the configuration, readable by the service user (group scanpay):"
	echo "           install -m 640 -g scanpay /etc/scanpay/scanpay.example.toml /etc/scanpay/scanpay.toml"
	echo "         fill it in; put the wallet keys in /etc/scanpay/secrets (see the file's"
	echo "         comments: install -d -m 750 -g scanpay /etc/scanpay/secrets, each key file"
	echo "         -m 640 -g scanpay) or as VAR=value lines in /etc/scanpay/scanpay.env (same mode);"
	echo "         check it with 'scanpay check-config', then 'systemctl start scanpay'."
	echo "         The POS's API token appears in /var/lib/scanpay/api-token at the first start."
	echo "         For api.socket, add the POS's user to group scanpay-pos (never to group"
	echo "         scanpay, which may read the wallet keys): usermod -a -G scanpay-pos <pos-user>"
fi
exit 0
