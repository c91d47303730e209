#!/bin/sh
# Create the service user before files are owned by it. dialout: serial
# scanners; plugdev: USB HID scanners through libusb (see the udev rule).
set -e
if ! getent group scanpay >/dev/null; then
	groupadd --system scanpay
fi
if ! getent passwd scanpay >/dev/null; then
	useradd --system --gid scanpay --home-dir /var/lib/scanpay --no-create-home \
		--shell /usr/sbin/nologin --comment "scanpay payment service" scanpay
fi
for g in dialout plugdev; do
	if getent group "$g" >/dev/null; then
		usermod -a -G "$g" scanpay
	fi
done
