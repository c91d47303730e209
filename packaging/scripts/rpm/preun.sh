#!/bin/sh
# .rpm %preun. $1: how many versions remain once this one is gone:
# 0 = removal, 1 = upgrade (the old package's %preun runs after the new
# one's %post: stopping here on an upgrade would leave the service down).
unit=scanpay.service
if [ "$1" -eq 0 ]; then
	if [ -d /run/systemd/system ]; then
		systemctl stop "$unit" || :
	fi
	systemctl --no-reload disable "$unit" || :
fi
exit 0
