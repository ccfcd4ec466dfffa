#!/usr/bin/env python3
"""Summarise Go benchmark output (e.g. scripts/device_amx.sh's kernels_bench.txt) as Markdown.

Usage: scripts/bench_summary.py FILE [REGEX]

Every benchmark line is grouped by its name (the -N GOMAXPROCS suffix dropped); a name that
appears in several rounds gets the median of each metric over them, and the number of rounds.
One table per benchmark function, one row per case, one column per metric (ns/op left out when
the case reports ms/img). REGEX keeps only the names it matches.
"""
import re
import statistics
import sys
from collections import OrderedDict

LINE = re.compile(r"^(Benchmark\S+?)(?:-\d+)?\s+(\d+)\s+(.*)$")


def parse(path, keep):
    cases = OrderedDict()
    with open(path) as f:
        for line in f:
            m = LINE.match(line.strip())
            if not m or (keep and not re.search(keep, m.group(1))):
                continue
            fields = m.group(3).split()
            metrics = OrderedDict()
            for value, unit in zip(fields[0::2], fields[1::2]):
                try:
                    metrics[unit] = float(value)
                except ValueError:
                    pass
            runs = cases.setdefault(m.group(1), [])
            runs.append(metrics)
    return cases


def table(func, cases):
    units = []
    for runs in cases.values():
        for r in runs:
            for u in r:
                if u not in units:
                    units.append(u)
    if "ms/img" in units and "ns/op" in units:
        units.remove("ns/op")
    print(f"### {func}\n")
    print("| case | rounds | " + " | ".join(units) + " |")
    print("|---|--:|" + "--:|" * len(units))
    for name, runs in cases.items():
        cells = []
        for u in units:
            vals = [r[u] for r in runs if u in r]
            cells.append(f"{statistics.median(vals):.4g}" if vals else "")
        case = name.split("/", 1)[1] if "/" in name else name
        print(f"| {case} | {len(runs)} | " + " | ".join(cells) + " |")
    print()


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    cases = parse(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
    if not cases:
        print(f"{sys.argv[1]}: no benchmark lines", file=sys.stderr)
        sys.exit(1)
    funcs = OrderedDict()
    for name, runs in cases.items():
        funcs.setdefault(name.split("/", 1)[0], OrderedDict())[name] = runs
    for func, fc in funcs.items():
        table(func, fc)


if __name__ == "__main__":
    main()
