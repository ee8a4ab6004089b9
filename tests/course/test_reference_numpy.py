"""The NumPy reference solutions checked against TensorFlow and Keras as oracles.

Every randomized case is seeded and its failure message names the seed and
the case, so a failure can be replayed alone.
"""

from __future__ import annotations

import ast
import doctest
import re
import sys
import types

import keras
import numpy as np
import pytest
import tensorflow as tf

from autograder.course.paths import course
from autograder.load.modules import load_module_group

NAMES = ("convolution", "pooling", "shapes", "params")
TOL = {"rtol": 1e-10, "atol": 1e-10}


@pytest.fixture(scope="module")
def ref() -> dict[str, types.ModuleType]:
    group = load_module_group(course().reference, NAMES)
    assert group.errors == {}
    return group.modules


# ---------------------------------------------------------------- random cases


def _pair(value: int | tuple[int, int]) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else value


def _size_arg(rng: np.random.Generator, low: int, high: int) -> int | tuple[int, int]:
    """An int or an (h, w) tuple in [low, high], as the API accepts both."""
    h, w = (int(v) for v in rng.integers(low, high + 1, size=2))
    return h if rng.random() < 0.4 else (h, w)


def _padding_arg(rng: np.random.Generator, allow_int: bool = True) -> str | int:
    choices = ["valid", "same", "int"] if allow_int else ["valid", "same"]
    choice = str(rng.choice(choices))
    return int(rng.integers(0, 4)) if choice == "int" else choice


def _side(rng: np.random.Generator, f: int, padding: str | int) -> int:
    """An input length from 1 to 12 that the window fits after padding."""
    pad = padding if isinstance(padding, int) else 0
    low = 1 if padding == "same" else max(1, f - 2 * pad)
    return int(rng.integers(low, 13))


def conv_case(rng: np.random.Generator) -> dict:
    """Random arguments for conv_forward."""
    m, c_in, c_out = (int(v) for v in rng.integers(1, 5, size=3))
    m = min(m, 3)
    fh, fw = (int(v) for v in rng.integers(1, 5, size=2))
    padding = _padding_arg(rng)
    shape = (m, _side(rng, fh, padding), _side(rng, fw, padding), c_in)
    return {
        "A_prev": rng.normal(size=shape),
        "W": rng.normal(size=(fh, fw, c_in, c_out)),
        "b": rng.normal(size=c_out),
        "stride": _size_arg(rng, 1, 3),
        "padding": padding,
    }


def pool_case(rng: np.random.Generator, allow_int: bool) -> dict:
    """Random arguments for pool_forward (int padding only when allow_int)."""
    pool = _size_arg(rng, 1, 4)
    fh, fw = _pair(pool)
    padding = _padding_arg(rng, allow_int)
    if isinstance(padding, int):
        padding = min(padding, fh - 1, fw - 1)
    m, c = int(rng.integers(1, 4)), int(rng.integers(1, 5))
    shape = (m, _side(rng, fh, padding), _side(rng, fw, padding), c)
    return {
        "A_prev": rng.normal(size=shape),
        "pool_size": pool,
        "stride": None if rng.random() < 0.3 else _size_arg(rng, 1, 3),
        "mode": str(rng.choice(["max", "average"])),
        "padding": padding,
    }


def describe(seed: int, index: int, case: dict) -> str:
    parts = [f"{k}={v.shape if isinstance(v, np.ndarray) else v!r}" for k, v in case.items()]
    return f"seed {seed} case {index}: " + ", ".join(parts)


def cases(make, seed: int, count: int, **kwargs) -> list[tuple[str, dict]]:
    rng = np.random.default_rng(seed)
    found = [make(rng, **kwargs) for _ in range(count)]
    return [(describe(seed, i, case), case) for i, case in enumerate(found)]


# ---------------------------------------------------------------- oracles


def tf_conv(A_prev, W, b, stride, padding) -> np.ndarray:
    pad = padding.upper() if isinstance(padding, str) else [[0, 0], [padding] * 2,
                                                            [padding] * 2, [0, 0]]
    out = tf.nn.conv2d(tf.constant(A_prev), tf.constant(W), list(_pair(stride)), pad)
    return out.numpy() + b


def tf_pool(A_prev, pool_size, stride, mode, padding) -> np.ndarray:
    op = tf.nn.max_pool2d if mode == "max" else tf.nn.avg_pool2d
    stride = pool_size if stride is None else stride
    return op(tf.constant(A_prev, tf.float64), list(_pair(pool_size)), list(_pair(stride)),
              padding.upper()).numpy()


