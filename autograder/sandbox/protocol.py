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
so a small frame can never expand into a large value. Frames are read and
written in :mod:`autograder.sandbox.frames`; this module turns values into
frame contents and back.
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any

import numpy as np

from autograder.sandbox.frames import (
    MAX_HEADER_BYTES,
    MAX_VALUE_BYTES,
    FrameReader,
    ProtocolError,
    pack,
    parse_header,
    parse_payload,
    recv_frame,
    send_frame,
)
from autograder.sandbox.proxy import KerasModelData

# The frame layer is part of this module's interface (child, session and tests use it).
__all__ = [
    "MAX_DEPTH", "MAX_HEADER_BYTES", "MAX_VALUE_BYTES", "FrameReader", "ProtocolError",
    "decode", "encode", "pack", "parse_header", "parse_payload", "recv_frame", "send_frame",
]

MAX_DEPTH = 64
_NUMERIC_KINDS = frozenset("biufc")
_SCALARS = (type(None), bool, int, float, str)


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
