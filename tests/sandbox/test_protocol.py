"""The wire format: plain data round-trips exactly, everything else is refused."""

from __future__ import annotations

import io
import json
import math
import struct
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from autograder.sandbox.local import LocalProxy, round_trip
from autograder.sandbox.protocol import FrameReader, ProtocolError, decode, pack, recv_frame
from autograder.sandbox.proxy import BadReturn, KerasModelData, MissingCode, StudentRaised


class AlwaysEqual:
    def __eq__(self, other: object) -> bool:
        return True


class FloatSub(float):
    def __eq__(self, other: object) -> bool:
        return True


class IntSub(int):
    pass


class ArraySub(np.ndarray):
    pass


@pytest.mark.parametrize(
    "value",
    [None, True, False, 0, -7, 2**80, 1.5, -0.0, "text ü ✓", [], [1, [2, [3]]], (1, "a"),
     ((),), {"a": 1, "b": [None, (2, 3)]}, {}, 3 + 4j, "$tuple", {"$dict": 1}],
)
def test_plain_values_round_trip_with_their_types(value):
    """Every plain value comes back equal and of exactly the same type, all the way down."""
    got = round_trip(value)
    assert got == value
    assert repr(got) == repr(value)  # repr tells a tuple from a list, True from 1


def test_non_finite_floats_round_trip():
    """NaN and the infinities survive although JSON has no spelling for them."""
    got = round_trip([math.nan, math.inf, -math.inf])
    assert math.isnan(got[0]) and got[1:] == [math.inf, -math.inf]


@pytest.mark.parametrize("dtype", ["bool", "int8", "int64", "uint16", "float32", "float64",
                                   "complex128"])
def test_numeric_arrays_round_trip(dtype):
    """Arrays of every numeric dtype keep their dtype, shape and values."""
    array = (np.arange(12).reshape(3, 4) % 3).astype(dtype)
    got = round_trip({"x": array})["x"]
    assert type(got) is np.ndarray and got.dtype == array.dtype and got.shape == (3, 4)
    np.testing.assert_array_equal(got, array)


def test_numpy_scalars_become_python_numbers():
    """NumPy scalars cross as the matching built-in type."""
    got = round_trip([np.float32(1.5), np.int64(3), np.bool_(True), np.complex64(1j)])
    assert [type(v) for v in got] == [float, int, bool, complex]
    assert got == [1.5, 3, True, 1j]


def test_keras_model_data_round_trips():
    """A model's data (as a child sends it) arrives as the same KerasModelData."""
    data = KerasModelData('{"class_name": "Sequential"}', {"loss": "mse"}, {"params": 3})
    assert round_trip(data) == data


@pytest.mark.parametrize(
    "value",
    [AlwaysEqual(), FloatSub(1.0), IntSub(1), np.zeros(2).view(ArraySub), {1: "a"},
     {"a": {1, 2}}, b"bytes", np.array(["a", "b"]), np.array([object()]),
     np.zeros(2, dtype=[("a", "f4")]), np.datetime64("2024-01-01"), print, [[AlwaysEqual()]]],
    ids=lambda v: type(v).__name__,
)
def test_non_plain_values_are_refused(value):
    """Anything that is not plain data, subclasses included, is a bad return."""
    with pytest.raises(BadReturn):
        round_trip(value)


def test_deep_and_cyclic_values_are_refused():
    """Nesting past the depth cap, or a list containing itself, cannot cross."""
    deep: list = []
    for _ in range(200):
        deep = [deep]
    cyclic: list = []
    cyclic.append(cyclic)
    for value in (deep, cyclic):
        with pytest.raises(BadReturn, match="deeply"):
            round_trip(value)


def _frame(header: bytes, payload: bytes = b"") -> bytes:
    return struct.pack(">I", len(header)) + header + payload


@pytest.mark.parametrize(
    "raw",
    [{"$eval": "x"}, {"$array": "missing"}, {"$float": "1e999x"}, {"$tuple": 3},
     {"a": 1, "b": 2}, {"$complex": ["1", 2.0]}, {"$keras": {"config_json": 1}}],
)
def test_malformed_values_are_refused_by_the_decoder(raw):
    """The decoder accepts only the shapes the encoder makes."""
    with pytest.raises(ProtocolError):
        decode(raw, {})


def test_pickled_payload_is_never_unpickled():
    """An npz holding an object array (pickle inside) is refused, not loaded."""
    buffer = io.BytesIO()
    np.savez(buffer, a0=np.array([AlwaysEqual()], dtype=object))
    payload = buffer.getvalue()
    header = json.dumps({"value": {"$array": "a0"}, "payload": len(payload)}).encode()
    reader = FrameReader()
    with pytest.raises(ProtocolError, match="payload"):
        reader.feed(_frame(header, payload))


def test_frames_arrive_in_pieces_and_in_bunches():
    """The reader rebuilds frames from any split of the byte stream."""
    arrays = {"a0": np.arange(5.0)}
    stream = pack({"n": 1, "v": {"$array": "a0"}}, arrays) + pack({"n": 2})
    reader = FrameReader()
    for i in range(0, len(stream), 7):
        reader.feed(stream[i : i + 7])
    (first, first_arrays), (second, _) = reader.frames
    assert first["n"] == 1 and second == {"n": 2}
    np.testing.assert_array_equal(first_arrays["a0"], np.arange(5.0))


