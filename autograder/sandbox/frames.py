"""Frames on the wire between grader and child: length, JSON header, raw array payload.

See :mod:`autograder.sandbox.protocol` for the format and the threat model. This
module reads frames without trusting them: the header's nesting and container
count, the frame's size against the reader's cap, and every declared array's
dtype and shape against the payload are checked before anything is allocated.
"""

from __future__ import annotations

import json
import math
import socket
import struct
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_HEADER_BYTES = 16 * 1024 * 1024
MAX_VALUE_BYTES = 64 * 1024 * 1024
# Lists and dicts in one header; each costs the grader ~100 bytes however short its JSON.
MAX_CONTAINERS = 1_000_000
MAX_DIMS = 32
_MAX_DIM = 2**40
_ALIGN = 16
_LENGTH = struct.Struct(">I")
# Every numeric dtype, by its exact spelling; anything else in a header is refused unparsed.
_DTYPES = frozenset(
    np.dtype(code).newbyteorder(order).str for code in "?bBhHiIlLqQefdgFDG" for order in "<>"
)


class ProtocolError(Exception):
    """A frame or value that is not plain data; the message says what was wrong."""


def pack(header: dict[str, Any], arrays: dict[str, np.ndarray] | None = None) -> bytes:
    """One frame: length, JSON header, optional raw array payload."""
    specs, chunks, size = [], [], 0
    for index in range(len(arrays or {})):
        array = np.ascontiguousarray((arrays or {})[f"a{index}"])
        specs.append({"dtype": array.dtype.str, "shape": list(array.shape)})
        padding = -size % _ALIGN
        chunks += [b"\0" * padding, array.tobytes()]
        size += padding + array.nbytes
    full = {**header, "payload": size}
    if specs:
        full["arrays"] = specs
    head = json.dumps(full, allow_nan=False).encode()
    return _LENGTH.pack(len(head)) + head + b"".join(chunks)


@dataclass(frozen=True)
class _Slot:
    """Where one declared array lies in the payload."""

    key: str
    dtype: np.dtype
    shape: tuple[int, ...]
    offset: int
    count: int


@dataclass(frozen=True)
class PayloadLayout:
    """The arrays a header declares, checked to fill exactly ``size`` payload bytes."""

    size: int
    slots: tuple[_Slot, ...] = ()


def parse_header(
    head: bytes, max_bytes: int = MAX_VALUE_BYTES
) -> tuple[dict[str, Any], PayloadLayout]:
    """The header object and the payload it announces, checked before any payload is read."""
    if head.count(b"[") + head.count(b"{") > MAX_CONTAINERS:
        raise ProtocolError("the header holds too many lists and dicts")
    try:
        header = json.loads(head)
    except RecursionError as exc:
        raise ProtocolError("the value is nested too deeply") from exc
    except ValueError as exc:
        raise ProtocolError(f"unreadable header: {str(exc)[:200]}") from exc
    if type(header) is not dict:
        raise ProtocolError("the header is not an object")
    size = header.pop("payload", 0)
    if type(size) is not int or not 0 <= size <= max_bytes - len(head):
        raise ProtocolError(
            f"the frame is larger than allowed ({max(0, max_bytes) // 1024} KiB here)"
        )
    return header, _layout(header.pop("arrays", []), size)


def _layout(specs: Any, size: int) -> PayloadLayout:
    """Declared dtypes and shapes, sized with Python integers (no overflow) against ``size``."""
    if type(specs) is not list:
        raise ProtocolError("malformed array list in frame")
    slots, offset = [], 0
    for index, spec in enumerate(specs):
        if type(spec) is not dict or type(spec.get("shape")) is not list:
            raise ProtocolError("malformed array declaration in frame")
        dtype, shape = spec.get("dtype"), spec["shape"]
        if type(dtype) is not str or dtype not in _DTYPES:
            raise ProtocolError(f"array a{index} does not have a numeric dtype")
        if len(shape) > MAX_DIMS or not all(type(d) is int and 0 <= d <= _MAX_DIM for d in shape):
            raise ProtocolError(f"array a{index} declares an impossible shape")
        count = math.prod(shape)  # a Python integer: a huge declared shape cannot wrap around
        offset += -offset % _ALIGN
        nbytes = count * np.dtype(dtype).itemsize
        if offset + nbytes > size:
            raise ProtocolError(f"array a{index} is larger than the payload")
        slots.append(_Slot(f"a{index}", np.dtype(dtype), tuple(shape), offset, count))
        offset += nbytes
    if offset != size:
        raise ProtocolError("the payload does not match the arrays the header declares")
    return PayloadLayout(size, tuple(slots))


