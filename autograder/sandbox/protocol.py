"""The wire format between the grader and a sandboxed child: plain data only.

A frame is a 4-byte big-endian length, a JSON header of that length and, when
the header says ``"payload": n``, ``n`` bytes of raw array data laid out as the
header's ``"arrays"`` list declares (dtype and shape of each, in order, each
starting at a 16-byte boundary). Values are encoded with a few tags (tuples,
dicts, arrays, non-finite floats, complex numbers, Keras models) and decoded
strictly: the grader never unpickles anything and refuses anything that is not
plain data. Only exact built-in types are encoded, so an object with a clever
``__eq__``, a subclass of ``float`` or of ``ndarray`` cannot cross.

Threat model: the child runs student code in the same interpreter as its reply
writer, so a reply may be crafted by hand. Nothing in a frame is trusted. Every
size is checked before anything is allocated: the frame against the reader's
cap (the session lowers it to what is left of the submission's budget), each
array's declared shape times its itemsize against the payload it must exactly
fill, the header's nesting depth and container count. There is no compression,
so a small frame can never expand into a large value.
"""

from __future__ import annotations

import json
import math
import socket
import struct
import sys
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.proxy import KerasModelData

MAX_HEADER_BYTES = 16 * 1024 * 1024
MAX_VALUE_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 64
# Lists and dicts in one header; each costs the grader ~100 bytes however short its JSON.
MAX_CONTAINERS = 1_000_000
MAX_DIMS = 32
_MAX_DIM = 2**40
_ALIGN = 16
_LENGTH = struct.Struct(">I")
_NUMERIC_KINDS = frozenset("biufc")
# Every numeric dtype, by its exact spelling; anything else in a header is refused unparsed.
_DTYPES = frozenset(
    np.dtype(code).newbyteorder(order).str for code in "?bBhHiIlLqQefdgFDG" for order in "<>"
)
_SCALARS = (type(None), bool, int, float, str)


class ProtocolError(Exception):
    """A frame or value that is not plain data; the message says what was wrong."""


# ---------------------------------------------------------------- values


def encode(value: Any, arrays: dict[str, np.ndarray], depth: int = 0) -> Any:
    """A JSON-able form of ``value``, with arrays moved into ``arrays``."""
    if depth > MAX_DEPTH:
        raise ProtocolError("the value is nested too deeply")
    kind = type(value)
    if kind in _SCALARS:
        if kind is float and not math.isfinite(value):
            return {"$float": repr(value)}
        return value
    if kind is complex:
        return {"$complex": [encode(value.real, arrays), encode(value.imag, arrays)]}
    if isinstance(value, np.generic) and kind.__module__ == "numpy":
        if value.dtype.kind not in _NUMERIC_KINDS and value.dtype.kind != "U":
            raise ProtocolError(f"a NumPy scalar of dtype {value.dtype} is not plain data")
        return encode(value.item(), arrays, depth + 1)
    if kind is np.ndarray:
        if value.dtype.kind not in _NUMERIC_KINDS or value.dtype.fields is not None:
            raise ProtocolError(f"an array of dtype {value.dtype} is not numeric data")
        key = f"a{len(arrays)}"
        arrays[key] = np.ascontiguousarray(value)
        return {"$array": key}
    if kind is list:
        return [encode(v, arrays, depth + 1) for v in value]
    if kind is tuple:
        return {"$tuple": [encode(v, arrays, depth + 1) for v in value]}
    if kind is dict:
        if not all(type(k) is str for k in value):
            raise ProtocolError("dictionary keys must be strings")
        return {"$dict": {k: encode(v, arrays, depth + 1) for k, v in value.items()}}
    if kind is KerasModelData:
        return {"$keras": _keras_fields(value)}
    model = _as_keras_model(value)
    if model is not None:
        return {"$keras": _keras_fields(model)}
    raise ProtocolError(f"a value of type {kind.__name__} cannot be graded; return plain data")


def _keras_fields(data: KerasModelData) -> dict[str, Any]:
    fields = {
        "config_json": data.config_json,
        "compile_config": data.compile_config,
        "summary": data.summary,
    }
    if type(data.config_json) is not str:
        raise ProtocolError("the model's JSON config is not a string")
    try:  # both configs must already be plain JSON
        json.dumps(fields, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ProtocolError(f"the model's configuration is not plain data: {exc}") from exc
    return fields


def _as_keras_model(value: Any) -> KerasModelData | None:
    """A Keras model as data; Keras is only looked up if the program already imported it."""
    keras = sys.modules.get("keras")
    if keras is None or not isinstance(value, keras.Model):
        return None
    compile_config = None
    if getattr(value, "compiled", False):
        raw = value.get_compile_config()
        compile_config = json.loads(json.dumps(raw, default=str)) if raw is not None else None
    layers = [
        {
            "name": str(layer.name),
            "class": type(layer).__name__,
            "output_shape": _output_shape(layer),
            "params": _count(layer),
        }
        for layer in value.layers
    ]
    summary = {"params": _count(value), "layers": layers}
    return KerasModelData(value.to_json(), compile_config, summary)


def _output_shape(layer: Any) -> list[int | None] | None:
    try:  # Keras 3 has no layer.output_shape; an unbuilt layer has no output at all
        return [None if d is None else int(d) for d in layer.output.shape]
    except Exception:
        return None


def _count(layer: Any) -> int | None:
    try:
        return int(layer.count_params())
    except Exception:  # an unbuilt model cannot count its weights
        return None


def decode(data: Any, arrays: dict[str, np.ndarray], depth: int = 0) -> Any:
    """The value ``encode`` produced, checked to be plain data throughout."""
    if depth > MAX_DEPTH:
        raise ProtocolError("the value is nested too deeply")
    kind = type(data)
    if kind in _SCALARS:
        return data
    if kind is list:
        return [decode(v, arrays, depth + 1) for v in data]
    if kind is not dict or len(data) != 1:
        raise ProtocolError("malformed value in frame")
    ((tag, inner),) = data.items()
    if tag == "$float" and inner in ("nan", "inf", "-inf"):
        return float(inner)
    if tag == "$complex" and type(inner) is list and len(inner) == 2:
        real, imag = (decode(v, arrays, depth + 1) for v in inner)
        if type(real) is float and type(imag) is float:
            return complex(real, imag)
    if tag == "$array" and type(inner) is str and inner in arrays:
        return arrays[inner]
    if tag == "$tuple" and type(inner) is list:
        return tuple(decode(v, arrays, depth + 1) for v in inner)
    if tag == "$dict" and type(inner) is dict:
        return {k: decode(v, arrays, depth + 1) for k, v in inner.items()}
    if tag == "$keras" and type(inner) is dict and type(inner.get("config_json")) is str:
        compile_config, summary = inner.get("compile_config"), inner.get("summary")
        if compile_config is not None and type(compile_config) is not dict:
            raise ProtocolError("malformed compile config")
        if summary is not None and type(summary) is not dict:
            raise ProtocolError("malformed model summary")
        return KerasModelData(inner["config_json"], compile_config, summary)
    raise ProtocolError(f"malformed value with tag {str(tag)[:40]!r} in frame")


# ---------------------------------------------------------------- frames


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
