#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Self-test of harness/deps.sh, in a few seconds and without root, network or
# apt: deps.sh runs against the stand-ins in harness/selftest/stand-ins/
# (dpkg-query, apt-get, id) placed first on PATH, each case on a fresh
# made-up machine, and each case is one line:
#   PASS deps: CASE
#   FAIL deps: CASE # WHY
# With RESULTS set (harness/test.sh sets it) the lines are also appended to
# that file, in the format of record() in harness/lib.sh, and the final count
# is left to the caller; without it the script ends with 'N passed, N failed'.
# Exits non-zero when a case failed.
#   DEPS_SH=FILE   test another deps.sh (e.g. an old one, to see this fail)
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
DEPS_SH=${DEPS_SH:-$here/../deps.sh}
STANDINS=$here/stand-ins

passed=0
failed=0
result() {
	local r=$1 name="deps: $2" why=${3:-}
	[ "$r" = PASS ] && why=
	echo "$r $name${why:+ # $why}"
	[ -z "${RESULTS:-}" ] || echo "$r $name${why:+ # $why}" >>"$RESULTS"
	if [ "$r" = PASS ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}

[ -r "$DEPS_SH" ] || {
	result FAIL "setup" "cannot read $DEPS_SH"
	exit 1
}
DEPS_SH=$(cd "$(dirname "$DEPS_SH")" && pwd)/$(basename "$DEPS_SH")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mmheap-deps-test.XXXXXX") || {
	result FAIL "setup" "mktemp -d failed"
	exit 1
}
trap 'rm -rf "$tmp"' EXIT

# All stand-ins, first on PATH in every case but one. Their '#!' becomes this
# bash, which saves an exec of env per call and needs nothing on PATH.
bin=$tmp/bin
mkdir -p "$bin"
for t in dpkg-query apt-get id; do
	if ! { echo "#!$BASH" && tail -n +2 "$STANDINS/$t"; } >"$bin/$t" ||
		! chmod +x "$bin/$t"; then
		result FAIL "setup" "cannot copy the stand-in $STANDINS/$t"
		exit 1
	fi
done
# The case without dpkg-query: a PATH that holds only what deps.sh calls (id,
# apt-get) and what its '#!/usr/bin/env bash' needs (env, bash), so the real
# /usr/bin/dpkg-query cannot be found either.
nodpkg=$tmp/nodpkg-bin
mkdir -p "$nodpkg"
ln -s "$BASH" "$nodpkg/bash"
ln -s "$(command -v env)" "$nodpkg/env"
ln -s "$bin/id" "$nodpkg/id"
ln -s "$bin/apt-get" "$nodpkg/apt-get"

for t in dpkg-query apt-get id; do
	if [ "$(PATH=$bin:$PATH command -v "$t")" != "$bin/$t" ]; then
		result FAIL "setup" "the stand-in $t is not first on PATH"
		exit 1
	fi
done
if (PATH=$nodpkg command -v dpkg-query) >/dev/null 2>&1; then
	result FAIL "setup" "dpkg-query found on the PATH that must not have it"
	exit 1
fi

# The made-up machine: the package list deps.sh is given (over two lines, as
# its own is) and what dpkg knows of it. sparse and python3-yaml are unknown to
# dpkg; ccache left only its config files; shellcheck is half-installed;
# qemu-system-x86 is known but not installed.
PKGS='make gcc sparse ccache
shellcheck qemu-system-x86 python3-yaml git'
MISSING='ccache python3-yaml qemu-system-x86 shellcheck sparse'
machine() {
	printf '%s\n' "make installed" "gcc installed" "ccache config-files" \
		"shellcheck half-installed" "qemu-system-x86 not-installed" "git installed"
}
all_installed() {
	local p
	for p in $PKGS; do echo "$p installed"; done
}

