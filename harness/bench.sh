#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark, not a test: heapbench times DMA_HEAP_IOCTL_ALLOC of 1, 4 and
# 64 MiB on the system heap, on mmheap prefilled and on mmheap empty, all in
# one boot, and prints the raw per-iteration figures. It runs twice: in the
# QEMU guest (TCG slows zeroing most of all, so it overstates what the pool
# saves) and in a UML kernel, whose kernel code runs at native speed.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

BENCH_ARGS=${BENCH_ARGS:-}
need_wt
[ -f "$HARNESS/bench/heapbench.c" ] || die "no harness/bench/heapbench.c"
wt_at_head || wt_checkout "$APPLIED"
[ -f "$BUILD/lean/arch/x86/boot/bzImage" ] || bash "$HARNESS/build.sh" head

echo "=== QEMU guest ($(grep -qwE 'vmx|svm' /proc/cpuinfo && echo kvm-capable || echo TCG))"
GUEST_MEM=${GUEST_MEM:-2G} BENCH_ARGS="$BENCH_ARGS" bash "$HARNESS/guest.sh" bench >/dev/null
sed -n '/=== GUEST START/,/=== GUEST DONE/p' "$LOGDIR/guest-bench.log" | grep -v '^\[' |
	tee "$LOGDIR/bench-qemu.txt"

echo "=== UML (native-speed kernel code)"
U=$BUILD/uml-bench
mkdir -p "$U"
make -C "$WT" ARCH=um O="$U" defconfig >/dev/null
"$WT/scripts/kconfig/merge_config.sh" -m -O "$U" "$U/.config" "$HARNESS/configs/uml-bench.config" >/dev/null
make -C "$WT" ARCH=um O="$U" olddefconfig >/dev/null
run_step "build UML kernel" "$LOGDIR/build-uml-bench.log" \
	make -C "$WT" ARCH=um O="$U" -j"$JOBS" "$CC_ARG" linux
R=$BUILD/uml-root
rm -rf "$R"
mkdir -p "$R"/{bin,bench,tests,proc,sys,dev,tmp}
cp "$BUILD/initramfs/bench/heapbench" "$R/bench/"
cp /bin/busybox "$R/bin/busybox"
cp "$HARNESS/guest/init" "$R/init"
chmod +x "$R/init"
timeout 900 "$U/linux" mem=2G rootfstype=hostfs rootflags="$R" rw init=/init \
	HARNESS=bench ${BENCH_ARGS:+BENCH_ARGS="$BENCH_ARGS"} con=null con0=fd:0,fd:1 \
	</dev/null >"$LOGDIR/bench-uml.log" 2>&1 || true
sed -n '/=== GUEST START/,/=== GUEST DONE/p' "$LOGDIR/bench-uml.log" | grep -v '^\[' |
	tee "$LOGDIR/bench-uml.txt"
note "raw figures: $LOGDIR/bench-qemu.txt, $LOGDIR/bench-uml.txt"
