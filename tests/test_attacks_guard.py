"""Attacks on what the grader trusts: replies, names, disks and the student wheel.

Each attack is one function with the property that must hold. The reply attacks
run a real sandboxed child in a grader subprocess whose address space is capped
by an rlimit, so a grader that did decode a bomb fails the test without harming
the machine.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pytest
from sandbox_helpers import SLOT

from autograder.sandbox.protocol import FrameReader, ProtocolError, pack

# Student code that replaces the child's reply writer with one that sends a crafted frame.
HOSTILE = '''
import json, struct, sys, zlib


def _send_instead(make_frame):
    child = sys.modules["autograder.sandbox.child"]
    child.pack = lambda header, arrays=None: make_frame(header.get("id"))
    return 0


def _frame(header, payload=b""):
    head = json.dumps({**header, "payload": len(payload)}).encode()
    return struct.pack(">I", len(head)) + head + payload


def _npz_bomb(mib):
    """A small deflated .npz whose one float64 array of zeros unpacks to ``mib`` MiB."""
    count = mib * 2**20 // 8
    npy = b"\\x93NUMPY\\x01\\x00"
    text = "{'descr': '<f8', 'fortran_order': False, 'shape': (%d,), }" % count
    text = text.ljust(118) + "\\n"
    npy += struct.pack("<H", len(text)) + text.encode()
    zeros = bytes(2**20)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)
    blocks = mib
    body = packer.compress(npy) + packer.flush(zlib.Z_FULL_FLUSH)
    body += block * blocks + packer.flush()
    crc = zlib.crc32(npy)
    for _ in range(blocks):
        crc = zlib.crc32(zeros, crc)
    size = len(npy) + blocks * len(zeros)
    # One zip64 member, deflated, with the sizes and CRC of the unpacked array.
    name = b"a0.npy"
    extra = struct.pack("<HHQQ", 1, 16, size, len(body))
    local = struct.pack("<4s5H3L2H", b"PK\\x03\\x04", 45, 0, 8, 0, 0, crc, 0xFFFFFFFF,
                        0xFFFFFFFF, len(name), len(extra)) + name + extra
    central = struct.pack("<4s6H3L5H2L", b"PK\\x01\\x02", 45, 45, 0, 8, 0, 0, crc, 0xFFFFFFFF,
                          0xFFFFFFFF, len(name), len(extra), 0, 0, 0, 0, 0) + name + extra
    end = struct.pack("<4s4H2LH", b"PK\\x05\\x06", 0, 0, 1, 1, len(central),
                      len(local) + len(body), 0)
    return local + body + central + end


def bomb():
    payload = _npz_bomb(512)  # below the grader's rlimit, so a decoder would fill it
    return _send_instead(lambda i: _frame(
        {"id": i, "status": "ok", "value": {"$array": "a0"}}, payload))


def declared_bomb():
    header = {"status": "ok", "value": {"$array": "a0"},
              "arrays": [{"dtype": "<f8", "shape": [2**20, 2**20]}]}
    return _send_instead(lambda i: _frame({**header, "id": i}, bytes(16)))


def deep():
    value = "[" * 200000 + "]" * 200000
    def make(i):
        head = ('{"id": %d, "status": "ok", "payload": 0, "value": %s}' % (i, value)).encode()
        return struct.pack(">I", len(head)) + head
    return _send_instead(make)


def add(a, b):
    return a + b
'''

GRADER = '''
import json, resource, sys
from pathlib import Path
from autograder.proxy import BadReturn
from autograder.sandbox.limits import vm_size_bytes
from autograder.sandbox.session import SandboxConfig, Zygote

scratch, slot = Path(sys.argv[1]), int(sys.argv[2])
config = SandboxConfig(call_timeout=30, cpu_seconds_per_call=30, memory_mb=1024)
with Zygote() as zygote:
    # The grader (not the zygote, already started) may map only 768 MiB more than now.
    cap = vm_size_bytes() + 768 * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    seen = {}
    with zygote.spawn(scratch, config, slot=slot) as session:
        for attack in sys.argv[3:]:
            try:
                seen[attack] = repr(session.call("shapes", attack))
            except BadReturn as exc:
                seen[attack] = "BadReturn: " + str(exc)
        seen["after"] = session.call("shapes", "add", 2, 3)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seen": seen, "peak_mib": peak}))
'''


def _grade_hostile(tmp_path: Path, *attacks: str) -> dict:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    (scratch / "shapes.py").write_text(textwrap.dedent(HOSTILE))
    done = subprocess.run(
        [sys.executable, "-c", GRADER, str(scratch), str(SLOT), *attacks],
        capture_output=True, text=True, timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def hostile_replies(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return _grade_hostile(tmp_path_factory.mktemp("replies"), "bomb", "declared_bomb", "deep")


def test_decompression_bomb_reply_leaves_the_grader_small(hostile_replies):
    """A 512 MiB .npz bomb in a 0.5 MiB reply is refused; the grader stays under 300 MiB."""
    assert hostile_replies["seen"]["bomb"].startswith("BadReturn")
    assert hostile_replies["peak_mib"] < 300
    assert hostile_replies["seen"]["after"] == 5


def test_huge_declared_shape_is_refused_before_allocation(hostile_replies):
    """A reply declaring a 2**40-element array over 16 bytes is refused from its header."""
    assert "larger than the payload" in hostile_replies["seen"]["declared_bomb"]
    assert hostile_replies["peak_mib"] < 300


def test_deeply_nested_reply_is_a_bad_return(hostile_replies):
    """A reply nested 200,000 deep is refused; the grader carries on with the next call."""
    assert "nested too deeply" in hostile_replies["seen"]["deep"]
    assert hostile_replies["seen"]["after"] == 5


def test_reply_budget_caps_what_the_reader_buffers():
    """A frame announcing more than the reader's remaining budget is refused from its header."""
    frame = pack({"value": {"$array": "a0"}}, {"a0": np.zeros(512)})
    reader = FrameReader(max_bytes=1024)
    with pytest.raises(ProtocolError, match="larger than allowed"):
        reader.feed(frame[:200])
    assert len(reader.frames) == 0
