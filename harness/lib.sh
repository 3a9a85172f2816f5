# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the mmheap harness. Sourced, not run.
# shellcheck shell=bash

set -euo pipefail

HARNESS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HARNESS/.." && pwd)
CACHE=${CACHE:-/var/cache/mmheap}
LOGDIR=${LOGDIR:-$CACHE/logs}
BASE_TAG=${BASE_TAG:-mmheap-base}
SERIES_BRANCH=${SERIES_BRANCH:-mmheap}
JOBS=${JOBS:-$(nproc)}
mkdir -p "$CACHE" "$LOGDIR"

# GITREPO holds the series: our own cache tree (whose checkout is the
# developers' branch) or the user's KERNEL_TREE. The harness itself builds and
# tests in WT, a detached worktree of GITREPO, so it never changes a checkout.
if [ -n "${KERNEL_TREE:-}" ]; then
	GITREPO=$(cd "$KERNEL_TREE" 2>/dev/null && pwd) || { echo "mmheap: error: KERNEL_TREE=$KERNEL_TREE does not exist" >&2; exit 1; }
	WT=${WT:-$CACHE/user-wt}
	BUILD=${BUILD:-$CACHE/user-build}
else
	GITREPO=${GITREPO:-$CACHE/linux}
	WT=${WT:-$CACHE/wt}
	BUILD=${BUILD:-$CACHE/build}
fi
APPLIED=${APPLIED:-mmheap-applied}
RESULTS=${RESULTS:-$CACHE/results.txt}
# Paths of this repository that mirror the kernel tree.
# shellcheck disable=SC2034 # used by series.sh
MIRRORED="drivers Documentation tools kernel lib include mm arch"

export CCACHE_DIR=${CCACHE_DIR:-$CACHE/ccache}
export CCACHE_BASEDIR=/
export CCACHE_NOHASHDIR=1
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
export KBUILD_BUILD_TIMESTAMP='Thu Jan  1 00:00:00 UTC 1970'
export KBUILD_BUILD_USER=mmheap KBUILD_BUILD_HOST=harness
if command -v ccache >/dev/null 2>&1; then
	CC_ARG="CC=ccache gcc"
	HOSTCC_ARG="HOSTCC=ccache gcc"
else
	CC_ARG="CC=gcc"
	HOSTCC_ARG="HOSTCC=gcc"
fi

die() {
	echo "mmheap: error: $*" >&2
	exit 1
}

note() {
	echo "mmheap: $*"
}

# run_step NAME LOG CMD...: run a long step with its output in LOG, print
# progress (elapsed time, where the log is) every 30 s, and fail with the log's
# tail when the step fails.
run_step() {
	local name=$1 log=$2 start=$SECONDS next=$((SECONDS + 30)) pid rc cc
	shift 2
	note "$name: started, log in $log"
	("$@") >"$log" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		sleep 2
		if [ "$SECONDS" -ge "$next" ]; then
			next=$((SECONDS + 30))
			cc=$(grep -c '^  CC ' "$log" || true)
			[ "$cc" != 0 ] || cc=
			note "$name: running, $((SECONDS - start)) s so far${cc:+, $cc files compiled} (log: $log)"
		fi
	done
	rc=0
	wait "$pid" || rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "---- last lines of $log ----" >&2
		tail -n 40 "$log" >&2
		die "$name failed (exit $rc) after $((SECONDS - start)) s; full log: $log"
	fi
	note "$name: done in $((SECONDS - start)) s"
}

# record PASS|FAIL|SKIP NAME [WHY]: one result line for the final count.
record() {
	local r=$1 n=$2
	shift 2
	echo "$r $n${*:+ # $*}" >>"$RESULTS"
	case $r in
	PASS) echo "  ok: $n" ;;
	FAIL) echo "  FAILED: $n${*:+ ($*)}" ;;
	SKIP) echo "  skipped: $n${*:+ ($*)}" ;;
	esac
}

# Patches of the series in order, without the cover letter.
series_patches() {
	find "$REPO/patches" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' \
		! -name '0000-*' | sort
}

# Files the series touches, one per line (needs $APPLIED).
series_files() {
	git -C "$GITREPO" diff --name-only "$BASE_TAG" "$APPLIED"
}

need_wt() {
	if [ ! -e "$WT/.git" ]; then
		git -C "$GITREPO" worktree prune
		git -C "$GITREPO" worktree add -q --detach "$WT" "$BASE_TAG" ||
			die "cannot make the harness worktree $WT"
	fi
}

# True when the harness worktree is at the head of the applied series.
wt_at_head() {
	[ "$(git -C "$WT" rev-parse HEAD)" = "$(git -C "$GITREPO" rev-parse "$APPLIED")" ]
}

# Check out $1 in the worktree; nothing, not even the index lock, if it is
# there already (the docs build runs beside the other stages).
wt_checkout() {
	[ "$(git -C "$WT" rev-parse HEAD)" != "$(git -C "$WT" rev-parse "$1^{commit}")" ] ||
		return 0
	git -C "$WT" checkout -q --detach "$1" || die "cannot check out $1 in $WT"
}

# The lean guest config for the tree in $WT, in build dir $1, with the
# fragments $2... merged on top (the PREEMPT_RT variant).
lean_config() {
	local o=$1
	shift
	mkdir -p "$o"
	# With the HOSTCC that kmake passes: another would rebuild kconfig.
	make -C "$WT" O="$o" "$HOSTCC_ARG" allnoconfig >/dev/null
	"$WT/scripts/kconfig/merge_config.sh" -m -O "$o" "$o/.config" \
		"$HARNESS/configs/lean.config" "$@" >/dev/null
	make -C "$WT" O="$o" "$HOSTCC_ARG" olddefconfig >/dev/null
	# The camera test needs vivid: it must not skip for want of it.
	grep -q '^CONFIG_VIDEO_VIVID=y' "$o/.config" ||
		die "CONFIG_VIDEO_VIVID did not stick in $o/.config (configs/lean.config)"
}

kmake() {
	make -C "$WT" -j"$JOBS" "$CC_ARG" "$HOSTCC_ARG" "$@"
}

# install_uapi_headers O: the UAPI headers of the kernel built in O, into
# $BUILD/hdr, for the kselftests and heapbench.
install_uapi_headers() {
	kmake O="$1" headers_install INSTALL_HDR_PATH="$BUILD/hdr" >/dev/null ||
		die "headers_install from $1 failed: the guest's programs need the UAPI headers"
}

# build_heapbench OUT: the benchmark, static, against the UAPI headers in
# $BUILD/hdr (the QEMU guest's initramfs and bench.sh's UML root use it).
build_heapbench() {
	gcc -static -O2 -Wall -pthread -isystem "$BUILD/hdr/include" -o "$1" \
		"$HARNESS/bench/heapbench.c" || die "harness/bench/heapbench.c did not build"
}
