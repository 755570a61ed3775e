#!/usr/bin/env python3
"""Baseline for docs/benchmarks.md: longest-prefix match with pytricia (a C Patricia trie, the usual Python tool),
over the same IPv4 prefixes and queries mogura-bench wrote with --emit-queries. pytricia has no notion of time,
so it does less work than Mogura's time-aware lookup; the comparison flatters the baseline."""
import statistics
import sys
import time

import pytricia

directory = sys.argv[1]
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
with open(directory + "/prefixes-v4.txt") as f:
    prefixes = [line.strip() for line in f if line.strip()]
with open(directory + "/queries-v4.txt") as f:
    queries = [line.strip() for line in f if line.strip()]

loads, rates = [], []
for _ in range(runs):
    start = time.perf_counter()
    trie = pytricia.PyTricia(32)
    for p in prefixes:
        trie[p] = 1
    loads.append(time.perf_counter() - start)
    start = time.perf_counter()
    hits = 0
    for q in queries:
        if trie.get_key(q) is not None:
            hits += 1
    rates.append(len(queries) / (time.perf_counter() - start))

print(f"[pytricia {pytricia.__version__ if hasattr(pytricia, '__version__') else ''}] {len(prefixes)} IPv4 prefixes (no validity ranges), {len(queries)} queries")
print(f"  load: median {statistics.median(loads):.3f} s (range {min(loads):.3f}–{max(loads):.3f}, {runs} runs)")
print(f"  lookups: {statistics.median(rates) / 1e6:.2f} M/s on one core (range {min(rates) / 1e6:.2f}–{max(rates) / 1e6:.2f}; {hits * 100 // len(queries)}% matched)")