# run_deps CASE-DIR [VAR=VALUE...]: run deps.sh in a clean environment with the
# stand-ins first on PATH; the state file CASE-DIR/state must exist. Leaves
# CASE-DIR/out, CASE-DIR/err, CASE-DIR/calls (apt-get's calls) and $rc.
run_deps() {
	local d=$1
	shift
	: >"$d/calls"
	rc=0
	timeout 60 env -i PATH="$bin:$PATH" HOME="$d" \
		MMHEAP_PKGS="$PKGS" MMHEAP_APT_LOG="$d/apt.log" \
		FAKE_DPKG_STATE="$d/state" FAKE_APT_CALLS="$d/calls" FAKE_UID=0 \
		"$@" "$BASH" "$DEPS_SH" </dev/null >"$d/out" 2>"$d/err" || rc=$?
}

newcase() {
	local d
	d=$(mktemp -d "$tmp/case.XXXXXX")
	if [ "${1:-}" = all-installed ]; then all_installed; else machine; fi >"$d/state"
	echo "$d"
}

# First line of a file, shortened, for a reason.
first() {
	local line=
	IFS= read -r line <"$1"
	[ ${#line} -le 120 ] || line="${line:0:117}..."
	echo "$line"
}

# Why CASE-DIR/err is not exactly one line 'mmheap: error: ...' (nothing when it is).
not_one_error() {
	local lines=() re='^mmheap: error: '
	mapfile -t lines <"$1/err"
	if [ ${#lines[@]} -ne 1 ]; then
		echo "stderr has ${#lines[@]} lines, not 1${lines[0]:+, the first: $(first "$1/err")}"
	elif [[ ! ${lines[0]} =~ $re ]]; then
		echo "stderr is not 'mmheap: error: ...': ${lines[0]}"
	fi
}

# The sorted, space-separated set of packages apt-get was asked to install.
installs() {
	local fe cmd args a
	local -A set=()
	while read -r fe cmd args; do
		[ "$cmd" = install ] || continue
		for a in $args; do
			case $a in -*) ;; *) set[$a]=1 ;; esac
		done
	done <"$1/calls"
	[ ${#set[@]} -eq 0 ] || printf '%s\n' "${!set[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

# The subcommands of apt-get's calls, in order, space-separated.
apt_cmds() {
	local fe cmd rest out=()
	while read -r fe cmd rest; do out+=("$cmd"); done <"$1/calls"
	echo "${out[*]}"
}

# Packages the state file does not show as installed.
not_installed() {
	local p st
	while read -r p st; do [ "$st" = installed ] || echo "$p"; done <"$1/state"
}

# check CASE WHY...: PASS when every WHY is empty, else FAIL with the first.
check() {
	local name=$1 w
	shift
	for w in "$@"; do
		if [ -n "$w" ]; then
			result FAIL "$name" "$w"
			return
		fi
	done
	result PASS "$name"
}

# Reasons, each empty when the expectation holds.
want_rc() {
	[ "$rc" = "$1" ] && return
	if [ -s "$2/err" ]; then
		echo "exit $rc, expected $1; stderr: $(first "$2/err")"
	else
		echo "exit $rc, expected $1; stderr empty"
	fi
}
want_no_stderr() { [ ! -s "$1/err" ] || echo "stderr not empty: $(first "$1/err")"; }
want_no_apt() { [ ! -s "$1/calls" ] || echo "apt-get was called: $(apt_cmds "$1")"; }
want_in_error() {
	grep -qiF -e "$2" "$1/err" || echo "the error does not name '$2': $(first "$1/err")"
}
want_word_in_error() {
	grep -qiw -e "$2" "$1/err" || echo "the error does not name '$2': $(first "$1/err")"
}
want_not_in_error() {
	! grep -qw -e "$2" "$1/err" || echo "the error names '$2', which was installed: $(first "$1/err")"
}
# update ran, and before the first install.
want_update_first() {
	local cmd seen=0
	for cmd in $(apt_cmds "$1"); do
		case $cmd in
		update) seen=1 ;;
		install)
			[ "$seen" = 1 ] || echo "'apt-get install' ran before 'apt-get update' (calls: $(apt_cmds "$1"))"
			return
			;;
		esac
	done
	echo "no 'apt-get install' (calls: $(apt_cmds "$1"))"
}

# --- the cases -------------------------------------------------------------

c="a machine missing packages gets exactly those installed"
d=$(newcase)
run_deps "$d"
got=$(installs "$d")
fe=$(grep -m1 ' install ' "$d/calls" | cut -d' ' -f1)
left=$(not_installed "$d" | tr '\n' ' ')
check "$c" "$(want_rc 0 "$d")" \
	"$([ "$got" = "$MISSING" ] || echo "asked to install '$got', expected '$MISSING'")" \
	"$(want_update_first "$d")" \
	"$([ "$fe" = frontend=noninteractive ] || echo "install ran with DEBIAN_FRONTEND '${fe#frontend=}', not noninteractive")" \
	"$([ -z "$left" ] || echo "still not installed afterwards: $left")" \
	"$(want_no_stderr "$d")"

c="everything installed: apt-get is never called"
d=$(newcase all-installed)
run_deps "$d"
check "$c" "$(want_rc 0 "$d")" "$(want_no_apt "$d")" "$(want_no_stderr "$d")"

c="everything installed, not root: no error, apt-get is never called"
d=$(newcase all-installed)
run_deps "$d" FAKE_UID=1000
check "$c" "$(want_rc 0 "$d")" "$(want_no_apt "$d")" "$(want_no_stderr "$d")"

c="not root: one error naming root, nothing installed"
d=$(newcase)
run_deps "$d" FAKE_UID=1000
check "$c" "$(want_rc 1 "$d")" "$(want_no_apt "$d")" "$(not_one_error "$d")" \
	"$(want_word_in_error "$d" root)" \
	"$(machine | cmp -s - "$d/state" || echo "the dpkg state changed")"

c="apt-get update fails: one error naming it and apt's cause"
cause="The repository 'http://deb.debian.org/debian bookworm Release' does not have a Release file."
d=$(newcase)
run_deps "$d" FAKE_APT_UPDATE_FAIL="$cause"
check "$c" "$(want_rc 1 "$d")" "$(not_one_error "$d")" \
	"$(want_in_error "$d" "apt-get update")" "$(want_in_error "$d" "$cause")" \
	"$([ -z "$(installs "$d")" ] || echo "apt-get install ran after update failed")"

c="apt-get install fails: one error naming it and apt's cause"
cause="Unable to locate package python3-yaml"
d=$(newcase)
run_deps "$d" FAKE_APT_INSTALL_FAIL="$cause"
check "$c" "$(want_rc 1 "$d")" "$(not_one_error "$d")" \
	"$(want_in_error "$d" "apt-get install")" "$(want_in_error "$d" "$cause")"

c="install succeeds but a package is still missing: one error naming it"
d=$(newcase)
run_deps "$d" FAKE_APT_NOT_INSTALLED=shellcheck
check "$c" "$(want_rc 1 "$d")" "$(not_one_error "$d")" \
	"$(want_word_in_error "$d" shellcheck)" \
	"$(want_not_in_error "$d" sparse)" "$(want_not_in_error "$d" ccache)" \
	"$(want_not_in_error "$d" python3-yaml)" "$(want_not_in_error "$d" qemu-system-x86)"

c="no dpkg-query on PATH: one error naming it"
d=$(newcase)
run_deps "$d" PATH="$nodpkg"
check "$c" "$(want_rc 1 "$d")" "$(not_one_error "$d")" \
	"$(want_in_error "$d" dpkg-query)" "$(want_no_apt "$d")"

c="apt log not writable: one error naming the log"
d=$(newcase)
log=$d/no-such-dir/apt.log
run_deps "$d" MMHEAP_APT_LOG="$log"
check "$c" "$(want_rc 1 "$d")" "$(not_one_error "$d")" \
	"$(want_in_error "$d" "$log")" "$(want_no_apt "$d")"

[ -n "${RESULTS:-}" ] || echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
