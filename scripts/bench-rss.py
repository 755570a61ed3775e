#!/usr/bin/env python3
"""Runs a command and prints its wall time and peak resident memory (from the kernel's rusage of the child).

    python3 scripts/bench-rss.py COMMAND [ARGS…]     (standard output of the command goes to /dev/null)
"""
import resource
import subprocess
import sys
import time

start = time.perf_counter()
completed = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
print(f"  exit {completed.returncode}, {elapsed:.1f} s, peak RSS {peak / 1024:.0f} MiB")
if completed.returncode != 0:
    print(completed.stderr.decode(errors="replace")[-2000:])
    sys.exit(1)
