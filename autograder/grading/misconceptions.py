"""Known mistakes behind wrong answers, and how to recognise them.

When an answer is wrong, a hidden grader computes what each plausible mistake
would have produced on the same input (the builders in
:mod:`autograder.grading.variants`, made from the reference with a slightly changed
argument or input) and asks :func:`diagnose` which of them the student's
answer matches. When two different mistakes give that same answer, the
grader asks a second question (calls the student's function once more, on an
input that tells them apart) instead of guessing. The code found becomes the
tag ``misconception:<code>`` on the failing test and its hint is shown.

A hint must hold for all of a function's failures: :func:`confirm_diagnoses`
keeps a code only when it explains every failing case of that function in the
submission.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.grading.results import TestOutcome

HINTS: dict[str, str] = {
    "kernel-flipped": (
        "Your output matches a true convolution, with the kernel flipped. In CNNs, "
        "'convolution' means cross-correlation: multiply each window by the kernel as it "
        "is, element by element, with no flipping."
    ),
    "missing-bias": (
        "Your output matches the right answer without the bias. Each filter adds its own "
        "bias b[c] to every position of its output channel."
    ),
    "stride-ignored": (
        "Your answer matches what stride 1 would give. With stride s the window moves s "
        "pixels at a time, so only every s-th position is computed and the output shrinks."
    ),
    "same-padding-wrong": (
        "The padding for 'same' is off. 'same' pads so that the output size is "
        "ceil(n / stride); the total padding is max((out - 1) * stride + f - n, 0), and when "
        "it is odd the extra row and column go at the bottom and right (so an even kernel "
        "is padded unevenly)."
    ),
    "off-by-one": (
        "Your size is off by one. The number of window positions is "
        "floor((n + 2p - f) / stride) + 1: do not forget the + 1, and round down."
    ),
    "pool-mode-swapped": (
        "Your output is the other pooling mode: 'max' keeps the largest value of each "
        "window, 'average' takes the mean of the window."
    ),
    "params-missing-bias": (
        "Your count leaves out the biases. Every filter (or dense unit) has one bias, so "
        "add the number of filters (or units)."
    ),
    "params-missing-channels": (
        "Your count ignores the input channels. Each filter spans every input channel, so "
        "it has kernel_h * kernel_w * in_channels weights."
    ),
    "channels-first": (
        "Your code treats the data as channels-first (N, C, H, W) or returns it that way. "
        "This course uses channels-last (N, H, W, C), as Keras and TensorFlow do by default: "
        "a shape (H, W, C) has the channels last."
    ),
    "floor-instead-of-ceil": (
        "With 'same' padding the output size is ceil(n / stride), rounded up: a 7-pixel "
        "input with stride 2 gives 4 positions, not 3. You rounded down."
    ),
    "average-counts-padding": (
        "Your average pooling counts the padded zeros. Padding only makes room for the "
        "window; divide each window's sum by the number of real pixels under it."
    ),
    "integer-output": (
        "Your values were cut to whole numbers: the output array was probably created with "
        "an integer dtype (np.zeros(shape, dtype=int)) or passed through int(). Keep floats "
        "(np.zeros(shape) is float64)."
    ),
    "depth-from-input": (
        "Your output depth is the number of input channels. A Conv2D layer outputs one "
        "channel per filter, so the depth is the number of filters."
    ),
    "bias-per-input-channel": (
        "Your count has one bias per input channel. Each filter has one bias, whatever the "
        "number of input channels, so add the number of filters."
    ),
    "params-missing-filters": (
        "Your count is that of a single filter. Multiply the weights of one filter by the "
        "number of filters, then add one bias per filter."
    ),
    "height-width-swapped": (
        "Height and width are mixed up. Sizes and tuples are given (height, width): the "
        "first number of kernel_size, pool_size and stride goes with the height (axis 1 of "
        "the batch), the second with the width (axis 2)."
    ),
}
# Each code in a few plain words, for report chips and class statistics.
SUMMARIES: dict[str, str] = {
    "kernel-flipped": "flipped the kernel (a true convolution, not cross-correlation)",
    "missing-bias": "left out the bias",
    "stride-ignored": "moved the window one step at a time, whatever the stride",
    "same-padding-wrong": 'padded by the wrong amount for "same"',
    "off-by-one": "output size one too large or too small",
    "pool-mode-swapped": "used average pooling for max, or max for average",
    "params-missing-bias": "counted parameters without the biases",
    "params-missing-channels": "counted parameters without the input channels",
    "channels-first": "read or returned the arrays as (m, C, H, W)",
    "floor-instead-of-ceil": 'rounded down where "same" padding rounds up',
    "average-counts-padding": "counted padded zeros in the average",
    "integer-output": "cut the values to whole numbers",
    "depth-from-input": "gave the output as many channels as the input, not one per filter",
    "bias-per-input-channel": "counted one bias per input channel, not one per filter",
    "params-missing-filters": "counted the parameters of a single filter",
    "height-width-swapped": "mixed up height and width",
}
CODES: tuple[str, ...] = tuple(HINTS)
SPEC_CODES: tuple[str, ...] = CODES[:9]  # the nine codes of the spec's result-file table
# Said in the report when no single known mistake explains all of a function's failures.
UNCONFIRMED = "No single known mistake explains every failing case of {function}."


@dataclass(frozen=True)
class Fallback:
    """A looser form of a mistake, considered only when no specific form matched."""

    value: Any


# What each mistake would return: code -> value, or (code, value) pairs when one
# mistake has several forms. None marks a mistake that cannot happen here.
Candidates = Mapping[str, Any] | Iterable[tuple[str, Any]]
# Asks the student a second question; returns the codes that explain that answer.
SecondQuestion = Callable[[], "set[str]"]


def same_value(got: Any, expected: Any) -> bool:
    """Whether two validated values agree (arrays: same shape and close values)."""
    if isinstance(expected, np.ndarray) or isinstance(got, np.ndarray):
        got_array, expected_array = np.asarray(got), np.asarray(expected)
        if got_array.dtype.kind not in "biuf" or expected_array.dtype.kind not in "biuf":
            return False
        return got_array.shape == expected_array.shape and bool(
            np.allclose(got_array, expected_array, rtol=1e-6, atol=1e-6)
        )
    if type(expected) in (list, tuple) and type(got) in (list, tuple):
        return len(got) == len(expected) and all(
            same_value(g, e) for g, e in zip(got, expected, strict=True)
        )
    if type(got) in (int, float) and type(expected) in (int, float):
        return got == expected
    return False


def matching_codes(got: Any, candidates: Candidates, *, expected: Any = None) -> list[str]:
    """Every code (in table order, once each) whose result equals ``got``.

    Fallback forms count only when no specific form matched, and a candidate
    equal to ``expected`` is skipped: a mistake that changes nothing on this
    input cannot explain a wrong answer.
    """
    if expected is not None and same_value(got, expected):
        return []
    pairs = list(candidates.items() if isinstance(candidates, Mapping) else candidates)
    for fallback in (False, True):
        found: list[str] = []
        for code, wrong in pairs:
            if isinstance(wrong, Fallback) != fallback:
                continue
            wrong = wrong.value if isinstance(wrong, Fallback) else wrong
            if wrong is None or (expected is not None and same_value(wrong, expected)):
                continue
            if code not in found and same_value(got, wrong):
                found.append(code)
        if found:
            return found
    return []


def diagnose(
    got: Any,
    candidates: Candidates,
    *,
    expected: Any = None,
    again: SecondQuestion | None = None,
) -> str | None:
    """The mistake whose result equals ``got``; None if none does or ``got`` is right.

    When several different mistakes give ``got``, ``again`` (if given) asks the
    student a second question and only a mistake explaining both answers is
    named; if that still leaves zero or several, nothing is named. Without
    ``again`` the first listed mistake is named (the table is in priority order).
    """
    codes = matching_codes(got, candidates, expected=expected)
    if len(codes) <= 1 or again is None:
        return codes[0] if codes else None
    try:
        second = again()
    except Exception:  # a second question the student cannot answer decides nothing
        return None
    both = [code for code in codes if code in second]
    return both[0] if len(both) == 1 else None


def confirm_diagnoses(outcomes: list[TestOutcome]) -> list[TestOutcome]:
    """Drop a code (tag and hint) unless it explains every failing case of its function.

    A failing case is a failed test whose feedback names the function and shows
    what came back. Outcomes are changed in place and returned.
    """
    by_function: dict[str, list[TestOutcome]] = {}
    for outcome in outcomes:
        function = outcome.details.get("function")
        if outcome.status == "failed" and function and "got" in outcome.details:
            by_function.setdefault(str(function), []).append(outcome)
    for function, failing in by_function.items():
        codes = {tuple(o.misconceptions) for o in failing}
        if len(codes) == 1 and codes != {()}:
            continue
        for outcome in failing:
            if not outcome.misconceptions:
                continue
            outcome.tags = [t for t in outcome.tags if not t.startswith("misconception:")]
            code = outcome.details.pop("misconception", None)
            hint = outcome.details.pop("hint", None)
            note = UNCONFIRMED.format(function=function)
            if hint is not None:
                outcome.output = outcome.output.replace(f"Hint ({code}): {hint}", note)
            outcome.details["note"] = note
    return outcomes
