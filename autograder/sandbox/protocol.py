"""The wire format between the grader and a sandboxed child: plain data only.

A frame is two 8-byte lengths, a JSON header and an optional ``.npz`` payload
holding the arrays the header refers to. Values are encoded with a few tags
(tuples, arrays, Keras models) and decoded strictly: the grader never unpickles
anything, reads arrays with ``allow_pickle=False`` and refuses anything that is
not plain data. On the child's side, only exact built-in types cross, so an
object with a clever ``__eq__``, a subclass of ``float`` or of ``ndarray``
cannot reach the grader.
"""

from __future__ import annotations

import io
import json
import math
import socket
import struct
import sys
from typing import Any

import numpy as np

from autograder.proxy import KerasModelData

MAX_HEADER_BYTES = 8 * 1024 * 1024
MAX_PAYLOAD_BYTES = 256 * 1024 * 1024
MAX_DEPTH = 32
MAX_ITEMS = 100_000
_LENGTHS = struct.Struct("<QQ")
_NUMERIC_KINDS = frozenset("biufc")
_SCALARS = (type(None), bool, int, float, str)


class ProtocolError(Exception):
    """A frame or value that is not plain data; the message says what was wrong."""


# ---------------------------------------------------------------- encoding


def encode(value: Any, arrays: dict[str, np.ndarray], depth: int = 0) -> Any:
    """A JSON-able form of ``value``, with arrays moved into ``arrays``."""
    if depth > MAX_DEPTH:
        raise ProtocolError("the value is nested too deeply")
    kind = type(value)
    if kind in _SCALARS:
        if kind is float and not math.isfinite(value):
            return {"$float": repr(value)}
        return value
    if isinstance(value, np.generic) and type(value).__module__ == "numpy":
        if value.dtype.kind not in _NUMERIC_KINDS:
            raise ProtocolError(f"a NumPy scalar of dtype {value.dtype} is not numeric")
        return encode(value.item(), arrays, depth + 1)
    if kind is np.ndarray:
        if value.dtype.kind not in _NUMERIC_KINDS:
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
        return {
            "$keras": {
                "config_json": value.config_json,
                "compile_config": value.compile_config,
                "summary": value.summary,
            }
        }
    model = _as_keras_model(value)
    if model is not None:
        return encode(model, arrays, depth + 1)
    raise ProtocolError(f"a value of type {kind.__name__} cannot be graded; return plain data")


def _as_keras_model(value: Any) -> KerasModelData | None:
    keras = sys.modules.get("keras")
    if keras is None or not isinstance(value, keras.Model):
        return None
    compile_config = None
    if getattr(value, "compiled", False):
        compile_config = json.loads(json.dumps(value.get_compile_config(), default=str))
    layers = [
        {
            "name": layer.name,
            "class": type(layer).__name__,
            "output_shape": [d for d in layer.output.shape],
            "params": int(layer.count_params()),
        }
        for layer in value.layers
    ]
    summary = {"params": int(value.count_params()), "layers": layers}
    return KerasModelData(value.to_json(), compile_config, summary)


# ---------------------------------------------------------------- decoding


def decode(data: Any, arrays: dict[str, np.ndarray]) -> Any:
    """The value ``encode`` produced, checked to be plain data throughout."""
    budget = [MAX_ITEMS]
    return _decode(data, arrays, 0, budget)


def _decode(data: Any, arrays: dict[str, np.ndarray], depth: int, budget: list[int]) -> Any:
    budget[0] -= 1
    if depth > MAX_DEPTH or budget[0] < 0:
        raise ProtocolError("the value is too large or nested too deeply")
    if type(data) in _SCALARS:
        return data
    if type(data) is list:
        return [_decode(v, arrays, depth + 1, budget) for v in data]
    if type(data) is not dict or len(data) != 1:
        raise ProtocolError("malformed value in frame")
    ((tag, inner),) = data.items()
    if tag == "$float" and inner in ("nan", "inf", "-inf"):
        return float(inner)
    if tag == "$array" and type(inner) is str and inner in arrays:
        return arrays[inner]
    if tag == "$tuple" and type(inner) is list:
        return tuple(_decode(v, arrays, depth + 1, budget) for v in inner)
    if tag == "$dict" and type(inner) is dict:
        return {str(k): _decode(v, arrays, depth + 1, budget) for k, v in inner.items()}
    if tag == "$keras" and type(inner) is dict and type(inner.get("config_json")) is str:
        compile_config = inner.get("compile_config")
        summary = inner.get("summary")
        if compile_config is not None and type(compile_config) is not dict:
            raise ProtocolError("malformed compile config")
        if summary is not None and type(summary) is not dict:
            raise ProtocolError("malformed model summary")
        return KerasModelData(inner["config_json"], compile_config, summary)
    raise ProtocolError(f"unknown tag {str(tag)[:40]!r} in frame")


# ---------------------------------------------------------------- frames


def pack(header: dict[str, Any], arrays: dict[str, np.ndarray] | None = None) -> bytes:
    """One frame: lengths, JSON header, optional npz payload."""
    head = json.dumps(header, allow_nan=False).encode()
    payload = b""
    if arrays:
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        payload = buffer.getvalue()
    return _LENGTHS.pack(len(head), len(payload)) + head + payload


def unpack(head: bytes, payload: bytes) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Parse a frame's parts strictly; raise ProtocolError on anything unexpected."""
    try:
        header = json.loads(head)
    except ValueError as exc:
        raise ProtocolError(f"unreadable header: {exc}") from exc
    if type(header) is not dict:
        raise ProtocolError("the header is not an object")
    arrays: dict[str, np.ndarray] = {}
    if payload:
        try:
            with np.load(io.BytesIO(payload), allow_pickle=False) as archive:
                for key in archive.files:
                    array = archive[key]
                    if array.dtype.kind not in _NUMERIC_KINDS:
                        raise ProtocolError(f"array {key} is not numeric")
                    arrays[key] = array
        except ProtocolError:
            raise
        except Exception as exc:  # a corrupt payload can raise many exception types
            raise ProtocolError(f"unreadable array payload: {exc}") from exc
    return header, arrays


def send_frame(
    sock: socket.socket, header: dict[str, Any], arrays: dict[str, np.ndarray] | None = None
) -> None:
    sock.sendall(pack(header, arrays))


def recv_frame(sock: socket.socket) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read one frame (blocking); raise EOFError when the peer is gone."""
    head_len, payload_len = _LENGTHS.unpack(_recv_exact(sock, _LENGTHS.size))
    if head_len > MAX_HEADER_BYTES or payload_len > MAX_PAYLOAD_BYTES:
        raise ProtocolError("the frame is larger than allowed")
    return unpack(_recv_exact(sock, head_len), _recv_exact(sock, payload_len))


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    chunks, remaining = [], size
    while remaining:
        chunk = sock.recv(min(remaining, 1 << 20))
        if not chunk:
            raise EOFError("the peer closed the connection")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
