#!/bin/sh
# .deb prerm. $1: remove, upgrade, deconfigure or failed-upgrade.
# Stops the service on removal only: on an upgrade the new postinst
# restarts it.
set -e
case "$1" in
remove | deconfigure)
	if [ -d /run/systemd/system ]; then
		deb-systemd-invoke stop scanpay.service >/dev/null || true
	fi
	;;
esac
exit 0