def parse_payload(payload: bytes | bytearray, layout: PayloadLayout) -> dict[str, np.ndarray]:
    """The declared arrays, as views of ``payload`` (writable when it is a bytearray)."""
    if len(payload) != layout.size:
        raise ProtocolError("the payload does not match the arrays the header declares")
    arrays: dict[str, np.ndarray] = {}
    for slot in layout.slots:
        if slot.count == 0:
            arrays[slot.key] = np.zeros(slot.shape, slot.dtype)
            continue
        flat = np.frombuffer(payload, slot.dtype, count=slot.count, offset=slot.offset)
        if slot.dtype.kind == "b":  # a byte other than 0 or 1 would be a bool unlike any other
            flat = flat.view(np.uint8) != 0
        arrays[slot.key] = flat.reshape(slot.shape)
    return arrays


class FrameReader:
    """Turns bytes received in arbitrary pieces into whole frames, enforcing a size cap."""

    def __init__(self, max_bytes: int = MAX_VALUE_BYTES) -> None:
        self.max_bytes = max_bytes
        self.received = 0  # bytes of every whole frame so far, for a caller's budget
        self._buffer = bytearray()
        self._pending: tuple[dict[str, Any], PayloadLayout] | None = None
        self.frames: deque[tuple[dict[str, Any], dict[str, np.ndarray]]] = deque()

    def feed(self, data: bytes) -> None:
        """Add received bytes; every frame they complete is appended to ``frames``."""
        self._buffer += data
        while True:
            if self._pending is None:
                if len(self._buffer) < _LENGTH.size:
                    return
                (head_len,) = _LENGTH.unpack_from(self._buffer)
                if head_len > min(MAX_HEADER_BYTES, self.max_bytes):
                    raise ProtocolError("the frame header is larger than allowed")
                if len(self._buffer) < _LENGTH.size + head_len:
                    return
                head = bytes(self._buffer[_LENGTH.size : _LENGTH.size + head_len])
                del self._buffer[: _LENGTH.size + head_len]
                self._pending = parse_header(head, self.max_bytes)
                self.received += _LENGTH.size + head_len
            header, layout = self._pending
            if len(self._buffer) < layout.size:
                return
            payload = bytearray(self._buffer[: layout.size])
            del self._buffer[: layout.size]
            self.received += layout.size
            self._pending = None
            self.frames.append((header, parse_payload(payload, layout)))


def send_frame(
    sock: socket.socket, header: dict[str, Any], arrays: dict[str, np.ndarray] | None = None
) -> None:
    """Pack ``header`` and ``arrays`` into one frame and send it whole."""
    sock.sendall(pack(header, arrays))


def recv_frame(
    sock: socket.socket, max_bytes: int = MAX_VALUE_BYTES
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read one frame (blocking); raise EOFError when the peer is gone."""
    (head_len,) = _LENGTH.unpack(_recv_exact(sock, _LENGTH.size))
    if head_len > min(MAX_HEADER_BYTES, max_bytes):
        raise ProtocolError("the frame header is larger than allowed")
    header, layout = parse_header(_recv_exact(sock, head_len), max_bytes)
    return header, parse_payload(bytearray(_recv_exact(sock, layout.size)), layout)


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    chunks, remaining = [], size
    while remaining:
        chunk = sock.recv(min(remaining, 1 << 20))
        if not chunk:
            raise EOFError("the peer closed the connection")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
