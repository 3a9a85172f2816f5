#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs shellcheck on every shell script under harness/, one line per file:
#   PASS shellcheck: harness/FILE
#   FAIL shellcheck: harness/FILE # WHY
# The findings go to stderr. A script is a file named *.sh or one
# whose '#!' names a shell (sh, bash, dash, busybox sh), so a new script is
# checked without being listed here.
#
# How the scripts are written for it: each '. .../lib.sh' has a
# '# shellcheck source=lib.sh' directive above it, which -x -P SCRIPTDIR
# resolves from the script's own directory, from any working directory;
# lib.sh says '# shellcheck shell=bash', the guest's busybox scripts are
# checked as POSIX sh; a deliberate pattern has a one-line
# '# shellcheck disable=SCxxxx # reason'. --norc: no .shellcheckrc of the
# machine's changes the result.
#
# With RESULTS set (harness/test.sh sets it) the lines are also appended to
# that file and the final count is left to the caller; without it the script
# ends with 'N passed, N failed'. Exits non-zero when a file failed, or when
# there is no shellcheck (harness/deps.sh installs it): that is a failure too.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
harness=$(cd "$here/.." && pwd)
# Files are named from the repository's root: harness/FILE.
repo=$(dirname "$harness")
hname=$(basename "$harness")
SHELLCHECK=${SHELLCHECK:-shellcheck}
SC_ARGS=(--norc -x -P SCRIPTDIR)

passed=0
failed=0
result() {
	local r=$1 name="shellcheck: $2" why=${3:-}
	echo "$r $name${why:+ # $why}"
	[ -z "${RESULTS:-}" ] || echo "$r $name${why:+ # $why}" >>"$RESULTS"
	if [ "$r" = PASS ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}
summary() {
	[ -n "${RESULTS:-}" ] || echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
}

indent() {
	local line
	while IFS= read -r line; do echo "  $line"; done <<<"$1"
}

# True when FILE is a shell script.
is_shell() {
	local first=
	case $1 in *.sh) return 0 ;; esac
	IFS= read -r first <"$1" 2>/dev/null || true
	[[ $first =~ ^#![[:space:]]*[^[:space:]]*/((ba|da)?sh|env[[:space:]]+(ba|da)?sh|busybox[[:space:]]+sh)([[:space:]]|$) ]]
}

if ! command -v "$SHELLCHECK" >/dev/null 2>&1; then
	result FAIL "installed" "$SHELLCHECK not found on PATH; harness/deps.sh installs it (Debian package shellcheck)"
	summary
	exit
fi

cd "$repo" || exit 1
files=()
while IFS= read -r f; do
	is_shell "$f" && files+=("$f")
done < <(find "$hname" -type f ! -path '*/.git/*' | LC_ALL=C sort)
if [ ${#files[@]} -eq 0 ]; then
	result FAIL "scripts found" "no shell script under $harness"
	summary
	exit
fi

for f in "${files[@]}"; do
	rc=0
	out=$("$SHELLCHECK" "${SC_ARGS[@]}" -f gcc "$f" 2>&1) || rc=$?
	case $rc in
	0) result PASS "$f" ;;
	1)
		# -f gcc: 'FILE:LINE:COL: LEVEL: MESSAGE [SCxxxx]', one a line.
		indent "$out" >&2
		codes=$(grep -oE '\[SC[0-9]+\]$' <<<"$out" | tr -d '[]' | sort -u | tr '\n' ' ')
		n=$(grep -c . <<<"$out")
		[ "$n" = 1 ] && n="1 finding" || n="$n findings"
		result FAIL "$f" "$n: ${codes% }; run: shellcheck ${SC_ARGS[*]} $f"
		;;
	*)
		indent "$out" >&2
		result FAIL "$f" "shellcheck exit $rc: $(head -n 1 <<<"$out")"
		;;
	esac
done
summary
