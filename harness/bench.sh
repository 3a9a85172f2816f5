#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark, not a test: heapbench times DMA_HEAP_IOCTL_ALLOC of 4 KiB to
# 64 MiB on the system heap and on each mmheap heap prefilled and empty, all
# in one boot, and prints the raw per-iteration figures, with mmheap's own
# in-kernel time from its tracepoint; then a new buffer's first touch, CPU
# write bandwidth, 1/2/4 threads' buffers per second, the refill thread's
# bandwidth against memset(), and what a refill costs CPU hogs on every
# CPU. In QEMU, mmheap-camera then times a camera start with vivid from
# each heap. It runs twice: in the QEMU guest (TCG slows zeroing most of
# all, so it overstates what the pool saves) and in a UML kernel, whose
# kernel code runs at native speed. table.py prints the tables and the
# goals, writes every raw figure to a CSV and draws a PNG with gnuplot.
#
# BENCH_AGAINST=<revision of the series tree> also builds that revision
# (for example mmheap-applied~15, the series' v1) and boots it after each
# boot of the head, BENCH_ROUNDS times (default 2), so that both are
# measured on the same host in the same hour; the table sets them side by
# side. BENCH_QEMU=0 leaves QEMU out of such a run: UML rounds only, which
# take a second or two each with BENCH_ARGS="-c -n 100 -s 1,4,64
# mmheap-prefilled", so that ten rounds and more fit in a few minutes.
#
# UML runs on one CPU, the last, so that each boot of either revision
# runs where the one before it ran.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# -c: heapbench runs in a memory cgroup of its own, as a HAL does.
BENCH_ARGS=${BENCH_ARGS:--c}
BENCH_AGAINST=${BENCH_AGAINST:-}
BENCH_ROUNDS=${BENCH_ROUNDS:-2}
BENCH_QEMU=${BENCH_QEMU:-1}
case $BENCH_QEMU in
0 | 1) ;;
*) die "BENCH_QEMU=$BENCH_QEMU: want 0 (UML only) or 1" ;;
esac
[ "$BENCH_QEMU" = 1 ] || [ -n "$BENCH_AGAINST" ] ||
	die "BENCH_QEMU=0 is for a BENCH_AGAINST run"
need_wt
[ -f "$HARNESS/bench/heapbench.c" ] || die "no harness/bench/heapbench.c"
command -v gnuplot >/dev/null || die "no gnuplot to draw the chart: run harness/deps.sh (Debian package gnuplot-nox)"
wt_at_head || wt_checkout "$APPLIED"
# Always (re)build: a guest kernel left from an earlier head would be timed
# in its place. Incremental when nothing changed.
bash "$HARNESS/build.sh" head

# uml_build SRC OUT: the UML bench kernel of the tree in SRC, in OUT.
uml_build() {
	local src=$1 out=$2
	mkdir -p "$out"
	make -C "$src" ARCH=um O="$out" defconfig >/dev/null
	"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" \
		"$HARNESS/configs/uml-bench.config" >/dev/null
	make -C "$src" ARCH=um O="$out" olddefconfig >/dev/null
	make -C "$src" ARCH=um O="$out" -j"$JOBS" "$CC_ARG" linux
}

# uml_run KERNEL TAG: heapbench on a UML kernel, figures in bench-uml$TAG.txt.
uml_run() {
	local linux=$1 tag=$2 r=$BUILD/uml-root
	rm -rf "$r"
	mkdir -p "$r"/{bin,bench,tests,proc,sys,dev,tmp}
	cp "$BUILD/uml-heapbench" "$r/bench/heapbench"
	cp /bin/busybox "$r/bin/busybox"
	cp "$HARNESS/guest/init" "$r/init"
	chmod +x "$r/init"
	# UML joins its arguments into the command line: the quotes keep
	# BENCH_ARGS one parameter.
	timeout 900 taskset -c "$UML_CPU" "$linux" mem=2G rootfstype=hostfs rootflags="$r" rw init=/init \
		HARNESS=bench ${BENCH_ARGS:+"BENCH_ARGS=\"$BENCH_ARGS\""} con=null con0=fd:0,fd:1 \
		</dev/null >"$LOGDIR/bench-uml$tag.log" 2>&1 || true
	sed -n '/=== GUEST START/,/=== GUEST DONE/p' "$LOGDIR/bench-uml$tag.log" | grep -v '^\[' \
		>"$LOGDIR/bench-uml$tag.txt"
	grep -q '^# heapbench done' "$LOGDIR/bench-uml$tag.txt" ||
		die "heapbench did not finish in UML ($linux); log: $LOGDIR/bench-uml$tag.log"
}

