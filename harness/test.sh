#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Every test: the harness's self-tests, the series checks, the per-patch
# builds, KUnit, the kselftests in QEMU and the docs build. Prints each stage's
# time and ends with 'N passed, N failed'. Needs no make: it is the README's
# test command.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/deps.sh" || exit 1
# shellcheck source=lib.sh
. "$here/lib.sh"
set +e

: >"$RESULTS"
total=$SECONDS
timings=()
stage() {
	local name=$1 start=$SECONDS rc
	shift
	echo
	echo "=== stage: $name"
	"$@"
	rc=$?
	timings+=("$(printf '%-12s %5d s' "$name" $((SECONDS - start)))")
	echo "=== stage: $name: $((SECONDS - start)) s (exit $rc)"
	return $rc
}

# The harness's own checks, in seconds, before anything is fetched or built:
# deps.sh against stand-ins and shellcheck on every script, one result per
# case and per file. A self-test that fails without a FAIL line of its own
# (it died early, say) is recorded as failed here.
selftests() {
	local t n0 rc new bad=0
	for t in deps-test.sh shellcheck.sh; do
		n0=$(wc -l <"$RESULTS")
		RESULTS=$RESULTS bash "$HARNESS/selftest/$t"
		rc=$?
		new=$(tail -n +$((n0 + 1)) "$RESULTS")
		if [ -z "$new" ]; then
			record FAIL "harness: selftest/$t" "exit $rc, no result recorded"
		elif [ "$rc" != 0 ] && ! grep -q '^FAIL' <<<"$new"; then
			record FAIL "harness: selftest/$t" "exit $rc, yet no case failed"
		fi
		[ "$rc" = 0 ] || bad=1
	done
	return $bad
}

# The docs build, if it started in the background: its exit status and
# its output; else run it now.
docs_wait() {
	local rc=0
	[ -n "$docs_pid" ] || { bash "$HARNESS/docs.sh"; return; }
	wait "$docs_pid" || rc=$?
	cat "$LOGDIR/docs-stage.log"
	return $rc
}

stage harness selftests
stage base bash "$HARNESS/base.sh" || { record FAIL "base tree"; }
if grep -q '^FAIL base' "$RESULTS"; then :; else
	if stage apply bash "$HARNESS/series.sh" apply; then
		record PASS "series: git am of patches/ onto the base"
		stage verify bash "$HARNESS/series.sh" verify
		stage checkpatch bash "$HARNESS/series.sh" checkpatch
		stage build bash "$HARNESS/build.sh" bisect || record FAIL "build: the series head"
		# The docs build needs no kernel (7 min from cold): when it
		# need not check the base out, it runs beside the guests and
		# the PREEMPT_RT build at nice 19, on CPU time they leave, and
		# the docs stage below waits for it.
		docs_pid=
		if bash "$HARNESS/docs.sh" base-known; then
			nice -n 19 bash "$HARNESS/docs.sh" >"$LOGDIR/docs-stage.log" 2>&1 &
			docs_pid=$!
		fi
		# KUnit under UML when its build is cached (3 to 8 min from
		# cold); else the lean guest runs the suites at boot and twice
		# more from debugfs, the x86-only case included.
		guest_kunit=1
		[ -x "$BUILD/kunit-um/vmlinux" ] && guest_kunit=0
		if [ -f "$BUILD/lean/arch/x86/boot/bzImage" ]; then
			GUEST_KUNIT=$guest_kunit stage kselftest bash "$HARNESS/guest.sh" test ||
				record FAIL "guest run"
			# The debug guest (PREEMPT_RT too) takes longer to build
			# from cold than the hour allows: run it when its build
			# is cached, else the plain PREEMPT_RT guest.
			if [ -f "$BUILD/lean-debug-rt/vmlinux" ]; then
				if stage debug-build bash "$HARNESS/build.sh" debug-rt; then
					GUEST_KERNEL=lean-debug-rt stage kselftest-debug bash "$HARNESS/guest.sh" test ||
						record FAIL "guest run (PREEMPT_RT, debug)"
				else
					record FAIL "build: the PREEMPT_RT debug guest kernel"
				fi
			else
				record SKIP "guest (PREEMPT_RT, debug)" "no cached build in $BUILD/lean-debug-rt: 'make boot-debug' builds and boots it (its build took 14 min from a cold ccache on 2 cores, its boot about 15), and the test command runs it from then on; the plain PREEMPT_RT guest runs instead"
				if stage rt-build bash "$HARNESS/build.sh" rt; then
					GUEST_KERNEL=lean-rt stage kselftest-rt bash "$HARNESS/guest.sh" test ||
						record FAIL "guest run (PREEMPT_RT)"
				else
					record FAIL "build: the PREEMPT_RT guest kernel"
				fi
			fi
			# The user's path (make defconfig mmheap.config): 27 min
			# to build from cold, so run when its build is cached.
			if [ -f "$BUILD/defconfig/vmlinux" ]; then
				if stage defconfig-build bash "$HARNESS/build.sh" defconfig; then
					GUEST_KERNEL=defconfig stage kselftest-defconfig bash "$HARNESS/guest.sh" test ||
						record FAIL "guest run (defconfig)"
				else
					record FAIL "build: the defconfig kernel (make defconfig mmheap.config)"
				fi
			else
				record SKIP "guest (defconfig)" "no cached build in $BUILD/defconfig: 'make boot-defconfig' builds it (27 min from a cold ccache on 2 cores) and boots it, and the test command runs it from then on"
			fi
		fi
		if [ "$guest_kunit" = 0 ]; then
			stage kunit bash "$HARNESS/kunit.sh" || record FAIL "kunit run"
		else
			record SKIP "kunit (UML)" "no cached build in $BUILD/kunit-um: the lean guest ran the KUnit suites instead; 'make kunit' builds and runs them under UML (8 min from a cold ccache on 2 cores), and the test command runs them there from then on"
		fi
		stage docs docs_wait || record FAIL "docs run"
	else
		record FAIL "series: git am of patches/ onto the base"
	fi
fi

echo
echo "=== stage times"
printf '  %s\n' "${timings[@]}"
printf '  %-12s %5d s\n' total $((SECONDS - total))
echo "=== failed and skipped"
grep -E '^(FAIL|SKIP)' "$RESULTS" || echo "  none"
echo "results: $RESULTS"
pass=$(grep -c '^PASS' "$RESULTS")
fail=$(grep -c '^FAIL' "$RESULTS")
skip=$(grep -c '^SKIP' "$RESULTS")
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
