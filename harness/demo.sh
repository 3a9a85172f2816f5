#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Show the heap working: install what is needed, fetch and verify the base,
# apply the series, build the guest kernel, boot it and drive the heap.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/deps.sh" || exit 1
# shellcheck source=lib.sh
. "$here/lib.sh"
: >"$RESULTS"
bash "$HARNESS/base.sh"
bash "$HARNESS/series.sh" apply
if ! wt_at_head ||
	[ ! -f "$BUILD/lean/arch/x86/boot/bzImage" ]; then
	bash "$HARNESS/build.sh" head
else
	wt_checkout "$APPLIED"
	run_step "build guest kernel (incremental)" "$LOGDIR/build-head.log" \
		bash -c "$(declare -f lean_config kmake); WT='$WT' HARNESS='$HARNESS' JOBS='$JOBS' CC_ARG='$CC_ARG' HOSTCC_ARG='$HOSTCC_ARG'; lean_config '$BUILD/lean'; kmake O='$BUILD/lean' W=1 bzImage"
fi
bash "$HARNESS/guest.sh" demo >/dev/null
sed -n '/=== GUEST START/,/=== GUEST DONE/p' "$LOGDIR/guest-demo.log" | grep -v '^\[ *[0-9.]*\] '
grep -q '=== GUEST DONE' "$LOGDIR/guest-demo.log" || die "the demo guest did not finish; log: $LOGDIR/guest-demo.log"
