#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print heapbench's p50 figures as Markdown tables.

    table.py [--csv OUT.csv] LABEL=FILE [LABEL=FILE ...]

A label is ENV or ENV-VERSION-rROUND (bench.sh's BENCH_AGAINST run:
qemu-head-r1, qemu-against-r1, ...). One table per ENV; a cell reads
"<ioctl p50> / <in-kernel p50>" in microseconds (the in-kernel time is
mmheap's own, from its tracepoint; the system heap has none). With head
and against columns, a last column gives head/against of the medians over
the rounds, for the ioctl and the in-kernel time. The bw:<heap> cases, CPU
write bandwidth through mmap(), get a table of their own, in MB/s.

--csv writes every raw per-iteration figure of every file, one a row:
label,record,case,size_mib,iter,metric,value (record raw: alloc_ns and
free_ns of the ioctl and close(); kraw: kernel_ns; bwraw: write_ns).
"""
import re
import statistics
import sys


def records(path, tags):
    """(tag, {key: value}) of every heapbench record of @tags in a log."""
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            tag, _, rest = line.strip().partition(" ")
            if tag in tags:
                yield tag, dict(re.findall(r"(\w+)=(\S+)", rest))


def parse(path):
    """{(case, size): {'user': ns, 'kernel': ns, 'bw': MB/s}} from a log."""
    out = {}
    for tag, kv in records(path, ("result", "kernel", "bw")):
        cell = out.setdefault((kv["case"], int(kv["size_mib"])), {})
        if tag == "bw":
            cell["bw"] = int(kv["mb_per_s"])
        elif tag == "result":
            cell["user"] = int(kv["alloc_p50_ns"])
        else:
            cell["kernel"] = int(kv["kernel_p50_ns"])
    return out


def write_csv(out, runs):
    """Every raw per-iteration figure of every run, one a row."""
    import csv
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["label", "record", "case", "size_mib", "iter", "metric",
                    "value"])
        for label, path in runs:
            for tag, kv in records(path, ("raw", "kraw", "bwraw")):
                for metric in ("alloc_ns", "free_ns", "kernel_ns",
                               "write_ns", "prefill_wait_ns"):
                    if metric in kv:
                        w.writerow([label, tag, kv["case"], kv["size_mib"],
                                    kv["iter"], metric, kv[metric]])


def us(ns):
    if ns is None:
        return "-"
    v = ns / 1000
    return f"{v:.1f}" if v < 1000 else f"{v:.0f}"


def ratio(a, b):
    if not a or not b:
        return "-"
    return f"{statistics.median(a) / statistics.median(b):.2f}"


def main(argv):
    runs = []
    paths = []
    csv_out = None
    if len(argv) >= 2 and argv[0] == "--csv":
        csv_out, argv = argv[1], argv[2:]
    for arg in argv:
        label, sep, path = arg.partition("=")
        if not sep:
            sys.exit(f"table.py: {arg}: want LABEL=FILE")
        runs.append((label, parse(path)))
        paths.append((label, path))
    if csv_out:
        write_csv(csv_out, paths)
    envs = []
    for label, _ in runs:
        env = label.split("-")[0]
        if env not in envs:
            envs.append(env)
    for env in envs:
        cols = [(label, data) for label, data in runs
                if label.split("-")[0] == env]
        keys = sorted({k for _, data in cols for k in data
                       if "bw" not in data[k]},
                      key=lambda k: (k[0] != "system", k[0], k[1]))
        bw_keys = sorted({k for _, data in cols for k in data
                          if "bw" in data[k]})
        versus = any("-against" in label for label, _ in cols)
        head = ["case", "MiB"] + [label for label, _ in cols]
        if versus:
            head.append("head/against")
        print(f"\n{env}: p50, ioctl us / in-kernel us\n")
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for key in keys:
            row = [key[0], str(key[1])]
            for _, data in cols:
                cell = data.get(key, {})
                text = us(cell.get("user"))
                if "kernel" in cell:
                    text += " / " + us(cell["kernel"])
                row.append(text)
            if versus:
                def pick(version, what):
                    return [data[key][what] for label, data in cols
                            if f"-{version}" in label
                            and what in data.get(key, {})]
                row.append(ratio(pick("head", "user"), pick("against", "user")) +
                           " / " +
                           ratio(pick("head", "kernel"),
                                 pick("against", "kernel")))
            print("| " + " | ".join(row) + " |")
        if bw_keys:
            print(f"\n{env}: CPU write bandwidth through mmap(), MB/s, p50\n")
            print("| case | MiB | " + " | ".join(l for l, _ in cols) + " |")
            print("|" + "---|" * (len(cols) + 2))
            for key in bw_keys:
                cells = [str(data.get(key, {}).get("bw", "-"))
                         for _, data in cols]
                print(f"| {key[0]} | {key[1]} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
