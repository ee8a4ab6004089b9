"""Each known mistake, made on purpose in a copy of the reference, is diagnosed by the graders."""

from __future__ import annotations

import numpy as np
import pytest
from grading_helpers import ModuleProxy, grade, mutant, reference_modules

from autograder.misconceptions import CODES, HINTS, diagnose, pair


def _flip_kernel(conv):
    return lambda A, W, b, stride=1, padding="valid": conv(A, W[::-1, ::-1], b, stride, padding)


def _no_bias(conv):
    return lambda A, W, b, stride=1, padding="valid": conv(A, W, np.zeros_like(b), stride, padding)


def _stride_one(pool):
    return lambda A, pool_size=2, stride=None, mode="max", padding="valid": pool(
        A, pool_size, 1, mode, padding)


def _same_top_left(conv):
    def wrong(A, W, b, stride=1, padding="valid"):
        if padding != "same":
            return conv(A, W, b, stride, padding)
        pads = []
        for n, f, s in zip(A.shape[1:3], W.shape[:2], pair(stride), strict=True):
            total = max((-(-n // s) - 1) * s + f - n, 0)
            pads.append((total - total // 2, total // 2))
        return conv(np.pad(A, ((0, 0), pads[0], pads[1], (0, 0))), W, b, stride, "valid")
    return wrong


def _minus_one(size):
    return lambda n, f, stride=1, padding="valid": size(n, f, stride, padding) - 1


def _swap_mode(pool):
    return lambda A, pool_size=2, stride=None, mode="max", padding="valid": pool(
        A, pool_size, stride, "average" if mode == "max" else "max", padding)


def _params_no_bias(count):
    def wrong(kernel_size, in_channels, filters, use_bias=True):
        kh, kw = pair(kernel_size)
        return kh * kw * in_channels * filters
    return wrong


def _params_no_channels(count):
    def wrong(kernel_size, in_channels, filters, use_bias=True):
        kh, kw = pair(kernel_size)
        return kh * kw * filters + (filters if use_bias else 0)
    return wrong


def _nchw(conv):
    return lambda A, W, b, stride=1, padding="valid": np.transpose(
        conv(A, W, b, stride, padding), (0, 3, 1, 2))


MUTATIONS = {
    "kernel-flipped": ("convolution", "conv_forward", _flip_kernel),
    "missing-bias": ("convolution", "conv_forward", _no_bias),
    "stride-ignored": ("pooling", "pool_forward", _stride_one),
    "same-padding-wrong": ("convolution", "conv_forward", _same_top_left),
    "off-by-one": ("shapes", "conv_output_size", _minus_one),
    "pool-mode-swapped": ("pooling", "pool_forward", _swap_mode),
    "params-missing-bias": ("params", "conv2d_params", _params_no_bias),
    "params-missing-channels": ("params", "conv2d_params", _params_no_channels),
    "channels-first": ("convolution", "conv_forward", _nchw),
}


@pytest.fixture(scope="module")
def reference():
    return reference_modules()


def test_every_code_has_a_mutation_and_a_hint():
    """The nine spec codes each have a hint and a mutation test below."""
    assert set(MUTATIONS) == set(CODES) == set(HINTS)
    assert len(CODES) == 9


@pytest.mark.parametrize("code", list(MUTATIONS))
def test_mutated_reference_is_diagnosed(reference, code):
    """A reference with one mistake loses points on a test tagged with that mistake."""
    module, function, make = MUTATIONS[code]
    outcomes = grade(ModuleProxy(mutant(reference, module, function, make)), [module])
    failed = [o for o in outcomes if o.status == "failed"]
    assert failed, "the mistake cost nothing"
    tagged = [o for o in failed if f"misconception:{code}" in o.tags]
    assert tagged, [(o.name, o.tags) for o in failed]
    assert HINTS[code] in tagged[0].output


def test_correct_reference_has_no_tags(reference):
    """The reference itself passes everything and is never tagged."""
    outcomes = grade(ModuleProxy(reference), ["convolution", "pooling", "shapes", "params"])
    assert all(o.status == "passed" and not o.tags for o in outcomes)


def test_diagnose_never_blames_a_mistake_that_changes_nothing():
    """A candidate equal to the right answer cannot explain a wrong one."""
    assert diagnose(3, 4, {"off-by-one": 4, "stride-ignored": 3}) == "stride-ignored"
    assert diagnose(4, 4, {"off-by-one": 3}) is None
    assert diagnose(5, 4, {"off-by-one": 4}) is None
    got = np.zeros((1, 2, 2, 1))
    assert diagnose(got, np.ones((1, 2, 2, 1)), lambda: {"missing-bias": np.zeros((1, 2, 2, 1))})
