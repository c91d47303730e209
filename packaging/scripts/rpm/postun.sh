#!/bin/sh
# .rpm %postun. $1: 0 = removal, 1 = upgrade.
# Reloads systemd and the udev rules after the files are gone. The journal
# in /var/lib/scanpay stays: it is the store's payment record.
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload || :
fi
if [ "$1" -eq 0 ]; then
	if command -v udevadm >/dev/null; then
		udevadm control --reload-rules || :
	fi
	if [ -d /var/lib/scanpay ]; then
		echo "scanpay: /var/lib/scanpay is kept: its journal is the store's payment record."
		echo "         Once it is no longer needed: rm -r /var/lib/scanpay"
	fi
fi
exit 0
