"""Each known mistake, written into a copy of the reference, is diagnosed by the real graders."""

from __future__ import annotations

import math

import numpy as np
import pytest
from grading_helpers import NUMPY_MODULES, ModuleProxy, make_mutant, reference_modules
from grading_helpers import run as run_graders

from autograder.grading.misconceptions import (
    CODES,
    HINTS,
    SPEC_CODES,
    Fallback,
    confirm_diagnoses,
    diagnose,
)
from autograder.grading.results import TestOutcome
from autograder.grading.variants import pair


def naive_conv(A, W, b, stride=1, padding="valid", *, flip=False, bias=True,
               ignore_stride=False, same="tf", no_plus_one=False, nchw_out=False,
               floor_same=False, int_out=False, swap_stride=False):
    """A loop-by-loop conv_forward, as a student would write it, with one mistake switched on."""
    sh, sw = (1, 1) if ignore_stride else pair(stride)
    if swap_stride:
        sh, sw = sw, sh
    fh, fw = W.shape[:2]
    pads = []
    for n, f, s in ((A.shape[1], fh, sh), (A.shape[2], fw, sw)):
        if padding == "valid":
            pads.append((0, 0))
        elif padding != "same":
            pads.append((padding, padding))
        elif same == "half":
            pads.append((f // 2, f // 2))
        elif same == "symmetric":
            pads.append(((f - 1) // 2, (f - 1) // 2))
        else:
            total = max((math.ceil(n / s) - 1) * s + f - n, 0)
            small, big = total // 2, total - total // 2
            pads.append((big, small) if same == "top-left" else (small, big))
    X = np.pad(A, ((0, 0), pads[0], pads[1], (0, 0)))
    extra = 0 if no_plus_one else 1
    h_out, w_out = (X.shape[1] - fh) // sh + extra, (X.shape[2] - fw) // sw + extra
    if floor_same and padding == "same":
        h_out, w_out = A.shape[1] // sh, A.shape[2] // sw
    kernel = W[::-1, ::-1] if flip else W
    out = np.zeros((A.shape[0], h_out, w_out, W.shape[3]), dtype=int if int_out else float)
    for i in range(h_out):
        for j in range(w_out):
            window = X[:, i * sh : i * sh + fh, j * sw : j * sw + fw, :, None]
            out[:, i, j, :] = np.sum(window * kernel[None], axis=(1, 2, 3)) + (b if bias else 0)
    return out.transpose(0, 3, 1, 2) if nchw_out else out


def naive_pool(A, pool_size=2, stride=None, mode="max", padding="valid", *, swap=False,
               stride_one=False, nchw_in=False, count_pad=False, int_out=False, swap_hw=False):
    """A loop-by-loop pool_forward with one mistake switched on."""
    if nchw_in:  # reads A as (m, C, H, W): pools over what are really width and channels
        return naive_pool(A.transpose(0, 2, 3, 1), pool_size, stride, mode, padding,
                          swap=swap, stride_one=stride_one).transpose(0, 3, 1, 2)
    if swap_hw:  # reads (h, w) tuples as (w, h)
        pool_size = pool_size if isinstance(pool_size, int) else pool_size[::-1]
        stride = stride if stride is None or isinstance(stride, int) else stride[::-1]
    fh, fw = pair(pool_size)
    sh, sw = (1, 1) if stride_one else pair(stride if stride is not None else pool_size)
    if swap:
        mode = "average" if mode == "max" else "max"
    pads = [(0, 0), (0, 0)]
    if padding == "same":
        pads = []
        for n, f, s in ((A.shape[1], fh, sh), (A.shape[2], fw, sw)):
            total = max((math.ceil(n / s) - 1) * s + f - n, 0)
            pads.append((total // 2, total - total // 2))
    elif padding != "valid":
        pads = [(padding, padding)] * 2
    fill = 0.0 if count_pad and mode == "average" else np.nan
    X = np.pad(A, ((0, 0), pads[0], pads[1], (0, 0)), constant_values=fill)
    h_out, w_out = (X.shape[1] - fh) // sh + 1, (X.shape[2] - fw) // sw + 1
    out = np.zeros((A.shape[0], h_out, w_out, A.shape[3]), dtype=int if int_out else float)
    reduce = np.nanmax if mode == "max" else np.nanmean
    for i in range(h_out):
        for j in range(w_out):
            out[:, i, j, :] = reduce(X[:, i * sh : i * sh + fh, j * sw : j * sw + fw], axis=(1, 2))
    return out


def naive_size(n, f, stride=1, padding="valid", *, no_plus_one=False, half_same=False,
               floor_same=False, symmetric_same=False):
    if padding == "same" and floor_same:
        return n // stride
    if padding == "same" and symmetric_same:
        return (n + 2 * ((f - 1) // 2) - f) // stride + 1
    if padding == "same" and not half_same:
        return math.ceil(n / stride)
    p = f // 2 if padding == "same" else (0 if padding == "valid" else padding)
    return (n + 2 * p - f) // stride + (0 if no_plus_one else 1)


def wrong_params(kernel_size, in_channels, filters, use_bias=True, *, bias=True, channels=True,
                 bias_per_channel=False, one_filter=False):
    kh, kw = pair(kernel_size)
    if one_filter:
        return kh * kw * in_channels + (1 if use_bias else 0)
    biases = (in_channels if bias_per_channel else filters) if bias and use_bias else 0
    return kh * kw * (in_channels if channels else 1) * filters + biases


def summarize_without_bias(reference):
    def summarize(input_shape, layers):
        rows = reference["params"].summarize(input_shape, layers)
        return [(shape, params - layer["filters"]
                 if layer["type"] == "conv2d" and layer.get("use_bias", True) else params)
                for (shape, params), layer in zip(rows, layers, strict=True)]
    return summarize


def summarize_without_channels(reference):
    def summarize(input_shape, layers):
        rows = reference["params"].summarize(input_shape, layers)
        return [(shape, wrong_params(layer["kernel_size"], 1, layer["filters"],
                                     layer.get("use_bias", True))
                 if layer["type"] == "conv2d" else params)
                for (shape, params), layer in zip(rows, layers, strict=True)]
    return summarize


def flipped_filter(apply_filter):
    return lambda image, kernel: apply_filter(image, kernel[::-1, ::-1])


def size_stride_one(n, f, stride=1, padding="valid"):
    return naive_size(n, f, 1, padding)


def depth_first(conv_output_shape):
    def wrong(*args, **kwargs):
        h, w, depth = conv_output_shape(*args, **kwargs)
        return depth, h, w
    return wrong


def depth_from_input(conv_output_shape):
    def wrong(input_shape, *args, **kwargs):
        h, w, _ = conv_output_shape(input_shape, *args, **kwargs)
        return h, w, input_shape[2]
    return wrong


def width_first(conv_output_shape):
    def wrong(*args, **kwargs):
        h, w, depth = conv_output_shape(*args, **kwargs)
        return w, h, depth
    return wrong


def int_filter(apply_filter):
    return lambda image, kernel: np.trunc(apply_filter(image, kernel)).astype(int)


def same_shape(conv_output_shape, *, rule):
    """conv_output_shape with 'same' sizes computed by a wrong rule per axis."""
    def wrong(input_shape, filters, kernel_size, stride=1, padding="valid"):
        if padding != "same":
            return conv_output_shape(input_shape, filters, kernel_size, stride, padding)
        (kh, kw), (sh, sw) = pair(kernel_size), pair(stride)
        return (rule(input_shape[0], kh, sh), rule(input_shape[1], kw, sw), filters)
    return wrong


def kw(function, **flags):
    return lambda *args, **kwargs: function(*args, **kwargs, **flags)


MUTATIONS = {  # id -> (code, module, function, replacement maker)
    "conv-flipped": ("kernel-flipped", "convolution", "conv_forward",
                     lambda ref: kw(naive_conv, flip=True)),
    "filter-flipped": ("kernel-flipped", "convolution", "apply_filter",
                       lambda ref: flipped_filter(ref["convolution"].apply_filter)),
    "conv-no-bias": ("missing-bias", "convolution", "conv_forward",
                     lambda ref: kw(naive_conv, bias=False)),
    "step-no-bias": ("missing-bias", "convolution", "conv_single_step",
                     lambda ref: lambda a, W, b: float(np.sum(a * W))),
    "conv-stride-1": ("stride-ignored", "convolution", "conv_forward",
                      lambda ref: kw(naive_conv, ignore_stride=True)),
    "pool-stride-1": ("stride-ignored", "pooling", "pool_forward",
                      lambda ref: kw(naive_pool, stride_one=True)),
    "size-stride-1": ("stride-ignored", "shapes", "conv_output_size",
                      lambda ref: size_stride_one),
    "conv-same-top-left": ("same-padding-wrong", "convolution", "conv_forward",
                           lambda ref: kw(naive_conv, same="top-left")),
    "conv-same-half": ("same-padding-wrong", "convolution", "conv_forward",
                       lambda ref: kw(naive_conv, same="half")),
    "size-same-half": ("same-padding-wrong", "shapes", "conv_output_size",
                       lambda ref: kw(naive_size, half_same=True)),
    "size-no-plus-one": ("off-by-one", "shapes", "conv_output_size",
                         lambda ref: kw(naive_size, no_plus_one=True)),
    "size-minus-one": ("off-by-one", "shapes", "conv_output_size",
                       lambda ref: lambda *args: ref["shapes"].conv_output_size(*args) - 1),
    "conv-no-plus-one": ("off-by-one", "convolution", "conv_forward",
                         lambda ref: kw(naive_conv, no_plus_one=True)),
    "pool-mode-swapped": ("pool-mode-swapped", "pooling", "pool_forward",
                          lambda ref: kw(naive_pool, swap=True)),
    "conv-params-no-bias": ("params-missing-bias", "params", "conv2d_params",
                            lambda ref: kw(wrong_params, bias=False)),
    "dense-params-no-bias": ("params-missing-bias", "params", "dense_params",
                             lambda ref: lambda n, units, use_bias=True: n * units),
    "summary-no-bias": ("params-missing-bias", "params", "summarize", summarize_without_bias),
    "summary-no-channels": ("params-missing-channels", "params", "summarize",
                            summarize_without_channels),
    "conv-params-no-channels": ("params-missing-channels", "params", "conv2d_params",
                                lambda ref: kw(wrong_params, channels=False)),
    "conv-nchw-output": ("channels-first", "convolution", "conv_forward",
                         lambda ref: kw(naive_conv, nchw_out=True)),
    "shape-chw": ("channels-first", "shapes", "conv_output_shape",
                  lambda ref: depth_first(ref["shapes"].conv_output_shape)),
    "conv-same-floor": ("floor-instead-of-ceil", "convolution", "conv_forward",
                        lambda ref: kw(naive_conv, floor_same=True)),
    "size-same-floor": ("floor-instead-of-ceil", "shapes", "conv_output_size",
                        lambda ref: kw(naive_size, floor_same=True)),
    "pool-average-counts-padding": ("average-counts-padding", "pooling", "pool_forward",
                                    lambda ref: kw(naive_pool, count_pad=True)),
    "conv-int-output": ("integer-output", "convolution", "conv_forward",
                        lambda ref: kw(naive_conv, int_out=True)),
    "pool-int-output": ("integer-output", "pooling", "pool_forward",
                        lambda ref: kw(naive_pool, int_out=True)),
    "filter-int-output": ("integer-output", "convolution", "apply_filter",
                          lambda ref: int_filter(ref["convolution"].apply_filter)),
    "shape-depth-from-input": ("depth-from-input", "shapes", "conv_output_shape",
                               lambda ref: depth_from_input(ref["shapes"].conv_output_shape)),
    "conv-params-bias-per-channel": ("bias-per-input-channel", "params", "conv2d_params",
                                     lambda ref: kw(wrong_params, bias_per_channel=True)),
    "conv-params-one-filter": ("params-missing-filters", "params", "conv2d_params",
                               lambda ref: kw(wrong_params, one_filter=True)),
    "shape-width-first": ("height-width-swapped", "shapes", "conv_output_shape",
                          lambda ref: width_first(ref["shapes"].conv_output_shape)),
    "conv-stride-swapped": ("height-width-swapped", "convolution", "conv_forward",
                            lambda ref: kw(naive_conv, swap_stride=True)),
    "pool-window-swapped": ("height-width-swapped", "pooling", "pool_forward",
                            lambda ref: kw(naive_pool, swap_hw=True)),
}
# A mistake that some failing cases cannot reproduce (a one-channel input read as
# (m, C, H, W) has no room for the window): it loses points but gets no hint.
UNEXPLAINED = {
    "pool-nchw-input": ("channels-first", "pooling", "pool_forward",
                        lambda ref: kw(naive_pool, nchw_in=True)),
}
MUTATIONS |= {  # symmetric "same" padding with an even kernel: never called off-by-one
    "shape-same-symmetric": ("same-padding-wrong", "shapes", "conv_output_shape",
                             lambda ref: same_shape(ref["shapes"].conv_output_shape,
                                                    rule=lambda n, f, s: (n - 2 + f % 2) // s + 1)),
    "shape-same-floor": ("floor-instead-of-ceil", "shapes", "conv_output_shape",
                         lambda ref: same_shape(ref["shapes"].conv_output_shape,
                                                rule=lambda n, f, s: n // s)),
    "conv-same-symmetric": ("same-padding-wrong", "convolution", "conv_forward",
                            lambda ref: kw(naive_conv, same="symmetric")),
    "size-same-symmetric": ("same-padding-wrong", "shapes", "conv_output_size",
                            lambda ref: kw(naive_size, symmetric_same=True)),
}


def run(proxy, graders, **kwargs):
    """Outcomes as a graded result holds them: diagnoses confirmed across cases."""
    return confirm_diagnoses(run_graders(proxy, graders, **kwargs))


@pytest.fixture(scope="module")
def reference():
    return reference_modules()


def test_every_code_has_a_hint_and_a_mutation():
    """The nine codes of the spec and the newer ones each have a hint and a mutation below."""
    assert set(SPEC_CODES) < set(CODES) == set(HINTS)
    assert {code for code, *_ in MUTATIONS.values()} == set(CODES)


def test_naive_implementations_agree_with_the_reference(reference):
    """The loop versions used for mutations are right when no mistake is switched on."""
    rng = np.random.default_rng(0)
    A, W, b = rng.normal(size=(2, 7, 6, 3)), rng.normal(size=(3, 2, 3, 2)), rng.normal(size=2)
    for stride, padding in [(1, "valid"), ((2, 3), "same"), (2, 1)]:
        expected = reference["convolution"].conv_forward(A, W, b, stride, padding)
        np.testing.assert_allclose(naive_conv(A, W, b, stride, padding), expected)
        for mode in ("max", "average"):
            pooled = reference["pooling"].pool_forward(A, (3, 2), stride, mode, padding if
                                                       padding != 1 else "valid")
            got = naive_pool(A, (3, 2), stride, mode, padding if padding != 1 else "valid")
            np.testing.assert_allclose(got, pooled)
    assert naive_size(7, 3, 2, "same") == reference["shapes"].conv_output_size(7, 3, 2, "same")


@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_mutated_reference_is_diagnosed(reference, mutation):
    """A reference with one mistake loses points on a test tagged with that mistake and hint."""
    code, module, function, make = MUTATIONS[mutation]
    proxy = ModuleProxy(make_mutant(reference, module, function, make(reference)))
    failed = [o for o in run(proxy, [module], reference=reference) if o.status == "failed"]
    assert failed, "the mistake cost nothing"
    tagged = [o for o in failed if f"misconception:{code}" in o.tags]
    assert tagged, [(o.name, o.tags) for o in failed]
    assert f"Hint ({code}): {HINTS[code]}" in tagged[0].output
    wrong_tags = {t for o in failed for t in o.tags} - {f"misconception:{code}"}
    assert not wrong_tags, wrong_tags


@pytest.mark.parametrize("mutation", list(UNEXPLAINED))
def test_mistake_without_one_explanation_gets_no_hint(reference, mutation):
    """A mistake that no known variant reproduces on every failing case costs points, no hint."""
    _, module, function, make = UNEXPLAINED[mutation]
    proxy = ModuleProxy(make_mutant(reference, module, function, make(reference)))
    failed = [o for o in run(proxy, [module], reference=reference) if o.status == "failed"]
    assert failed and not any(o.tags for o in failed)
    assert any("No single known mistake explains" in o.output for o in failed)


@pytest.mark.parametrize("mutation", [*MUTATIONS, *UNEXPLAINED])
def test_every_mistake_loses_the_same_points_for_every_student(reference, mutation):
    """The same buggy code graded under two ids gets one score, below full marks."""
    _, module, function, make = {**MUTATIONS, **UNEXPLAINED}[mutation]
    proxy = ModuleProxy(make_mutant(reference, module, function, make(reference)))
    outcomes = {sid: run(proxy, [module], submission_id=sid, reference=reference)
                for sid in ("ana", "bo")}
    scores = {sid: sum(o.score for o in found) for sid, found in outcomes.items()}
    full = sum(o.max_score for o in outcomes["ana"])
    assert len(set(scores.values())) == 1, scores
    assert scores["ana"] < full


def test_six_copies_of_one_buggy_submission_get_one_score(reference):
    """Six copies of a submission with several mistakes, under six ids, get one score."""
    modules = reference
    for mutation in ("conv-stride-swapped", "pool-average-counts-padding", "size-same-floor",
                     "conv-params-bias-per-channel"):
        _, module, function, make = MUTATIONS[mutation]
        modules = make_mutant(modules, module, function, make(reference))
    results = {
        sid: [(o.id, o.score, tuple(o.tags))
              for o in run(ModuleProxy(modules), NUMPY_MODULES, submission_id=sid,
                           reference=reference)]
        for sid in ("s1", "s2", "s3", "s4", "s5", "s6")
    }
    assert len({tuple(r) for r in results.values()}) == 1
    assert sum(score for _, score, _ in results["s1"]) < 70


def test_random_cases_follow_the_course_seed(tmp_path):
    """The random cases come from the course's secret seed, not from the submission."""
    from autograder.grading.support import PUBLIC_SEED, case_rng, course_seed

    (tmp_path / "secret.toml").write_text('seed = "term-1"\n', encoding="utf-8")
    assert course_seed(tmp_path) == "term-1"
    assert course_seed(tmp_path / "elsewhere") == PUBLIC_SEED
    assert course_seed() not in ("term-1", PUBLIC_SEED)  # the course ships its own seed

    def draw(seed):
        return case_rng("test_shapes", "test_shapes_random", seed=seed).integers(0, 10**9)

    assert draw("term-1") == draw("term-1") != draw("term-2")


def test_the_course_seed_never_ships(tmp_path):
    """The seed file is hidden from student code and kept out of the student bundle."""
    from autograder.authoring.leaks import assert_clean_bundle
    from autograder.authoring.release import build_release
    from autograder.course.paths import course

    layout = course()
    secret = layout.quizzes / "secret.toml"
    assert any(secret.is_relative_to(p) for p in layout.secret_paths())
    written = build_release(layout, tmp_path)
    assert not any(p.name == "secret.toml" for p in written)
    (tmp_path / "notes.toml").write_bytes(secret.read_bytes())
    assert any("secret.toml" in leak for leak in assert_clean_bundle(tmp_path, layout))


def test_correct_reference_has_no_tags(reference):
    """The reference itself passes everything and is never tagged."""
    outcomes = run(ModuleProxy(reference), NUMPY_MODULES, reference=reference)
    assert outcomes and all(o.status == "passed" and not o.tags for o in outcomes)


class TestDiagnose:
    def test_first_matching_code_wins(self):
        """When several mistakes explain an answer, the first listed is named."""
        table = [("stride-ignored", 3), ("off-by-one", 3)]
        assert diagnose(3, table, expected=4) == "stride-ignored"

    def test_a_mistake_that_changes_nothing_explains_nothing(self):
        """A candidate equal to the right answer is never blamed, and a right answer has no code."""
        assert diagnose(4, {"off-by-one": 4}, expected=4) is None
        assert diagnose(5, {"off-by-one": 4}, expected=4) is None
        assert diagnose(3, {"off-by-one": 4, "stride-ignored": 3}, expected=4) == "stride-ignored"

    def test_arrays_compare_by_shape_and_value(self):
        """Arrays match a candidate only with the same shape and close values."""
        right = np.ones((1, 2, 2, 1))
        assert diagnose(np.zeros((1, 2, 2, 1)), {"missing-bias": np.zeros((1, 2, 2, 1))},
                        expected=right) == "missing-bias"
        assert diagnose(np.zeros((1, 1, 2, 2)), {"missing-bias": np.zeros((1, 2, 2, 1))},
                        expected=right) is None
        assert diagnose(right + 1e-9, {"missing-bias": right}, expected=right) is None

    def test_unavailable_mistakes_are_skipped(self):
        """A None candidate (a mistake impossible on this input) is ignored."""
        assert diagnose(2, {"stride-ignored": None, "off-by-one": 2}, expected=3) == "off-by-one"

    def test_a_second_question_settles_two_explanations(self):
        """Two mistakes giving one answer: the one that also explains the second answer wins."""
        table = [("params-missing-channels", 640), ("params-missing-filters", 640)]
        assert diagnose(640, table, expected=36928,
                        again=lambda: {"params-missing-filters"}) == "params-missing-filters"
        assert diagnose(640, table, expected=36928, again=lambda: set()) is None

    def test_fallback_forms_count_only_when_nothing_specific_matched(self):
        """A loose form of a mistake never competes with a specific one."""
        table = [("same-padding-wrong", 9), ("off-by-one", Fallback(9))]
        assert diagnose(9, table, expected=10, again=lambda: set()) == "same-padding-wrong"
        assert diagnose(11, [("off-by-one", Fallback(11))], expected=10) == "off-by-one"


class TestConfirmDiagnoses:
    def _failure(self, code):
        details = {"function": "conv_forward", "got": "x", "message": "wrong"}
        if code:
            details |= {"misconception": code, "hint": HINTS[code]}
        tags = [f"misconception:{code}"] if code else []
        output = f"wrong\nHint ({code}): {HINTS[code]}" if code else "wrong"
        return TestOutcome("t", "convolution", 0, 1, "failed", output, tags, details=details)

    def test_a_code_explaining_every_failure_stays(self):
        """The same code on every failing case of a function keeps its tag and hint."""
        kept = confirm_diagnoses([self._failure("missing-bias"), self._failure("missing-bias")])
        assert all(o.misconceptions == ["missing-bias"] and "Hint" in o.output for o in kept)

    def test_a_code_some_failure_contradicts_is_dropped(self):
        """A failing case the code does not explain removes the code from every case."""
        outcomes = confirm_diagnoses([self._failure("missing-bias"), self._failure(None)])
        assert not any(o.tags for o in outcomes)
        assert "Hint" not in outcomes[0].output and "No single known mistake" in outcomes[0].output
        assert "hint" not in outcomes[0].details
