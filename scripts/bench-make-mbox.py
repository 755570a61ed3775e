#!/usr/bin/env python3
"""Writes an mbox of the given size (MiB) for the streaming benchmark: each message forwards one of the intake mail
fixtures as an attachment, with a unique Message-ID and a 32 KiB binary attachment, as abuse mailboxes receive them.

    python3 scripts/bench-make-mbox.py OUT.mbox 1024
"""
import base64
import glob
import os
import random
import sys

out, megabytes = sys.argv[1], int(sys.argv[2])
here = os.path.dirname(os.path.abspath(__file__))
fixtures = [open(p, "rb").read() for p in sorted(glob.glob(os.path.join(here, "..", "Tests", "Fixtures", "intake", "*.eml")))
            if not os.path.basename(p).startswith("broken-")]
random.seed(7)
blob = base64.encodebytes(bytes(random.getrandbits(8) for _ in range(32 * 1024)))
target = megabytes << 20
written = 0
number = 0
with open(out, "wb") as f:
    while written < target:
        fixture = fixtures[number % len(fixtures)].replace(b"\r\n", b"\n")
        message = (b"From reporter@example.org Thu Jun 22 04:32:10 2023\n"
                   b"From: reporter@example.org\nTo: abuse@provider.example\nSubject: Fwd: report %d\n"
                   b"Message-ID: <bench-%d@example.org>\nDate: Thu, 22 Jun 2023 04:32:10 +0000\nMIME-Version: 1.0\n"
                   b"Content-Type: multipart/mixed; boundary=\"b%d\"\n\n"
                   b"--b%d\nContent-Type: text/plain\n\nPlease look at the attached report.\n"
                   b"--b%d\nContent-Type: message/rfc822\n\n" % (number, number, number, number, number))
        body = b"\n".join(b">" + line if line.startswith(b"From ") else line for line in fixture.split(b"\n"))
        message += body + (b"\n--b%d\nContent-Type: application/octet-stream; name=\"evidence.bin\"\n"
                           b"Content-Transfer-Encoding: base64\n\n" % number) + blob + b"--b%d--\n\n" % number
        f.write(message)
        written += len(message)
        number += 1
print(f"wrote {out}: {number} messages, {written >> 20} MiB")
