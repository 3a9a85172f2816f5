#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the lean guest kernel at every patch of the series (bisectability),
# with W=1, and sparse (C=2) on the C files each patch touches. The base is
# not built on its own: the first patch's build is the full one. A warning
# in a file the series touches fails the patch. The build directory ends at
# the head of the series: that bzImage is the guest kernel.
#   build.sh bisect   every patch
#   build.sh head     the head only (for the demo)
#   build.sh rt       the head, PREEMPT_RT variant, in $BUILD/lean-rt
#   build.sh debug-rt the head, PREEMPT_RT with the debug options, in
#                     $BUILD/lean-debug-rt
#   build.sh defconfig the head as a user builds it: make defconfig
#                     mmheap.config, in $BUILD/defconfig
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

O=$BUILD/lean

# Build $O at $1 with W=1: make target $3 (bzImage by default). With $2
# set, sparse too: in the same make (C=1) when the patch touches no header
# outside drivers/staging/, so that what make recompiles is what it touches
# and the files including its headers; else in a second make on the objects
# sparse_targets names. With $4 set, the config is made again only if the
# patch touches a Kconfig file: making it takes 15 s, and make then spends
# 9 s more on syncing it.
build_at() {
	local rev=$1 sparse=$2 target=${3:-bzImage} keep=${4:-} files t
	files=$(touched "$rev")
	wt_checkout "$rev"
	if [ -z "$keep" ] || [ ! -f "$O/.config" ] || grep '\(^\|/\)Kconfig' <<<"$files" >/dev/null; then
		lean_config "$O"
	fi
	if [ -n "$sparse" ] && ! grep -E '\.h$' <<<"$files" | grep -v '^drivers/staging/' >/dev/null; then
		kmake O="$O" W=1 C=1 "$target"
		return
	fi
	kmake O="$O" W=1 "$target" || return
	[ -n "$sparse" ] || return 0
	mapfile -t t < <(sparse_targets "$rev")
	[ ${#t[@]} = 0 ] || kmake O="$O" W=1 C=2 "${t[@]}"
}

# The files commit $1 touches.
touched() {
	git -C "$GITREPO" diff-tree --no-commit-id --name-only -r "$1"
}

# Does commit $1 touch a file the kernel compiles?
touches_compiled() {
	touched "$1" | grep -vE '^(Documentation/|tools/|MAINTAINERS$|kernel/configs/)' >/dev/null
}

# The objects sparse checks at patch $1: of the C files it touches, those
# this config builds; if it touches a header, every such C file of the series
# so far (a header is checked through the files that include it). Not C=1:
# that checks every file the patch makes make rebuild, some 500 of them
# for a comment in kthread.h, a quarter hour on 2 cores from a cold ccache.
sparse_targets() {
	local c=$1 files f
	files=$(touched "$c")
	if grep -q '\.h$' <<<"$files"; then
		files=$(git -C "$GITREPO" diff --name-only "$BASE_TAG" "$c")
	fi
	for f in $files; do
		case $f in
		*.c) [ ! -f "$O/${f%.c}.o" ] || echo "${f%.c}.o" ;;
		esac
	done
}

# Warnings and errors, gcc's and sparse's, that name a file the series touches.
series_warnings() {
	local log=$1 f
	while read -r f; do
		grep -E "(^|/)$(printf '%s' "$f" | sed 's/[.[\*^$]/\\&/g'):[0-9]+(:[0-9]+)?: (warning|error)" "$log" || true
	done < <(series_files)
}

bisect() {
	local c i=0 n log w subject last target keep=''
	need_wt
	n=$(git -C "$GITREPO" rev-list --count "$BASE_TAG..$APPLIED")
	# vmlinux proves a patch links; the last one that changes what is
	# compiled makes the bzImage the guests boot.
	for c in $(git -C "$GITREPO" rev-list "$BASE_TAG..$APPLIED"); do
		touches_compiled "$c" && { last=$c; break; }
	done
	for c in $(git -C "$GITREPO" rev-list --reverse "$BASE_TAG..$APPLIED"); do
		i=$((i + 1))
		subject=$(git -C "$GITREPO" log -1 --format=%s "$c")
		log=$LOGDIR/build-$(printf %04d $i).log
		# A patch that touches nothing the kernel compiles cannot break
		# the build: skip the relink.
		if ! touches_compiled "$c"; then
			wt_checkout "$c"
			note "build patch $i/$n: $subject: nothing compiled changes, not rebuilt"
			record PASS "build patch $i/$n: $subject" "touches no compiled file"
			continue
		fi
		target=vmlinux
		[ "$c" != "$last" ] || target=bzImage
		# The first build makes the config; the others keep it unless
		# they touch a Kconfig file.
		if ! (run_step "build patch $i/$n (W=1, sparse): $subject" "$log" build_at "$c" sparse "$target" "$keep"); then
			record FAIL "build patch $i/$n: $subject" "log: $log"
			continue
		fi
		keep=1
		w=$(series_warnings "$log")
		if [ -n "$w" ]; then
			echo "$w"
			record FAIL "build patch $i/$n: $subject" "new warnings, log: $log"
		else
			record PASS "build patch $i/$n: $subject"
		fi
	done
	wt_at_head ||
		die "the series head did not build"
}

head_only() {
	need_wt
	run_step "build guest kernel" "$LOGDIR/build-head.log" build_at "$APPLIED" ""
}

# The same guest with PREEMPT_RT, where spinlock_t sleeps: no allocation may
# wait for the SCHED_IDLE refill thread there either.
rt() {
	local o=$BUILD/lean-rt
	need_wt
	wt_checkout "$APPLIED"
	lean_config "$o" "$HARNESS/configs/rt.config"
	grep -q '^CONFIG_PREEMPT_RT=y' "$o/.config" ||
		die "CONFIG_PREEMPT_RT did not stick in $o/.config"
	run_step "build guest kernel (PREEMPT_RT)" "$LOGDIR/build-rt.log" \
		kmake O="$o" bzImage
}

# The PREEMPT_RT guest with KASAN, DEBUG_PAGEALLOC, kmemleak, debugobjects
# and lockdep (configs/debug.config) as well.
debug_rt() {
	local o=$BUILD/lean-debug-rt opt
	need_wt
	wt_checkout "$APPLIED"
	lean_config "$o" "$HARNESS/configs/rt.config" "$HARNESS/configs/debug.config"
	# A checker that does not stick (a dependency missing) must not pass
	# unseen as a clean run.
	for opt in PREEMPT_RT KASAN_GENERIC DEBUG_PAGEALLOC DEBUG_KMEMLEAK \
		DEBUG_OBJECTS_WORK DEBUG_OBJECTS_TIMERS DEBUG_OBJECTS_RCU_HEAD \
		DEBUG_LIST DEBUG_SG PROVE_LOCKING PROVE_RCU DEBUG_ATOMIC_SLEEP \
		DETECT_HUNG_TASK PAGE_POISONING KUNIT_DEBUGFS; do
		grep -q "^CONFIG_$opt=y" "$o/.config" ||
			die "CONFIG_$opt did not stick in $o/.config (configs/debug.config)"
	done
	! grep -q '^CONFIG_KFENCE=y' "$o/.config" ||
		die "CONFIG_KFENCE is on in $o/.config (configs/debug.config)"
	run_step "build guest kernel (PREEMPT_RT, debug)" "$LOGDIR/build-debug-rt.log" \
		kmake O="$o" bzImage
}

# The user's path: x86_64's defconfig plus the series' fragment. About 36
# minutes from a cold ccache on 2 cores (2143 s measured); progress every
# 30 s with the number of objects built so far.
defconfig() {
	local o=$BUILD/defconfig opt
	need_wt
	wt_checkout "$APPLIED"
	mkdir -p "$o"
	make -C "$WT" O="$o" defconfig mmheap.config >"$LOGDIR/defconfig-config.log" 2>&1 ||
		die "make defconfig mmheap.config failed; log: $LOGDIR/defconfig-config.log"
	for opt in MMHEAP MMHEAP_KUNIT_TEST KTHREAD_KUNIT_TEST KUNIT_DEBUGFS MEMCG \
		DRM_VGEM VIDEO_VIVID; do
		grep -q "^CONFIG_$opt=y" "$o/.config" ||
			die "CONFIG_$opt did not stick in $o/.config (kernel/configs/mmheap.config)"
	done
	run_step "build the defconfig kernel (make defconfig mmheap.config)" \
		"$LOGDIR/build-defconfig.log" kmake O="$o" bzImage
}

case ${1:-} in
bisect) bisect ;;
head) head_only ;;
rt) rt ;;
debug-rt) debug_rt ;;
defconfig) defconfig ;;
*) die "usage: build.sh bisect|head|rt|debug-rt|defconfig" ;;
esac
