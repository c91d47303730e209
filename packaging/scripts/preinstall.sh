#!/bin/sh
# Create the service user before files are owned by it. dialout: serial
# scanners; plugdev: USB HID scanners through libusb (see the udev rule).
# Two groups: scanpay is the service user's own and may read the wallet
# keys (never add anyone else to it); scanpay-pos is for the POS's user,
# and gives the API socket (/run/scanpay) only.
set -e
# .deb preinst: install, upgrade or abort-upgrade; .rpm %pre: 1 (install)
# or 2 and more (upgrade). Creating the user is the same for both.
case "$1" in
install | upgrade | [0-9]*) ;;
*) exit 0 ;;
esac
if ! getent group scanpay >/dev/null; then
	groupadd --system scanpay
fi
if ! getent passwd scanpay >/dev/null; then
	useradd --system --gid scanpay --home-dir /var/lib/scanpay --no-create-home \
		--shell /usr/sbin/nologin --comment "scanpay payment service" scanpay
fi
if ! getent group scanpay-pos >/dev/null; then
	groupadd --system scanpay-pos
fi
for g in dialout plugdev scanpay-pos; do
	if getent group "$g" >/dev/null; then
		usermod -a -G "$g" scanpay
	fi
done
