#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the kselftests against the tree's own headers, pack a busybox initramfs
# with them and the guest script, boot the lean kernel in QEMU, and read the
# serial log: TAP results are counted, and an oops, BUG, WARNING, KASAN,
# lockdep or hung-task report fails the boot.
#   guest.sh test|demo|bench
# GUEST_KERNEL=lean-rt boots the PREEMPT_RT variant (build.sh rt);
# GUEST_KERNEL=lean-debug-rt boots the PREEMPT_RT debug variant (build.sh
# debug-rt) with init_on_free=1, runs the KUnit suites at boot and twice more,
# and fails on any kmemleak report once the tests are over.
# GUEST_KERNEL=defconfig boots the user's kernel (build.sh defconfig: make
# defconfig mmheap.config) and runs its KUnit suites at boot and twice more.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

MODE=${1:-test}
GUEST_KERNEL=${GUEST_KERNEL:-lean}
O=$BUILD/$GUEST_KERNEL
# Result names carry the kernel when it is not the plain lean guest.
LABEL=$MODE
[ "$GUEST_KERNEL" = lean ] || LABEL="$MODE ($GUEST_KERNEL)"
# ... and so do the log's name and the kselftest results: -rt, -debug-rt,
# -defconfig.
SUFFIX=${GUEST_KERNEL#lean}
case $SUFFIX in '' | -*) ;; *) SUFFIX=-$SUFFIX ;; esac
KSFT_TARGETS=${KSFT_TARGETS:-dmabuf-heaps mmheap}
GUEST_MEM=${GUEST_MEM:-2G}
GUEST_CPUS=${GUEST_CPUS:-2}
DEBUG=
case $GUEST_KERNEL in
*debug*)
	DEBUG=1
	GUEST_KUNIT=${GUEST_KUNIT:-1}
	# mmheap.prefill= with a bad value: mmheap-stress checks it is ignored.
	# One camera round: vivid draws 4K frames slowly under KASAN and TCG.
	GUEST_CMDLINE="init_on_free=1 mmheap.prefill=64Mjunk CAMERA_ROUNDS=1 ${GUEST_CMDLINE:-}"
	# KASAN and DEBUG_PAGEALLOC under TCG: several times slower.
	GUEST_TIMEOUT=${GUEST_TIMEOUT:-2400}
	;;
defconfig)
	GUEST_KUNIT=${GUEST_KUNIT:-1}
	GUEST_TIMEOUT=${GUEST_TIMEOUT:-1500}
	;;
esac
GUEST_TIMEOUT=${GUEST_TIMEOUT:-900}
ACCEL=${ACCEL:-auto}
ROOT=$BUILD/initramfs
LOG=$LOGDIR/guest-$MODE$SUFFIX.log

pick_accel() {
	case $ACCEL in
	tcg | kvm) echo "$ACCEL" ;;
	auto)
		# /dev/kvm alone proves nothing: without vmx/svm a KVM guest hangs.
		if [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then
			echo kvm
		else
			echo tcg
		fi
		;;
	*) die "ACCEL=$ACCEL: use auto, tcg or kvm" ;;
	esac
}

build_userspace() {
	local t
	install_uapi_headers "$O"
	rm -rf "$ROOT"
	mkdir -p "$ROOT"/{bin,tests,bench,proc,sys,dev,tmp}
	for t in $KSFT_TARGETS; do
		[ -d "$WT/tools/testing/selftests/$t" ] || { note "no selftest $t in the tree"; continue; }
		mkdir -p "$BUILD/kselftest/$t"
		make -C "$WT/tools/testing/selftests/$t" OUTPUT="$BUILD/kselftest/$t" \
			KHDR_INCLUDES="-isystem $BUILD/hdr/include" CC=gcc \
			CFLAGS="-static -O2 -Wall -isystem $BUILD/hdr/include -I$WT/tools/testing/selftests" \
			>"$LOGDIR/kselftest-$t.log" 2>&1 ||
			die "kselftest $t did not build; log: $LOGDIR/kselftest-$t.log"
		find "$BUILD/kselftest/$t" -maxdepth 1 -type f -perm -u+x -exec cp {} "$ROOT/tests/" \;
	done
	gcc -static -O2 -Wall -isystem "$BUILD/hdr/include" -o "$ROOT/tests/mmheap-hogs" \
		"$HARNESS/guest/hoglat.c" || die "harness/guest/hoglat.c did not build"
	gcc -static -O2 -Wall -pthread -isystem "$BUILD/hdr/include" -o "$ROOT/tests/mmheap-stress" \
		"$HARNESS/guest/stress.c" || die "harness/guest/stress.c did not build"
	gcc -static -O2 -Wall -isystem "$BUILD/hdr/include" -o "$ROOT/tests/mmheap-camera" \
		"$HARNESS/guest/camera.c" || die "harness/guest/camera.c did not build"
	ln -f "$ROOT/tests/mmheap-camera" "$ROOT/bench/mmheap-camera"
	gcc -static -O2 -Wall -isystem "$BUILD/hdr/include" -o "$ROOT/bench/mmheap-hold" \
		"$HARNESS/guest/hold.c" || die "harness/guest/hold.c did not build"
	if [ -f "$HARNESS/bench/heapbench.c" ]; then
		build_heapbench "$ROOT/bench/heapbench"
	fi
	cp "$HARNESS/guest/demo.sh" "$ROOT/bench/" 2>/dev/null || true
	cp /bin/busybox "$ROOT/bin/busybox"
	cp "$HARNESS/guest/init" "$ROOT/init"
	chmod +x "$ROOT/init"
	(cd "$ROOT" && find . | cpio -o -H newc --quiet) >"$BUILD/initramfs.cpio"
}