def slow_pool(A_prev, pool_size, stride, mode, padding) -> np.ndarray:
    """Pooling by explicit loops over the output; padded positions are simply not read."""
    (fh, fw), (sh, sw) = _pair(pool_size), _pair(stride if stride is not None else pool_size)
    m, h, w, c = A_prev.shape
    out = np.empty((m, (h + 2 * padding - fh) // sh + 1, (w + 2 * padding - fw) // sw + 1, c))
    for i in range(out.shape[1]):
        for j in range(out.shape[2]):
            top, left = i * sh - padding, j * sw - padding
            window = A_prev[:, max(top, 0):top + fh, max(left, 0):left + fw, :]
            out[:, i, j, :] = window.max(axis=(1, 2)) if mode == "max" else window.mean(axis=(1, 2))
    return out


# ---------------------------------------------------------------- convolution

CONV_CHUNKS, CONV_PER_CHUNK = 25, 40
POOL_CHUNKS, POOL_PER_CHUNK = 20, 25


@pytest.mark.parametrize("seed", range(CONV_CHUNKS))
def test_conv_forward_matches_tf_conv2d(ref, seed):
    """conv_forward equals tf.nn.conv2d plus bias on random shapes, strides and paddings."""
    for label, case in cases(conv_case, seed, CONV_PER_CHUNK):
        got = ref["convolution"].conv_forward(**case)
        assert got.dtype == np.float64, label
        np.testing.assert_allclose(got, tf_conv(**case), **TOL, err_msg=label)


def _conv_same_by_hand(conv, case: dict, extra_on_top_left: bool) -> np.ndarray:
    """'same' padding done by padding first, with the odd extra zero put on either side."""
    A, W = case["A_prev"], case["W"]
    widths = [(0, 0)]
    for n, f, s in zip(A.shape[1:3], W.shape[:2], _pair(case["stride"]), strict=True):
        total = max((-(-n // s) - 1) * s + f - n, 0)
        small, large = total // 2, total - total // 2
        widths.append((large, small) if extra_on_top_left else (small, large))
    A = np.pad(A, [*widths, (0, 0)])
    return conv(A, W, case["b"], stride=case["stride"], padding="valid")


def test_suite_catches_same_padding_on_the_wrong_side(ref):
    """Conv with the odd 'same' zero on top/left fails the oracle cases; the right split passes."""
    conv = ref["convolution"].conv_forward
    caught = 0
    for seed in range(CONV_CHUNKS):
        for label, case in cases(conv_case, seed, CONV_PER_CHUNK):
            if case["padding"] != "same":
                continue
            expected = tf_conv(**case)
            right = _conv_same_by_hand(conv, case, extra_on_top_left=False)
            np.testing.assert_allclose(right, expected, **TOL, err_msg=label)
            wrong = _conv_same_by_hand(conv, case, extra_on_top_left=True)
            caught += not np.allclose(wrong, expected, **TOL)
    assert caught > 0


def test_conv_forward_accepts_keras_style_bias_and_lists(ref):
    """b of shape (1, 1, 1, C) and nested lists give the same result as arrays."""
    case = cases(conv_case, 1000, 1)[0][1]
    conv = ref["convolution"].conv_forward
    expected = tf_conv(**case)
    got = conv(case["A_prev"].tolist(), case["W"].tolist(), case["b"].reshape(1, 1, 1, -1),
               stride=case["stride"], padding=case["padding"])
    np.testing.assert_allclose(got, expected, **TOL)


def test_conv_single_step_matches_a_one_pixel_conv2d(ref):
    """conv_single_step equals tf.nn.conv2d on a window the size of the kernel."""
    rng = np.random.default_rng(7)
    for index in range(100):
        fh, fw, c = (int(v) for v in rng.integers(1, 5, size=3))
        a_slice, W, b = rng.normal(size=(fh, fw, c)), rng.normal(size=(fh, fw, c)), rng.normal()
        bias = [b, np.array([b]), np.array(b).reshape(1, 1, 1)][index % 3]
        expected = tf_conv(a_slice[None], W[..., None], np.array([b]), 1, "valid").item()
        got = ref["convolution"].conv_single_step(a_slice, W, bias)
        assert isinstance(got, float), index
        assert got == pytest.approx(expected, rel=1e-10, abs=1e-10), index


def test_apply_filter_matches_single_channel_conv2d(ref):
    """apply_filter equals tf.nn.conv2d with one image, one channel, stride 1, 'valid'."""
    rng = np.random.default_rng(8)
    for index in range(100):
        fh, fw = (int(v) for v in rng.integers(1, 5, size=2))
        image = rng.normal(size=(int(rng.integers(fh, 13)), int(rng.integers(fw, 13))))
        kernel = rng.normal(size=(fh, fw))
        expected = tf_conv(image[None, :, :, None], kernel[:, :, None, None], np.zeros(1), 1,
                           "valid")[0, :, :, 0]
        got = ref["convolution"].apply_filter(image, kernel)
        np.testing.assert_allclose(got, expected, **TOL, err_msg=f"case {index}")


def test_zero_pad_matches_tf_pad(ref):
    """zero_pad adds zeros on H and W only, as tf.pad does, and keeps the dtype."""
    rng = np.random.default_rng(9)
    for pad in range(4):
        X = rng.normal(size=(2, 3, 4, 2))
        expected = tf.pad(X, [[0, 0], [pad, pad], [pad, pad], [0, 0]]).numpy()
        got = ref["convolution"].zero_pad(X, pad)
        assert got.dtype == X.dtype
        np.testing.assert_array_equal(got, expected)


def test_conv_forward_in_several_blocks_matches_tf_conv2d(ref):
    """A batch whose im2col matrix spans several cache blocks still equals tf.nn.conv2d."""
    rng = np.random.default_rng(10)
    conv = ref["convolution"].conv_forward
    for stride, padding in ((1, "valid"), (2, "same"), ((1, 2), 2)):
        # 9 images of 20x20x16 under a 5x5 kernel: each image's windows take hundreds
        # of KB, so the batch is multiplied in several blocks, the last one partial.
        case = {"A_prev": rng.normal(size=(9, 20, 20, 16)), "W": rng.normal(size=(5, 5, 16, 8)),
                "b": rng.normal(size=8), "stride": stride, "padding": padding}
        before = case["A_prev"].copy()
        got = conv(**case)
        np.testing.assert_allclose(got, tf_conv(**case), **TOL, err_msg=f"{stride} {padding}")
        np.testing.assert_array_equal(case["A_prev"], before)


# Loops the two kernel modules may contain: over the two spatial axes (a 2-tuple
# literal), over the offsets inside a pooling window (range(ph), range(pw)) and over
# blocks of images (range(0, m, step)). A loop over output rows, columns or pixels
# has none of these forms.
WINDOW_NAMES = {"ph", "pw"}


def _allowed_iterable(node: ast.expr) -> bool:
    if isinstance(node, ast.Tuple):
        return len(node.elts) == 2
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "range" and all(isinstance(a, ast.Name | ast.Constant)
                                                for a in node.args)):
        return False
    names = [a.id if isinstance(a, ast.Name) else a.value for a in node.args]
    return (len(names) == 1 and names[0] in WINDOW_NAMES) or (
        len(names) == 3 and names[:2] == [0, "m"] and names[2] == "step")


def _loops(node: ast.AST, depth: int = 0):
    """Yield (loop node, iterable, nesting depth) for every loop and comprehension."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.While):
            yield child, None, depth + 1
        elif isinstance(child, ast.For):
            yield child, child.iter, depth + 1
            yield from _loops(child, depth + 1)
            continue
        elif isinstance(child, ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
            for level, gen in enumerate(child.generators, start=1):
                yield child, gen.iter, depth + level
            yield from _loops(child, depth + len(child.generators))
            continue
        yield from _loops(child, depth)


def test_kernels_loop_only_over_axes_window_offsets_or_image_blocks():
    """conv_forward and pool_forward are vectorized: no loop runs over output pixels.

    Speed itself is measured by benchmarks/kernels.py; this guards the structure.
    """
    for name in ("convolution", "pooling"):
        tree = ast.parse((course().reference / f"{name}.py").read_text())
        found = list(_loops(tree))
        assert found, f"{name}.py has no loop at all; the check would be empty"
        for loop, iterable, depth in found:
            where = f"{name}.py line {loop.lineno}"
            assert iterable is not None and _allowed_iterable(iterable), (
                f"{where}: a loop over something other than the axes, a window or image blocks"
            )
            assert depth <= 2, f"{where}: loops nested {depth} deep"


def _lines_run(fn, files: set[str], *args, **kwargs) -> int:
    """How many source lines of the given files run during fn(*args, **kwargs)."""
    count = 0

    def local(frame, event, arg):
        nonlocal count
        count += event == "line"
        return local

    def tracer(frame, event, arg):
        return local if frame.f_code.co_filename in files else None

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        fn(*args, **kwargs)
    finally:
        sys.settrace(previous)
    return count


def test_kernels_python_work_does_not_grow_with_the_output(ref):
    """256 times more pixels, or 64 times more images, run (almost) no more Python lines."""
    files = {ref[name].__file__ for name in ("convolution", "pooling")}
    conv, pool = ref["convolution"].conv_forward, ref["pooling"].pool_forward
    rng = np.random.default_rng(11)
    W, b = rng.normal(size=(3, 3, 3, 4)), rng.normal(size=4)
    small = rng.normal(size=(1, 8, 8, 3))
    # Each stays within one block of conv_forward's im2col matrix, so a loop over
    # rows, pixels or single images would show up as extra lines.
    larger = (rng.normal(size=(1, 128, 128, 3)), rng.normal(size=(64, 8, 8, 3)))
    for label, fn, kwargs in (
        ("conv", conv, {"W": W, "b": b, "padding": "same"}),
        ("conv strided", conv, {"W": W, "b": b, "stride": 2}),
        ("max pool", pool, {"pool_size": 3, "stride": 1, "padding": "same"}),
        ("average pool", pool, {"pool_size": 2, "mode": "average", "padding": 1}),
    ):
        few = _lines_run(fn, files, small, **kwargs)
        assert few > 0, label
        for A in larger:
            many = _lines_run(fn, files, A, **kwargs)
            assert many - few < 8, f"{label}: {few} lines for 1x8x8, {many} for {A.shape}"


# ---------------------------------------------------------------- pooling


@pytest.mark.parametrize("seed", range(POOL_CHUNKS))
def test_pool_forward_matches_tf_pooling(ref, seed):
    """pool_forward equals tf.nn.max_pool2d / avg_pool2d with 'valid' and 'same' padding."""
    for label, case in cases(pool_case, 100 + seed, POOL_PER_CHUNK, allow_int=False):
        got = ref["pooling"].pool_forward(**case)
        assert got.dtype == np.float64, label
        np.testing.assert_allclose(got, tf_pool(**case), **TOL, err_msg=label)


def test_pool_forward_int_padding_matches_slow_loop(ref):
    """Int padding never wins a max and is left out of an average (there is no TF oracle)."""
    checked = 0
    for seed in range(10):
        for label, case in cases(pool_case, 200 + seed, 30, allow_int=True):
            if not isinstance(case["padding"], int):
                continue
            np.testing.assert_allclose(ref["pooling"].pool_forward(**case), slow_pool(**case),
                                       **TOL, err_msg=label)
            checked += case["padding"] > 0
    assert checked >= 30


def test_pooling_suite_catches_same_padding_on_the_wrong_side(ref):
    """Max pooling whose odd 'same' padding goes top/left fails the oracle cases."""
    pool = ref["pooling"].pool_forward
    caught = 0
    for seed in range(POOL_CHUNKS):
        for _label, case in cases(pool_case, 100 + seed, POOL_PER_CHUNK, allow_int=False):
            if case["padding"] != "same" or case["mode"] != "max":
                continue
            A, (fh, fw) = case["A_prev"], _pair(case["pool_size"])
            sh, sw = _pair(case["stride"] if case["stride"] is not None else case["pool_size"])
            widths = [(0, 0)]
            for n, f, s in ((A.shape[1], fh, sh), (A.shape[2], fw, sw)):
                total = max((-(-n // s) - 1) * s + f - n, 0)
                widths.append((total - total // 2, total // 2))
            A = np.pad(A, [*widths, (0, 0)], constant_values=-np.inf)
            wrong = pool(A, case["pool_size"], case["stride"], "max", "valid")
            caught += not np.allclose(wrong, tf_pool(**case), **TOL)
    assert caught > 0


# ---------------------------------------------------------------- shapes and params


def keras_layer_case(rng: np.random.Generator) -> dict:
    """Random Conv2D and pooling settings that fit their input."""
    kernel, pool = _size_arg(rng, 1, 4), _size_arg(rng, 1, 4)
    padding = _padding_arg(rng, allow_int=False)
    big = max(*_pair(kernel), *_pair(pool))
    h, w = (_side(rng, big, padding) for _ in range(2))
    return {
        "input_shape": (h, w, int(rng.integers(1, 5))),
        "filters": int(rng.integers(1, 5)),
        "kernel_size": kernel,
        "pool_size": pool,
        "stride": _size_arg(rng, 1, 3),
        "padding": padding,
        "use_bias": bool(rng.random() < 0.7),
        "units": int(rng.integers(1, 20)),
    }


def test_shapes_and_params_match_keras_layers(ref):
    """Shapes and parameter counts equal Keras compute_output_shape and count_params."""
    shapes, params = ref["shapes"], ref["params"]
    for label, case in cases(keras_layer_case, 300, 200):
        h, w, c = case["input_shape"]
        stride, padding = case["stride"], case["padding"]
        conv = keras.layers.Conv2D(case["filters"], case["kernel_size"], strides=stride,
                                   padding=padding, use_bias=case["use_bias"])
        conv.build((None, h, w, c))
        expected = tuple(conv.compute_output_shape((None, h, w, c))[1:])
        assert shapes.conv_output_shape((h, w, c), case["filters"], case["kernel_size"],
                                        stride, padding) == expected, label
        fh, sh = _pair(case["kernel_size"])[0], _pair(stride)[0]
        assert shapes.conv_output_size(h, fh, sh, padding) == expected[0], label
        assert params.conv2d_params(case["kernel_size"], c, case["filters"],
                                    case["use_bias"]) == conv.count_params(), label

        layer = (keras.layers.MaxPooling2D if case["units"] % 2 else keras.layers.AveragePooling2D)
        pool_stride = None if case["units"] % 3 == 0 else stride
        pooled = layer(case["pool_size"], strides=pool_stride, padding=padding)
        expected = tuple(pooled.compute_output_shape((None, h, w, c))[1:])
        got = shapes.pool_output_shape((h, w, c), case["pool_size"], pool_stride, padding)
        assert got == expected, label

        flat = keras.layers.Flatten().compute_output_shape((None, h, w, c))[1]
        assert shapes.flatten_size((h, w, c)) == flat, label
        dense = keras.layers.Dense(case["units"], use_bias=case["use_bias"])
        dense.build((None, flat))
        assert params.dense_params(flat, case["units"], case["use_bias"]) == dense.count_params()


def random_model(rng: np.random.Generator) -> tuple[tuple, list[dict], list]:
    """A random layer stack as summarize dicts and as Keras layers built from the same kwargs."""
    input_shape = (int(rng.integers(4, 17)), int(rng.integers(4, 17)), int(rng.integers(1, 4)))
    shape, specs, layers = (None, *input_shape), [], []
    kinds = {"conv2d": keras.layers.Conv2D, "max_pooling2d": keras.layers.MaxPooling2D,
             "average_pooling2d": keras.layers.AveragePooling2D}
    for _ in range(int(rng.integers(1, 4))):
        kind = str(rng.choice(list(kinds)))
        kwargs: dict = {}
        if kind == "conv2d":
            kwargs |= {"filters": int(rng.integers(1, 9)), "kernel_size": _size_arg(rng, 1, 4)}
            if rng.random() < 0.5:
                kwargs["use_bias"] = bool(rng.random() < 0.5)
        elif rng.random() < 0.7:
            kwargs["pool_size"] = _size_arg(rng, 1, 3)
        if rng.random() < 0.6:
            kwargs["strides"] = _size_arg(rng, 1, 3)
        window = _pair(kwargs.get("kernel_size", kwargs.get("pool_size", 2)))
        if rng.random() < 0.5 or window[0] > shape[1] or window[1] > shape[2]:
            kwargs["padding"] = "same" if window[0] > shape[1] or window[1] > shape[2] else "valid"
        # Keras 3's AveragePooling2D has no default pool_size; the spec's default is 2.
        pool_default = {} if kind == "conv2d" else {"pool_size": 2}
        layer = kinds[kind](**(pool_default | kwargs))
        shape = layer.compute_output_shape(shape)
        specs.append({"type": kind, **kwargs})
        layers.append(layer)
    if rng.random() < 0.7:
        specs.append({"type": "flatten"})
        layers.append(keras.layers.Flatten())
    for _ in range(int(rng.integers(1, 3))):
        units, bias = int(rng.integers(1, 30)), bool(rng.random() < 0.8)
        specs.append({"type": "dense", "units": units, "use_bias": bias, "activation": "relu"})
        layers.append(keras.layers.Dense(units, use_bias=bias, activation="relu"))
    return input_shape, specs, layers


def test_summarize_matches_keras_models(ref):
    """summarize gives each layer's output shape and count_params of the same Keras model."""
    rng = np.random.default_rng(400)
    for index in range(40):
        input_shape, specs, layers = random_model(rng)
        model = keras.Sequential([keras.Input(input_shape), *layers])
        expected = [(tuple(layer.output.shape[1:]), layer.count_params()) for layer in model.layers]
        got = ref["params"].summarize(input_shape, specs)
        assert got == expected, f"model {index}: {input_shape} {specs}"


# ---------------------------------------------------------------- lecture numbers


MNIST_CNN = [
    {"type": "conv2d", "filters": 64, "kernel_size": 3, "activation": "relu"},
    {"type": "max_pooling2d", "pool_size": 2},
    {"type": "conv2d", "filters": 64, "kernel_size": 3, "activation": "relu"},
    {"type": "max_pooling2d", "pool_size": 2},
    {"type": "flatten"},
    {"type": "dense", "units": 128, "activation": "relu"},
    {"type": "dense", "units": 10, "activation": "softmax"},
]
STRIDED_CNN = [
    {"type": "conv2d", "filters": 4, "kernel_size": 5, "padding": "same"},
    {"type": "conv2d", "filters": 8, "kernel_size": 5, "strides": 2, "padding": "same"},
    {"type": "conv2d", "filters": 12, "kernel_size": 4, "strides": 2, "padding": "same"},
    {"type": "flatten"},
    {"type": "dense", "units": 200},
    {"type": "dense", "units": 10},
]
DENSE_BASELINE = [{"type": "flatten"}, {"type": "dense", "units": 128},
                  {"type": "dense", "units": 10}]


def test_fashion_cnn_shapes_follow_the_lecture(ref):
    """28 -> 26 -> 13 -> 11 -> 5, and 5x5x64 flattens to 1600."""
    shapes = ref["shapes"]
    assert shapes.conv_output_size(28, 3) == 26
    assert shapes.pool_output_shape((26, 26, 64)) == (13, 13, 64)
    assert shapes.conv_output_shape((13, 13, 64), 64, 3) == (11, 11, 64)
    assert shapes.pool_output_shape((11, 11, 64)) == (5, 5, 64)
    assert shapes.flatten_size((5, 5, 64)) == 1600


def test_strided_cnn_flattens_to_7x7x12(ref):
    """Three 'same' convolutions, two with stride 2, leave 7x7x12 = 588 values."""
    shapes = ref["shapes"]
    shape = shapes.conv_output_shape((28, 28, 1), 4, 5, padding="same")
    shape = shapes.conv_output_shape(shape, 8, 5, stride=2, padding="same")
    shape = shapes.conv_output_shape(shape, 12, 4, stride=2, padding="same")
    assert shape == (7, 7, 12)
    assert shapes.flatten_size(shape) == 588
    assert shapes.conv_output_shape((28, 28, 8), 12, 4, stride=2, padding="same") == (14, 14, 12)


def test_lecture_parameter_counts(ref):
    """456 and 156 parameters for six 5x5 filters; 235,200 dense weights from 784 pixels."""
    params = ref["params"]
    assert params.conv2d_params(5, 3, 6) == 456
    assert params.conv2d_params(5, 1, 6) == 156
    assert params.dense_params(784, 300, use_bias=False) == 235_200


@pytest.mark.parametrize(("layers", "total"), [
    (MNIST_CNN, 243_786), (STRIDED_CNN, 122_270), (DENSE_BASELINE, 101_770)])
def test_summarize_lecture_models(ref, layers, total):
    """The course's three models total 243,786, 122,270 and 101,770 parameters."""
    rows = ref["params"].summarize((28, 28, 1), layers)
    assert sum(params for _, params in rows) == total


def test_summarize_mnist_cnn_rows(ref):
    """Each row of the MNIST CNN summary has the shape and count model.summary() shows."""
    rows = ref["params"].summarize((28, 28, 1), MNIST_CNN)
    assert rows == [((26, 26, 64), 640), ((13, 13, 64), 0), ((11, 11, 64), 36_928),
                    ((5, 5, 64), 0), ((1600,), 0), ((128,), 204_928), ((10,), 1290)]


def test_summarize_accepts_keras_class_names(ref):
    """Layer types may also be spelled as the Keras classes (Conv2D, MaxPooling2D, ...)."""
    snake = [{"type": "conv2d", "filters": 3, "kernel_size": 2},
             {"type": "average_pooling2d"}, {"type": "flatten"}, {"type": "dense", "units": 4}]
    classes = [dict(row, type=name) for row, name in
               zip(snake, ["Conv2D", "AveragePooling2D", "Flatten", "Dense"], strict=True)]
    summarize = ref["params"].summarize
    assert summarize((6, 6, 2), classes) == summarize((6, 6, 2), snake)


# ---------------------------------------------------------------- validation

X4 = np.zeros((1, 3, 3, 1))
W4 = np.zeros((2, 2, 1, 2))
B2 = np.zeros(2)
CONV = {"filters": 2, "kernel_size": 3}
BAD_ARGUMENTS = [
    ("convolution", "zero_pad", (np.zeros((3, 3, 1)), 1), {}, "X must"),
    ("convolution", "zero_pad", (X4, -1), {}, "pad must"),
    ("convolution", "zero_pad", (X4, 1.5), {}, "pad must"),
    ("convolution", "conv_single_step", (np.zeros((2, 2)), np.zeros((2, 2)), 0.0), {}, "a_slice"),
    ("convolution", "conv_single_step", (np.zeros((2, 2, 1)), np.zeros((3, 2, 1)), 0.0), {},
     "W must"),
    ("convolution", "conv_single_step", (np.zeros((2, 2, 1)), np.zeros((2, 2, 1)), B2), {},
     "b must"),
    ("convolution", "conv_forward", (np.zeros((3, 3, 1)), W4, B2), {}, "A_prev must"),
    ("convolution", "conv_forward", (X4, np.zeros((2, 2, 1)), B2), {}, "W must"),
    ("convolution", "conv_forward", (np.zeros((1, 3, 3, 2)), W4, B2), {}, "W expects 1"),
    ("convolution", "conv_forward", (X4, W4, np.zeros(3)), {}, "b must"),
    ("convolution", "conv_forward", (X4, W4, B2), {"stride": 0}, "stride must"),
    ("convolution", "conv_forward", (X4, W4, B2), {"stride": (1, 2, 3)}, "stride must"),
    ("convolution", "conv_forward", (X4, W4, B2), {"padding": "full"}, "padding must"),
    ("convolution", "conv_forward", (X4, W4, B2), {"padding": -1}, "padding must"),
    ("convolution", "conv_forward", (X4, np.zeros((4, 2, 1, 2)), B2), {}, "W's kernel height"),
    ("convolution", "apply_filter", (np.zeros((3, 3, 1)), np.ones((2, 2))), {}, "image must"),
    ("convolution", "apply_filter", (np.zeros((3, 3)), np.ones(2)), {}, "kernel must"),
    ("convolution", "apply_filter", (np.zeros((3, 3)), np.ones((4, 2))), {}, "kernel (4, 2)"),
    ("pooling", "pool_forward", (np.zeros((3, 3, 1)),), {}, "A_prev must"),
    ("pooling", "pool_forward", (X4,), {"pool_size": 0}, "pool_size must"),
    ("pooling", "pool_forward", (X4,), {"stride": (0, 1)}, "stride must"),
    ("pooling", "pool_forward", (X4,), {"mode": "min"}, "mode must"),
    ("pooling", "pool_forward", (X4,), {"padding": "full"}, "padding must"),
    ("pooling", "pool_forward", (X4,), {"padding": 2}, "padding (2) must"),
    ("pooling", "pool_forward", (X4,), {"pool_size": (4, 1)}, "pool_size height"),
    ("shapes", "conv_output_size", (0, 3), {}, "n must"),
    ("shapes", "conv_output_size", (5, 0), {}, "f must"),
    ("shapes", "conv_output_size", (5, 3), {"stride": 0}, "stride must"),
    ("shapes", "conv_output_size", (5, 3), {"padding": "half"}, "padding must"),
    ("shapes", "conv_output_size", (3, 5), {}, "f (5)"),
    ("shapes", "conv_output_shape", ((28, 28), 4, 3), {}, "input_shape must"),
    ("shapes", "conv_output_shape", ((28, 28, 1), 0, 3), {}, "filters must"),
    ("shapes", "conv_output_shape", ((28, 28, 1), 4, (3,)), {}, "kernel_size must"),
    ("shapes", "conv_output_shape", ((28, 28, 1), 4, 3), {"stride": -1}, "stride must"),
    ("shapes", "conv_output_shape", ((2, 28, 1), 4, 3), {}, "kernel_size height"),
    ("shapes", "pool_output_shape", ((28, 28, 1),), {"pool_size": -1}, "pool_size must"),
    ("shapes", "pool_output_shape", ((28, 28, 1),), {"padding": 2}, "padding (2) must"),
    ("shapes", "flatten_size", ((),), {}, "shape must"),
    ("shapes", "flatten_size", ((5, 0),), {}, "shape must"),
    ("params", "dense_params", (0, 3), {}, "n_inputs must"),
    ("params", "dense_params", (3, 0), {}, "units must"),
    ("params", "dense_params", (3, 2), {"use_bias": "yes"}, "use_bias must"),
    ("params", "conv2d_params", ((3, 3, 3), 1, 4), {}, "kernel_size must"),
    ("params", "conv2d_params", (3, 0, 4), {}, "in_channels must"),
    ("params", "conv2d_params", (3, 1, 0), {}, "filters must"),
    ("params", "summarize", ((28, 28, 0), []), {}, "input_shape must"),
    ("params", "summarize", ((28, 28, 1), [{"type": "lstm"}]), {}, "layers[0] has unknown"),
    ("params", "summarize", ((28, 28, 1), [{"type": "conv2d", "filters": 2}]), {},
     "needs the argument 'kernel_size'"),
    ("params", "summarize", ((28, 28, 1), [{"type": "conv2d", **CONV, "stride": 2}]), {},
     "unknown argument 'stride'"),
    ("params", "summarize", ((28, 28, 1), [{"type": "flatten"}, {"type": "conv2d", **CONV}]),
     {}, "layers[1] (conv2d) needs an (H, W, C)"),
    ("params", "summarize", ((28, 28, 1), [{"type": "flatten"}, {"type": "dense", "units": 0}]),
     {}, "layers[1]['units'] must"),
    ("params", "summarize", ((28, 28, 1), [{"type": "conv2d", **CONV, "strides": 0}]), {},
     "layers[0]['strides'] must"),
    ("params", "summarize", ((28, 28, 1), [{"type": "max_pooling2d", "padding": "full"}]), {},
     "layers[0]['padding'] must"),
    ("params", "summarize", ((2, 2, 1), [{"type": "conv2d", **CONV}]), {},
     "layers[0]['kernel_size'] (3)"),
]


@pytest.mark.parametrize(("module", "function", "args", "kwargs", "message"), BAD_ARGUMENTS)
def test_bad_arguments_raise_value_error_naming_them(ref, module, function, args, kwargs,
                                                     message):
    """Each kind of bad argument raises ValueError whose message names the argument."""
    with pytest.raises(ValueError) as info:
        getattr(ref[module], function)(*args, **kwargs)
    assert message in str(info.value)


# ---------------------------------------------------------------- module conventions


@pytest.mark.parametrize("name", NAMES)
def test_doctests_pass(ref, name):
    """The worked examples in every docstring run and give the stated results."""
    result = doctest.testmod(ref[name], optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0


@pytest.mark.parametrize("name", NAMES)
def test_modules_import_only_numpy_and_the_standard_library(name):
    """No reference module imports a sibling, so one broken file costs only its own points."""
    tree = ast.parse((course().reference / f"{name}.py").read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            roots.add((node.module or ".").split(".")[0])
    assert roots <= {"numpy", "__future__"} | set(sys.stdlib_module_names)


def _strip_solutions(text: str) -> str:
    """The stub convention: drop column-0 solution regions, replace indented ones."""
    text = re.sub(r"^# BEGIN SOLUTION\n.*?^# END SOLUTION\n", "", text, flags=re.S | re.M)
    return re.sub(r"^( +)# BEGIN SOLUTION\n.*?^\1# END SOLUTION\n",
                  r"\1raise NotImplementedError\n", text, flags=re.S | re.M)


@pytest.mark.parametrize("name", NAMES)
def test_every_public_function_is_marked_and_stubs_import(ref, name):
    """Each public function's body is one solution region, and the stub module still imports."""
    text = (course().reference / f"{name}.py").read_text(encoding="utf-8")
    stub = types.ModuleType(f"stub_{name}")
    exec(compile(_strip_solutions(text), f"stub_{name}.py", "exec"), stub.__dict__)
    public = [n for n, v in vars(ref[name]).items()
              if isinstance(v, types.FunctionType) and not n.startswith("_")]
    assert public
    stub_public = sorted(n for n, v in vars(stub).items()
                         if isinstance(v, types.FunctionType) and not n.startswith("_"))
    assert stub_public == sorted(public)
    for function in public:
        body = ast.parse(_strip_solutions(text)).body
        node = next(n for n in body if isinstance(n, ast.FunctionDef) and n.name == function)
        assert isinstance(node.body[-1], ast.Raise), function
        assert len(node.body) == 2, function  # the docstring, then the raise
        assert getattr(stub, function).__doc__ == getattr(ref[name], function).__doc__


def test_helpers_shared_by_name_are_identical():
    """A helper name used in two modules has one definition, so notebook cells can be joined."""
    definitions: dict[str, set[str]] = {}
    for name in NAMES:
        tree = ast.parse((course().reference / f"{name}.py").read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                definitions.setdefault(node.name, set()).add(ast.dump(node))
    assert {n: len(d) for n, d in definitions.items() if len(d) > 1} == {}
