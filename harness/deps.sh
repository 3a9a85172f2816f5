#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install what the harness needs from Debian's archive (bookworm), once.
set -euo pipefail
PKGS="make gcc libc6-dev flex bison bc libelf-dev libssl-dev ccache sparse
qemu-system-x86 busybox-static cpio xz-utils python3 perl git kmod rsync
python3-sphinx python3-sphinx-rtd-theme python3-yaml"
missing=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' $PKGS 2>/dev/null |
	awk '$2 != "installed" { print $1 }')
# dpkg-query says nothing of packages it never heard of.
for p in $PKGS; do
	dpkg-query -W "$p" >/dev/null 2>&1 || missing="$missing $p"
done
missing=$(echo $missing | tr ' ' '\n' | sort -u | tr '\n' ' ')
if [ -n "${missing// /}" ]; then
	echo "mmheap: installing:$missing"
	[ "$(id -u)" = 0 ] || { echo "mmheap: error: run as root to apt-get install:$missing" >&2; exit 1; }
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends $missing >/var/log/mmheap-apt.log 2>&1 || {
		tail -n 20 /var/log/mmheap-apt.log >&2
		echo "mmheap: error: apt-get install failed; log: /var/log/mmheap-apt.log" >&2
		exit 1
	}
fi
echo "mmheap: dependencies installed"
