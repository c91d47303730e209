#!/bin/sh
# Reload units and udev rules. The service is enabled but started only once
# a configuration exists: without one it would run in SANDBOX mode.
set -e
if command -v udevadm >/dev/null; then
	udevadm control --reload-rules || true
	udevadm trigger --subsystem-match=usb || true
fi
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload
	systemctl enable scanpay.service
	if [ -f /etc/scanpay/scanpay.toml ]; then
		systemctl restart scanpay.service
	else
		echo "scanpay: copy /etc/scanpay/scanpay.example.toml to /etc/scanpay/scanpay.toml,"
		echo "         fill it in, check it with 'scanpay check-config', then 'systemctl start scanpay'."
	fi
fi
