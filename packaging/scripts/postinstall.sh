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
fi
