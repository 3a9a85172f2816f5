#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install what the harness needs from Debian's archive (bookworm), once.
#
# Works on a machine that has never heard of some of the packages: dpkg-query
# is asked about one package at a time and its exit status is read, never
# trusted to succeed. Every way this can fail prints one line,
# 'mmheap: error: ...', naming the cause, and exits 1.
# harness/selftest/deps-test.sh runs this script against stand-ins.
#
# Variables: MMHEAP_PKGS (the list; tests only), MMHEAP_APT_LOG (apt's log).
set -uo pipefail

PKGS=${MMHEAP_PKGS:-"make gcc libc6-dev flex bison bc libelf-dev libssl-dev
ccache sparse qemu-system-x86 busybox-static cpio xz-utils python3 perl git
kmod rsync shellcheck python3-sphinx python3-sphinx-rtd-theme python3-yaml
gnuplot-nox"}
APT_LOG=${MMHEAP_APT_LOG:-/var/log/mmheap-apt.log}

fail() {
	echo "mmheap: error: $*" >&2
	exit 1
}

# installed PKG: true when dpkg knows PKG and it is fully installed.
installed() {
	local st
	st=$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) || return 1
	[ "$st" = installed ]
}

# The last line apt printed that says why it failed (E: ...), if any.
apt_cause() {
	local line cause=""
	while IFS= read -r line; do
		case $line in
		E:* | Err:*) cause=$line ;;
		esac
	done <"$APT_LOG"
	echo "${cause:-see the log}"
}

command -v dpkg-query >/dev/null 2>&1 ||
	fail "dpkg-query not found: the harness needs Debian (bookworm) or a derivative"

missing=()
for p in $PKGS; do
	installed "$p" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "mmheap: dependencies installed"
	exit 0
fi

echo "mmheap: installing: ${missing[*]}"
[ "$(id -u)" = 0 ] ||
	fail "not root: run as root, or apt-get install ${missing[*]}"
command -v apt-get >/dev/null 2>&1 ||
	fail "apt-get not found: install ${missing[*]} by hand"
: 2>/dev/null >"$APT_LOG" ||
	fail "cannot write the apt log $APT_LOG"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >>"$APT_LOG" 2>&1 ||
	fail "apt-get update failed: $(apt_cause) (log: $APT_LOG)"
apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$APT_LOG" 2>&1 ||
	fail "apt-get install failed: $(apt_cause) (log: $APT_LOG)"

still=()
for p in "${missing[@]}"; do
	installed "$p" || still+=("$p")
done
[ ${#still[@]} -eq 0 ] ||
	fail "apt-get install succeeded but these are still not installed: ${still[*]} (log: $APT_LOG)"
echo "mmheap: dependencies installed"