boot() {
	local accel cpu
	accel=$(pick_accel)
	cpu=max
	[ "$accel" = kvm ] && cpu=host
	[ "$accel" = tcg ] && accel=tcg,thread=multi
	note "booting $O/arch/x86/boot/bzImage with -accel $accel, ${GUEST_CPUS} CPUs, $GUEST_MEM; serial log: $LOG"
	timeout --foreground -k 10 "$GUEST_TIMEOUT" qemu-system-x86_64 -accel "$accel" -cpu "$cpu" \
		-smp "$GUEST_CPUS" -m "$GUEST_MEM" -nographic -no-reboot -monitor none \
		-serial "file:$LOG" -display none \
		-kernel "$O/arch/x86/boot/bzImage" -initrd "$BUILD/initramfs.cpio" \
		-append "console=ttyS0 panic=-1 oops=panic rdinit=/init HARNESS=$MODE MMHEAP_ACCEL=${accel%%,*} kunit.enable=${GUEST_KUNIT:-0} ${BENCH_ARGS:+BENCH_ARGS=\"$BENCH_ARGS\"} ${GUEST_CMDLINE:-}" \
		</dev/null >"$LOGDIR/qemu-$MODE.log" 2>&1 || true
}

# Every ok / not ok line between a target's BEGIN and END markers is one result.
parse() {
	local bad
	bad=$(grep -nE 'Oops|BUG:|WARNING:|KASAN:|UBSAN:|ODEBUG:|possible (recursive|circular) locking|inconsistent lock state|suspicious RCU usage|held lock freed|INFO: task .* blocked for more than|Kernel panic|general protection fault|soft lockup|hard LOCKUP|Call Trace:' "$LOG" || true)
	if ! grep -q '=== GUEST DONE' "$LOG"; then
		record FAIL "guest $LABEL: boot ran to the end" "hung, panicked or timed out after ${GUEST_TIMEOUT}s; log: $LOG"
		tail -n 30 "$LOG"
	else
		record PASS "guest $LABEL: boot ran to the end"
	fi
	if [ -n "$bad" ]; then
		echo "$bad" | head -n 20
		record FAIL "guest $LABEL: no oops, BUG, WARNING, KASAN, lockdep or hung task" "log: $LOG"
	else
		record PASS "guest $LABEL: no oops, BUG, WARNING, KASAN, lockdep or hung task"
	fi
	[ "$MODE" = test ] || return 0
	if [ -n "$DEBUG" ]; then
		leaks=$(sed -n 's/^=== KMEMLEAK END n=\([0-9]*\).*/\1/p' "$LOG" | tr -d '\r')
		if grep -q 'kmemleak: Kernel memory leak detector disabled' "$LOG"; then
			record FAIL "guest $LABEL: kmemleak scan after the tests" "kmemleak disabled itself during the boot; log: $LOG"
		elif [ -z "$leaks" ]; then
			record FAIL "guest $LABEL: kmemleak scan after the tests" "no scan in the log: $LOG"
		elif [ "$leaks" != 0 ]; then
			sed -n '/^=== KMEMLEAK BEGIN/,/^=== KMEMLEAK END/p' "$LOG" | head -n 40
			record FAIL "guest $LABEL: kmemleak scan after the tests" "$leaks unreferenced objects; log: $LOG"
		else
			record PASS "guest $LABEL: kmemleak scan after the tests" "no unreferenced object"
		fi
	fi
	python3 "$HARNESS/tap.py" "$LOG" "$SUFFIX" >>"$RESULTS.tap"
	cat "$RESULTS.tap"
	cat "$RESULTS.tap" >>"$RESULTS"
	rm -f "$RESULTS.tap"
}

need_wt
[ -f "$O/arch/x86/boot/bzImage" ] || die "no guest kernel in $O: run 'make build' (or the make target that builds $GUEST_KERNEL) first"
wt_at_head ||
	die "the harness worktree is not at the series head: run 'make build' first"
run_step "build kselftests and initramfs" "$LOGDIR/userspace.log" build_userspace
start=$SECONDS
boot
note "guest $LABEL: ran $((SECONDS - start)) s"
parse
