#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the documentation directories the series touches, at the base and at
# the head, and fail on any warning the series adds; run kernel-doc -none on
# every C file and header the series adds or changes.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

DOCDIRS=${DOCDIRS:-core-api driver-api}
# Debian's python3-sphinx lives with /usr/bin/python3, not with a pyenv one.
export PATH=/usr/bin:$PATH

count_warnings() {
	grep -E 'WARNING|ERROR|warning:|error:' "$1" | grep -v '^make' |
		sed -E "s|$WT/||g; s|:[0-9]+:|:|" | sort -u
}

htmldocs() {
	make -C "$WT" O="$1" SPHINXDIRS="$DOCDIRS" htmldocs
}

need_wt
base_id=$(git -C "$GITREPO" rev-parse "$BASE_TAG")
base_warn=$CACHE/docs-warnings-$base_id-$(echo "$DOCDIRS" | tr ' ' _).txt
# The pinned base never changes: its warnings (with Debian bookworm's
# Sphinx) are kept in the harness, so a cold run builds only the head.
pinned=$HARNESS/configs/docs-base-warnings-$(echo "$DOCDIRS" | tr ' ' _).txt
if [ ! -f "$base_warn" ] && [ -f "$pinned" ] &&
	[ "$(head -n 1 "$pinned")" = "# base $base_id" ]; then
	tail -n +2 "$pinned" >"$base_warn"
	note "htmldocs at the base: warnings pinned in $pinned"
fi
# 'docs.sh base-known': are the base's warnings known, so that this script
# need not check the base out (it can then run beside other stages)?
if [ "${1:-}" = base-known ]; then
	[ -f "$base_warn" ]
	exit
fi
if [ ! -f "$base_warn" ]; then
	wt_checkout "$BASE_TAG"
	run_step "htmldocs at the base ($DOCDIRS)" "$LOGDIR/docs-base.log" htmldocs "$BUILD/docs-base"
	count_warnings "$LOGDIR/docs-base.log" >"$base_warn.tmp"
	mv "$base_warn.tmp" "$base_warn"
fi
wt_checkout "$APPLIED"
# Sphinx reports a warning only when it reads the file again: start afresh so
# a warm run sees every warning the series has.
rm -rf "$BUILD/docs"
run_step "htmldocs at the series head ($DOCDIRS)" "$LOGDIR/docs-head.log" htmldocs "$BUILD/docs"
count_warnings "$LOGDIR/docs-head.log" >"$LOGDIR/docs-head-warnings.txt"
new=$(comm -13 "$base_warn" "$LOGDIR/docs-head-warnings.txt")
note "htmldocs warnings: base $(wc -l <"$base_warn"), head $(wc -l <"$LOGDIR/docs-head-warnings.txt"), new $(printf '%s' "$new" | grep -c . || true)"
if [ -n "$new" ]; then
	echo "$new"
	record FAIL "htmldocs ($DOCDIRS): no new warnings" "log: $LOGDIR/docs-head.log"
else
	record PASS "htmldocs ($DOCDIRS): no new warnings"
fi

while read -r f; do
	case $f in
	*.c | *.h) ;;
	*) continue ;;
	esac
	[ -e "$WT/$f" ] || continue
	case $f in tools/*) continue ;; esac
	out=$(cd "$WT" && { scripts/kernel-doc -none -Wall "$f" 2>&1 || true; })
	if [ -n "$out" ]; then
		echo "$out"
		record FAIL "kernel-doc -none: $f"
	else
		record PASS "kernel-doc -none: $f"
	fi
done < <(series_files)
