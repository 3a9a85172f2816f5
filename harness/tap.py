#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the guest's serial log into result lines.

Each kselftest runs between '=== KSFT BEGIN name' and '=== KSFT END name rc=N'.
Every top-level TAP 'ok' / 'not ok' line in between is one result; a target
that ends with a non-zero exit code and printed no failure, or printed no
result at all, fails once more so nothing is lost silently.
"""
import re
import sys

RESULT = re.compile(r"^(not ok|ok)\s+\d+\s*-?\s*(.*?)\s*(#\s*(SKIP|skip|TODO)\b\s*(.*))?$")


def main(path, variant=""):
    tag = f"kselftest{variant}"
    name = None
    counts = {}
    with open(path, errors="replace") as log:
        for raw in log:
            line = raw.rstrip("\r\n")
            begin = re.match(r"^=== KSFT BEGIN (\S+)", line)
            end = re.match(r"^=== KSFT END (\S+) rc=(\d+)", line)
            if begin:
                name = begin.group(1)
                counts[name] = [0, 0]
                continue
            if end and name:
                rc = int(end.group(2))
                passed, failed = counts[name]
                if passed + failed == 0:
                    print(f"FAIL {tag} {name} # printed no TAP result (exit {rc})")
                elif rc not in (0, 4) and failed == 0:
                    print(f"FAIL {tag} {name}: exit code # exit {rc} with no failed case")
                name = None
                continue
            if not name:
                continue
            m = RESULT.match(line)
            if not m:
                continue
            verdict, desc, directive, why = m.group(1), m.group(2), m.group(4), m.group(5)
            if directive and directive.upper() == "SKIP":
                print(f"SKIP {tag} {name}: {desc} # {why or 'no reason given'}")
                counts[name][0] += 1
            elif verdict == "ok":
                print(f"PASS {tag} {name}: {desc}")
                counts[name][0] += 1
            else:
                print(f"FAIL {tag} {name}: {desc}")
                counts[name][1] += 1
    if name:
        print(f"FAIL {tag} {name} # did not finish")
    if not counts:
        print(f"FAIL {tag} # no kselftest ran in the guest")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "")
