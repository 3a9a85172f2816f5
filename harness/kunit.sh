#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run the series' KUnit suites with the kernel's own kunit.py: UML by default
# (native speed), KUNIT_ARCH=x86_64 for QEMU. Every case is one result.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

KUNIT_ARCH=${KUNIT_ARCH:-um}
out=$BUILD/kunit-$KUNIT_ARCH
configs=()
for c in ${KUNITCONFIGS:-drivers/staging/mmheap $HARNESS/configs/kthread.kunitconfig}; do
	case $c in
	/*) [ -e "$c" ] && configs+=(--kunitconfig="$c") ;;
	*) [ -e "$WT/$c" ] && configs+=(--kunitconfig="$c") ;;
	esac
done
[ ${#configs[@]} -gt 0 ] || die "no kunitconfig found in the tree"
need_wt
wt_at_head || wt_checkout "$APPLIED"

log=$LOGDIR/kunit-$KUNIT_ARCH.log
cd "$WT"
args=(run --build_dir="$out" --jobs="$JOBS" --arch="$KUNIT_ARCH" --json="$out/results.json"
	--make_options "CC=${CC_ARG#CC=}" "${configs[@]}")
[ "$KUNIT_ARCH" = um ] || args+=(--qemu_args="-accel tcg,thread=multi")
rc=0
(run_step "kunit ($KUNIT_ARCH)" "$log" python3 tools/testing/kunit/kunit.py "${args[@]}") || rc=$?
python3 - "$out/results.json" "$out/test.log" <<'PY' >>"$RESULTS.kunit" || echo "FAIL kunit # no results (see $log)" >>"$RESULTS.kunit"
import json, re, sys
data = json.load(open(sys.argv[1]))
log = open(sys.argv[2], errors="replace").read()
def why(case):
    m = re.search(r"ok \d+ " + re.escape(case) + r"\s*# SKIP\s*(.*)", log)
    return m.group(1).strip() if m and m.group(1).strip() else "no reason given"
def walk(suite, prefix):
    for case in suite.get("test_cases", []):
        status = case.get("status", "")
        name = f"kunit {prefix}{suite['name']}.{case['name']}"
        if status == "PASS":
            print(f"PASS {name}")
        elif status == "SKIP":
            print(f"SKIP {name} # {why(case['name'])}")
        else:
            print(f"FAIL {name}")
    for sub in suite.get("sub_groups", []):
        walk(sub, prefix)
for group in data.get("sub_groups", []):
    walk(group, "")
PY
grep -c '' "$RESULTS.kunit" >/dev/null && cat "$RESULTS.kunit" >>"$RESULTS"
grep -E '^(FAIL|SKIP)' "$RESULTS.kunit" || true
note "kunit: $(grep -c ^PASS "$RESULTS.kunit") passed, $(grep -c ^FAIL "$RESULTS.kunit") failed, $(grep -c ^SKIP "$RESULTS.kunit") skipped"
rm -f "$RESULTS.kunit"
exit 0
