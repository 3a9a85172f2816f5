#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print heapbench's p50 figures as Markdown tables.

    table.py [--csv OUT.csv] LABEL=FILE [LABEL=FILE ...]

A label is ENV or ENV-VERSION-rROUND (bench.sh's BENCH_AGAINST run:
qemu-head-r1, qemu-against-r1, ...). One table per ENV; a cell reads
"<ioctl p50> / <in-kernel p50>" in microseconds (the in-kernel time is
mmheap's own, from its tracepoint; the system heap has none). With head
and against columns, a column gives head/against of the medians over the
rounds, for the ioctl and the in-kernel time, and a last one the rounds in
which the head's in-kernel p50 was above against's, of the rounds that
have both (a sign test's count: medians alone do not say whether a few
per cent are more than the spread between boots). The bw:<heap> cases, CPU
write bandwidth through mmap(), and the touch:<heap> cases, a new buffer's
first touch, get a table of their own, in MB/s.

The camera records of mmheap-camera (open of vivid to the first frame
with N buffers from each heap, and the allocation of those N buffers, a
stream start) get a table of their own, in milliseconds.

--csv writes every raw per-iteration figure of every file, one a row:
label,record,case,size_mib,iter,metric,value (record raw: alloc_ns and
free_ns of the ioctl and close(); kraw: kernel_ns; bwraw: write_ns;
camera: first_frame_ns and alloc_ns, case <heap>-<mode>, iter the round).
The scale, refill and interference records (what the pool costs others)
are printed as tables too; in the CSV their iter is the thread count or
the round.
--png draws the p50 allocation times with gnuplot (one panel per ENV, log
scale).
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
        cell = out.setdefault((kv["case"], float(kv["size_mib"])), {})
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
            for tag, kv in records(path, ("scale", "refill",
                                          "interference")):
                it = kv.get("threads", kv.get("round", "0"))
                for metric, value in kv.items():
                    if metric not in ("case", "size_mib", "threads",
                                      "round"):
                        w.writerow([label, tag, kv["case"],
                                    kv.get("size_mib", ""), it, metric,
                                    value])
            for tag, kv in records(path, ("camera",)):
                mib = f"{int(kv['buffer_bytes']) / 2**20:.2f}"
                for metric in ("first_frame_ns", "alloc_ns"):
                    w.writerow([label, tag, f"{kv['heap']}-{kv['mode']}",
                                mib, kv["round"], metric, kv[metric]])


def camera(path):
    """{(heap-mode, buffers): {'first': [ns...], 'alloc': [ns...]}}."""
    out = {}
    for _, kv in records(path, ("camera",)):
        key = (f"{kv['heap']}-{kv['mode']}", int(kv["buffers"]),
               int(kv["buffer_bytes"]))
        cell = out.setdefault(key, {"first": [], "alloc": []})
        cell["first"].append(int(kv["first_frame_ns"]))
        cell["alloc"].append(int(kv["alloc_ns"]))
    return out


def print_camera(env, cols):
    """The camera table of one ENV: median over the rounds, in ms."""
    keys = sorted({k for _, data in cols for k in data},
                  key=lambda k: (not k[0].startswith("system"), k[0]))
    if not keys:
        return
    nbuf, nbytes = keys[0][1], keys[0][2]
    print(f"\n{env}: camera start (vivid, {nbuf} buffers of "
          f"{nbytes / 2**20:.1f} MiB): open to first frame ms / "
          f"allocation of the {nbuf} buffers ms, median of the rounds\n")
    print("| heap | " + " | ".join(label for label, _ in cols) + " |")
    print("|" + "---|" * (len(cols) + 1))
    for key in keys:
        cells = []
        for _, data in cols:
            c = data.get(key)
            cells.append("-" if not c else
                         f"{statistics.median(c['first']) / 1e6:.1f} / "
                         f"{statistics.median(c['alloc']) / 1e6:.2f}")
        print(f"| {key[0]} | " + " | ".join(cells) + " |")


def print_costs(env, paths):
    """scale, refill and interference records of one ENV, as they are."""
    rows = []
    for label, path in paths:
        for tag, kv in records(path, ("scale", "refill", "interference")):
            rows.append((label, tag, kv))
    if not rows:
        return
    scale = [r for r in rows if r[1] == "scale"]
    if scale:
        print(f"\n{env}: scaling, {scale[0][2]['size_mib']} MiB buffers "
              "allocated and freed, buffers per second\n")
        print("| run | case | threads | buffers/s | pool hits / misses |")
        print("|---|---|---|---|---|")
        for label, _, kv in scale:
            pool = (f"{kv['hits']} / {kv['misses']}" if "hits" in kv
                    else "-")
            print(f"| {label} | {kv['case']} | {kv['threads']} | "
                  f"{kv['per_s']} | {pool} |")
    for label, tag, kv in rows:
        if tag == "refill":
            print(f"\n{env} ({label}): refill of {kv['size_mib']} MiB from "
                  f"an empty pool: {kv['mb_per_s']} MB/s wall "
                  f"({int(kv['wall_ns']) / 1e6:.0f} ms), the thread's own "
                  f"zeroing {kv['kernel_mb_per_s']} MB/s; user-space "
                  f"memset() {kv['memset_mb_per_s']} MB/s")
    inter = [r for r in rows if r[1] == "interference"]
    if inter:
        print(f"\n{env}: interference: CPU hogs' iterations while a prefill "
              "is outstanding, over alone\n")
        print("| run | round | cpus | alone | during refill | ratio | "
              "refilled meanwhile |")
        print("|---|---|---|---|---|---|---|")
        for label, _, kv in inter:
            print(f"| {label} | {kv['round']} | {kv['cpus']} | "
                  f"{kv['alone_iters']} | {kv['refill_iters']} | "
                  f"{int(kv['ratio_ppm']) / 10000:.2f}% | "
                  f"{int(kv['refilled_kb']) // 1024} MiB |")


def goals(env, cols, paths):
    """The issue's goals, as figures of the first run of ENV: not tests."""
    label, data = cols[0]

    def get(case, mib, what):
        return data.get((case, float(mib)), {}).get(what)

    lines = []
    sysu, pre = get("system", 64, "user"), get("mmheap-prefilled", 64, "user")
    if sysu and pre and env == "qemu":
        r = sysu / pre
        lines.append(f"64 MiB, system heap over a full pool, ioctl p50: "
                     f"{r:.0f}x (goal 100x in QEMU): "
                     f"{'met' if r >= 100 else 'missed'}")
    emp, prek = get("mmheap-empty", 64, "kernel"), get("mmheap-prefilled", 64,
                                                       "kernel")
    if emp and prek and env == "uml":
        r = emp / prek
        lines.append(f"64 MiB, in-kernel allocate() of an empty pool (the "
                     f"page allocator's work, the system heap's stand-in) "
                     f"over a full pool: {r:.0f}x (goal 50x at native "
                     f"speed): {'met' if r >= 50 else 'missed'}")
    worst = None
    for (case, mib), cell in data.items():
        if case == "mmheap-empty" and get("system", mib, "user") and \
                "user" in cell:
            r = cell["user"] / get("system", mib, "user")
            worst = max(worst or 0, r)
    if worst:
        lines.append(f"empty pool over system heap, ioctl p50, worst size: "
                     f"{worst:.2f} (goal 1.1 at most): "
                     f"{'met' if worst <= 1.1 else 'missed'}")
    ratios = [int(kv["ratio_ppm"]) / 1e4 for lab, path in paths
              if lab == label
              for _, kv in records(path, ("interference",))]
    if ratios:
        m = statistics.median(ratios)
        lines.append(f"interference, median of {len(ratios)} rounds: "
                     f"{m:.2f}% (goal 99% at least): "
                     f"{'met' if m >= 99 else 'missed'}")
    if lines:
        print(f"\n{env} ({label}): goals\n")
        for line in lines:
            print(f"- {line}")


def plot(out, runs):
    """p50 ioctl time of every case and size, one panel per label, log y."""
    import os
    import subprocess
    import tempfile
    panels = []
    tmp = tempfile.mkdtemp(prefix="mmheap-plot-")
    for label, data in runs:
        keys = [k for k in data if "user" in data[k]]
        cases = sorted({k[0] for k in keys},
                       key=lambda c: (c != "system", c))
        sizes = sorted({k[1] for k in keys})
        if not cases:
            continue
        dat = os.path.join(tmp, f"{label}.dat")
        with open(dat, "w", encoding="utf-8") as f:
            f.write("size " + " ".join(cases) + "\n")
            for sz in sizes:
                vals = [data.get((c, sz), {}).get("user") for c in cases]
                f.write(size_label(sz) + " " + " ".join(
                    "NaN" if v is None else f"{v / 1000:.3f}"
                    for v in vals) + "\n")
        panels.append((label, dat, len(cases)))
    if not panels:
        return
    script = [f"set terminal png noenhanced size {600 * len(panels)},480",
              f"set output '{out}'",
              "set style data histogram",
              "set style histogram clustered gap 1",
              "set style fill solid 0.8 border -1",
              "set logscale y", "set ylabel 'p50 DMA_HEAP_IOCTL_ALLOC, us'",
              "set key top left font ',8'", "set grid ytics",
              f"set multiplot layout 1,{len(panels)}"]
    for label, dat, n in panels:
        script.append(f"set title '{label}'")
        script.append(f"plot for [i=2:{n + 1}] '{dat}' using i:xtic(1) "
                      "title columnheader(i)")
    script.append("unset multiplot")
    try:
        subprocess.run(["gnuplot"], input="\n".join(script) + "\n",
                       text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit(f"table.py: gnuplot could not draw {out}: {e} "
                 "(Debian package gnuplot-nox)")


def size(mib):
    """A size_mib value as a table shows it: 4 KiB, 1 MiB, 64 MiB."""
    return f"{round(mib * 1024)} KiB" if mib < 1 else f"{mib:g} MiB"


def size_label(mib):
    """The same, without a space, for gnuplot's x axis."""
    return size(mib).replace(" ", "")


def us(ns):
    if ns is None:
        return "-"
    v = ns / 1000
    return f"{v:.1f}" if v < 1000 else f"{v:.0f}"


def ratio(a, b):
    if not a or not b:
        return "-"
    return f"{statistics.median(a) / statistics.median(b):.2f}"


def slower(cols, key):
    """In how many rounds the head's in-kernel p50 was above against's."""
    by_round = {}
    for label, data in cols:
        parts = label.split("-")
        if len(parts) == 3 and "kernel" in data.get(key, {}):
            by_round.setdefault(parts[2], {})[parts[1]] = data[key]["kernel"]
    pairs = [r for r in by_round.values() if "head" in r and "against" in r]
    if not pairs:
        return "-"
    n = sum(r["head"] > r["against"] for r in pairs)
    return f"{n} of {len(pairs)}"


def main(argv):
    runs = []
    paths = []
    csv_out = png_out = None
    while len(argv) >= 2 and argv[0] in ("--csv", "--png"):
        if argv[0] == "--csv":
            csv_out = argv[1]
        else:
            png_out = argv[1]
        argv = argv[2:]
    for arg in argv:
        label, sep, path = arg.partition("=")
        if not sep:
            sys.exit(f"table.py: {arg}: want LABEL=FILE")
        runs.append((label, parse(path)))
        paths.append((label, path))
    if csv_out:
        write_csv(csv_out, paths)
    if png_out:
        plot(png_out, runs)
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
        head = ["case", "size"] + [label for label, _ in cols]
        if versus:
            head += ["head/against", "head slower"]
        if keys:
            print(f"\n{env}: p50, ioctl us / in-kernel us\n")
            print("| " + " | ".join(head) + " |")
            print("|" + "---|" * len(head))
        for key in keys:
            row = [key[0], size(key[1])]
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
                row.append(slower(cols, key))
            print("| " + " | ".join(row) + " |")
        if bw_keys:
            print(f"\n{env}: MB/s, p50: bw: CPU writes through mmap() of a "
                  "buffer; touch: a new buffer's mmap(), write of all of "
                  "it and munmap()\n")
            print("| case | size | " + " | ".join(l for l, _ in cols) + " |")
            print("|" + "---|" * (len(cols) + 2))
            for key in bw_keys:
                cells = [str(data.get(key, {}).get("bw", "-"))
                         for _, data in cols]
                print(f"| {key[0]} | {size(key[1])} | " + " | ".join(cells) + " |")
        print_camera(env, [(label, camera(path)) for label, path in paths
                           if label.split("-")[0] == env])
        print_costs(env, [(label, path) for label, path in paths
                          if label.split("-")[0] == env])
        goals(env, cols, paths)


if __name__ == "__main__":
    main(sys.argv[1:])
