#!/usr/bin/env python3
"""Baseline for docs/benchmarks.md: Python's email package (policy.default) parsing the same messages mogura-bench
parsed (corpus.bin and corpus.idx written by `mogura-bench --intake … --emit-queries DIR`), doing the same work:
parse, decode Subject and From, and get the plain (else HTML) body text."""
import email
import email.policy
import statistics
import sys
import time

directory = sys.argv[1]
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 1
blob = open(directory + "/corpus.bin", "rb").read()
offsets = [tuple(map(int, line.split())) for line in open(directory + "/corpus.idx")]
messages = [blob[start:start + length] for start, length in offsets]
megabytes = len(blob) / 1048576
times = []
checksum = 0
for _ in range(runs):
    start = time.perf_counter()
    for raw in messages:
        try:
            message = email.message_from_bytes(raw, policy=email.policy.default)
            checksum += len(str(message["subject"] or "")) + len(str(message["from"] or ""))
            body = message.get_body(preferencelist=("plain", "html"))
            if body is not None:
                checksum += len(body.get_content())
        except Exception:
            checksum += 1
    times.append(time.perf_counter() - start)
median = statistics.median(times)
print(f"[python {sys.version.split()[0]} email, policy.default] {len(messages)} messages, {megabytes:.0f} MiB")
print(f"  parse + decoded Subject, From and body text: {megabytes / median:.2f} MiB/s on one core (median {median:.2f} s, range {min(times):.2f}–{max(times):.2f}, {runs} runs)")