# qemu_run GUEST_KERNEL TAG: heapbench in QEMU, figures in bench-qemu$TAG.txt.
qemu_run() {
	local kernel=$1 tag=$2 log
	log=$LOGDIR/guest-bench${kernel#lean}.log
	GUEST_KERNEL=$kernel GUEST_MEM=${GUEST_MEM:-2G} BENCH_ARGS="$BENCH_ARGS" \
		bash "$HARNESS/guest.sh" bench >/dev/null
	sed -n '/=== GUEST START/,/=== GUEST DONE/p' "$log" | grep -v '^\[' \
		>"$LOGDIR/bench-qemu$tag.txt"
	grep -q '^# heapbench done' "$LOGDIR/bench-qemu$tag.txt" ||
		die "heapbench did not finish in QEMU ($kernel); log: $log"
}

# UML's heapbench, built here: a BENCH_QEMU=0 run builds no initramfs.
install_uapi_headers "$BUILD/lean"
# The last CPU this process may run on (a cpuset may start anywhere).
UML_CPU=$(awk '/^Cpus_allowed_list/ { n = split($2, c, /[,-]/); print c[n] }' /proc/self/status)
[ -n "$UML_CPU" ] || die "cannot read Cpus_allowed_list from /proc/self/status"
build_heapbench "$BUILD/uml-heapbench"
U=$BUILD/uml-bench
run_step "build UML kernel" "$LOGDIR/build-uml-bench.log" uml_build "$WT" "$U"

if [ -z "$BENCH_AGAINST" ]; then
	echo "=== QEMU guest ($(grep -qwE 'vmx|svm' /proc/cpuinfo && echo kvm-capable || echo TCG))"
	qemu_run lean ""
	cat "$LOGDIR/bench-qemu.txt"
	echo "=== UML (native-speed kernel code)"
	uml_run "$U/linux" ""
	cat "$LOGDIR/bench-uml.txt"
	python3 "$HARNESS/bench/table.py" --csv "$LOGDIR/bench.csv" --png "$LOGDIR/bench.png" \
		qemu="$LOGDIR/bench-qemu.txt" uml="$LOGDIR/bench-uml.txt" | tee "$LOGDIR/bench.md"
	note "raw figures: $LOGDIR/bench-qemu.txt, $LOGDIR/bench-uml.txt, $LOGDIR/bench.csv; table: $LOGDIR/bench.md; chart: $LOGDIR/bench.png"
	exit 0
fi

# The other revision, in a worktree and build directories of its own.
AWT=$CACHE/wt-against
rev=$(git -C "$GITREPO" rev-parse --verify -q "$BENCH_AGAINST^{commit}") ||
	die "BENCH_AGAINST=$BENCH_AGAINST is not a revision of $GITREPO"
if [ ! -e "$AWT/.git" ]; then
	git -C "$GITREPO" worktree prune
	git -C "$GITREPO" worktree add -q --detach "$AWT" "$rev" ||
		die "cannot make the worktree $AWT"
fi
git -C "$AWT" checkout -q --detach "$rev" || die "cannot check out $BENCH_AGAINST in $AWT"
note "against: $(git -C "$AWT" log --oneline -1)"
if [ "$BENCH_QEMU" = 1 ]; then
	# shellcheck disable=SC2016 # $1 and $2 are the inner shell's arguments
	run_step "build guest kernel of $BENCH_AGAINST" "$LOGDIR/build-lean-against.log" \
		env WT="$AWT" bash -c '. "$1/lib.sh"; lean_config "$2"; kmake O="$2" bzImage' \
		_ "$HARNESS" "$BUILD/lean-against"
fi
run_step "build UML kernel of $BENCH_AGAINST" "$LOGDIR/build-uml-bench-against.log" \
	uml_build "$AWT" "$BUILD/uml-bench-against"

# A longer earlier run's rounds would sit beside these ones' and match
# the glob the summary prints.
rm -f "$LOGDIR"/bench-{qemu,uml}-{head,against}-r[0-9]*.{txt,log}
args=()
for round in $(seq 1 "$BENCH_ROUNDS"); do
	if [ "$BENCH_QEMU" = 1 ]; then
		note "round $round of $BENCH_ROUNDS: QEMU head, QEMU $BENCH_AGAINST, UML head, UML $BENCH_AGAINST"
		qemu_run lean "-head-r$round"
		# The camera's figures are the head's: its prefill needs v2's ABI.
		GUEST_CMDLINE="CAMERA_ROUNDS=0" qemu_run lean-against "-against-r$round"
		args+=("qemu-head-r$round=$LOGDIR/bench-qemu-head-r$round.txt"
			"qemu-against-r$round=$LOGDIR/bench-qemu-against-r$round.txt")
	else
		note "round $round of $BENCH_ROUNDS: UML head, UML $BENCH_AGAINST"
	fi
	uml_run "$U/linux" "-head-r$round"
	uml_run "$BUILD/uml-bench-against/linux" "-against-r$round"
	args+=("uml-head-r$round=$LOGDIR/bench-uml-head-r$round.txt"
		"uml-against-r$round=$LOGDIR/bench-uml-against-r$round.txt")
done
python3 "$HARNESS/bench/table.py" --csv "$LOGDIR/bench-against.csv" \
	--png "$LOGDIR/bench-against.png" "${args[@]}" |
	tee "$LOGDIR/bench-against.md"
note "against: $BENCH_AGAINST = $(git -C "$AWT" log --oneline -1)"
[ "$BENCH_QEMU" = 1 ] && files='{qemu,uml}' || files=uml
note "raw figures: $LOGDIR/bench-$files-{head,against}-r*.txt, $LOGDIR/bench-against.csv; table: $LOGDIR/bench-against.md; chart: $LOGDIR/bench-against.png"
