#!/bin/sh
# .deb postrm. $1: remove, purge, upgrade, failed-upgrade, abort-install,
# abort-upgrade or disappear.
# After removal: disable the unit, reload systemd and the udev rules.
# Purge keeps /var/lib/scanpay: its journal is the store's payment record.
set -e
unit=scanpay.service
case "$1" in
remove | purge) ;;
*) exit 0 ;;
esac

if command -v deb-systemd-helper >/dev/null; then
	if [ "$1" = purge ]; then
		deb-systemd-helper purge "$unit" >/dev/null || true
	else
		deb-systemd-helper disable "$unit" >/dev/null || true
	fi
else
	rm -f "/etc/systemd/system/multi-user.target.wants/$unit"
fi
if [ -d /run/systemd/system ]; then
	systemctl --system daemon-reload >/dev/null || true
fi
if command -v udevadm >/dev/null; then
	udevadm control --reload-rules || true
fi
if [ "$1" = purge ] && [ -d /var/lib/scanpay ]; then
	echo "scanpay: /var/lib/scanpay is kept: its journal is the store's payment record."
	echo "         Once it is no longer needed: rm -r /var/lib/scanpay"
fi
exit 0
