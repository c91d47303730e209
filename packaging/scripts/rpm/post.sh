#!/bin/sh
# .rpm %post. $1: how many versions are installed once this one is:
# 1 = first install, 2 or more = upgrade.
# Enables the unit on a first install (systemctl enable makes the symlink
# even without a running systemd); restarts a running service on upgrade.
# Starts it only once a configuration exists (else it would be SANDBOX).
unit=scanpay.service
if command -v udevadm >/dev/null; then
	udevadm control --reload-rules || :
	udevadm trigger --subsystem-match=usb || :
fi
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload || :
fi
if [ "$1" -eq 1 ]; then
	systemctl --no-reload enable "$unit" || :
	if [ -d /run/systemd/system ] && [ -f /etc/scanpay/scanpay.toml ]; then
		systemctl start "$unit" || :
	fi
	if [ ! -f /etc/scanpay/scanpay.toml ]; then
		echo "scanpay: copy /etc/scanpay/scanpay.example.toml to /etc/scanpay/scanpay.toml"
		echo "         (install -m 640 -g scanpay), fill it in, check it with"
		echo "         'scanpay check-config', then 'systemctl start scanpay'."
	fi
elif [ -d /run/systemd/system ]; then
	systemctl try-restart "$unit" || :
fi
exit 0
