#!/bin/sh
# Stop the service on removal; the journal in /var/lib/scanpay stays (it is
# the record of every payment).
set -e
if [ -d /run/systemd/system ]; then
	systemctl stop scanpay.service || true
	systemctl disable scanpay.service || true
fi