def test_oversized_frames_are_refused_before_reading_them():
    """A frame announcing more bytes than the cap is refused from its header alone."""
    reader = FrameReader(max_bytes=1000)
    with pytest.raises(ProtocolError, match="larger"):
        reader.feed(_frame(json.dumps({"payload": 10**9}).encode()))
    with pytest.raises(ProtocolError, match="larger"):
        FrameReader(max_bytes=1000).feed(struct.pack(">I", 5000))


def test_recv_frame_reads_from_a_socket():
    """The blocking reader used by the child gets the same frame back."""
    import socket

    left, right = socket.socketpair()
    with left, right:
        left.sendall(pack({"k": "v"}, {"a0": np.ones(2)}))
        header, arrays = recv_frame(right)
    assert header == {"k": "v"} and arrays["a0"].tolist() == [1.0, 1.0]


def test_session_module_does_not_import_tensorflow():
    """The grader side of the sandbox stays light: no TensorFlow or Keras import."""
    code = (
        "import sys, autograder.sandbox.session, autograder.sandbox.local; "
        "print('tensorflow' in sys.modules or 'keras' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


class TestLocalProxy:
    def test_calls_return_plain_data(self, tmp_path):
        """The self-check proxy calls the student's code and converts the value."""
        (tmp_path / "shapes.py").write_text(
            "import numpy as np\n\ndef f(n):\n    return np.float64(n) / 2, np.arange(n)\n"
        )
        (tmp_path / "params.py").write_text("from shapes import f\n\ndef g():\n    return f(2)\n")
        proxy = LocalProxy(tmp_path)
        half, array = proxy.call("shapes", "f", 3)
        assert type(half) is float and half == 1.5 and array.tolist() == [0, 1, 2]
        assert proxy.call("params", "g")[0] == 1.0

    def test_errors_are_student_errors(self, tmp_path):
        """Exceptions, exits, missing code, syntax errors and bad values map to StudentError."""
        (tmp_path / "shapes.py").write_text(textwrap.dedent("""
            import sys
            class Sneaky(float):
                pass
            def boom():
                raise ValueError("bad stride")
            def leave():
                sys.exit(2)
            def sneaky():
                return Sneaky(1.0)
        """))
        (tmp_path / "pooling.py").write_text("def f(:\n    pass\n")
        proxy = LocalProxy(tmp_path)
        with pytest.raises(StudentRaised, match="ValueError: bad stride") as raised:
            proxy.call("shapes", "boom")
        assert "boom" in raised.value.trace
        with pytest.raises(StudentRaised, match="SystemExit"):
            proxy.call("shapes", "leave")
        with pytest.raises(BadReturn):
            proxy.call("shapes", "sneaky")
        with pytest.raises(MissingCode, match="no function nope"):
            proxy.call("shapes", "nope")
        with pytest.raises(MissingCode, match="line 1"):
            proxy.call("pooling", "f")
        with pytest.raises(MissingCode, match=r"convolution\.py is missing"):
            proxy.call("convolution", "conv_forward")


def _raw_frame(header: dict, payload: bytes) -> bytes:
    return _frame(json.dumps({**header, "payload": len(payload)}).encode(), payload)


@pytest.mark.parametrize(
    ("arrays", "payload", "message"),
    [
        ([{"dtype": "|O", "shape": [1]}], bytes(8), "numeric dtype"),
        ([{"dtype": "(1000,)<f8", "shape": [1]}], bytes(8), "numeric dtype"),
        ([{"dtype": "<f8", "shape": [2**40, 2**40]}], bytes(16), "larger than the payload"),
        ([{"dtype": "<f8", "shape": [-1]}], bytes(8), "impossible shape"),
        ([{"dtype": "<f8", "shape": [1] * 40}], bytes(8), "impossible shape"),
        ([{"dtype": "<f8", "shape": [1]}], bytes(16), "does not match"),
        ({"dtype": "<f8"}, bytes(8), "malformed"),
    ],
)
def test_declared_arrays_must_fill_the_payload_exactly(arrays, payload, message):
    """Dtype, shape and size of each declared array are checked before anything is allocated."""
    frame = _raw_frame({"value": {"$array": "a0"}, "arrays": arrays}, payload)
    with pytest.raises(ProtocolError, match=message):
        FrameReader().feed(frame)


def test_arrays_arrive_writable_aligned_and_with_proper_bools():
    """Decoded arrays can be changed in place, and a bool byte of 2 reads as True."""
    reader = FrameReader()
    reader.feed(pack({}, {"a0": np.arange(3, dtype=np.int8), "a1": np.zeros((0, 10**9))}))
    _, arrays = reader.frames.popleft()
    arrays["a0"][0] = 7
    assert arrays["a0"].tolist() == [7, 1, 2] and arrays["a1"].shape == (0, 10**9)
    header = {"value": {"$array": "a0"}, "arrays": [{"dtype": "|b1", "shape": [2]}]}
    reader.feed(_raw_frame(header, b"\x00\x02"))
    _, arrays = reader.frames.popleft()
    assert arrays["a0"].tolist() == [False, True] and arrays["a0"].sum() == 1


def test_deep_json_header_is_refused_as_too_deep():
    """A header nested far past the depth cap is a protocol error, not a RecursionError."""
    head = b'{"value": ' + b"[" * 100000 + b"]" * 100000 + b', "payload": 0}'
    with pytest.raises(ProtocolError, match="deeply"):
        FrameReader(max_bytes=10**7).feed(_frame(head))
