"""Plain-language explanations of the errors a student's model typically hits in training."""

from __future__ import annotations

import re

# (pattern in the error text, what it means and what to change), first match wins.
CRASH_HINTS: tuple[tuple[str, str], ...] = (
    (
        r"`target` and `output` must have the same rank",
        "The labels are whole numbers (0-9), one per image, but categorical cross-entropy "
        "expects one-hot rows. Use loss='sparse_categorical_crossentropy' for integer labels.",
    ),
    (
        r"label value of \d+ which is outside the valid range",
        "A label is larger than the number of outputs: the last Dense layer needs one unit "
        "per class (num_classes).",
    ),
    (
        r"`target` and `output` must have the same shape|Shapes .* are incompatible",
        "The loss compares the output with the labels and their shapes do not fit: the last "
        "layer should be Dense(num_classes, activation='softmax') after Flatten, with "
        "sparse categorical cross-entropy.",
    ),
    (
        r"logits and labels must have the same first dimension|expected .*ndim|rank",
        "The model's output is not one row of class scores per image: put Flatten before "
        "the Dense layers so the last layer outputs (batch, num_classes).",
    ),
    (
        r"NaN loss",
        "The loss became NaN: check that the last layer applies softmax (or that the loss "
        "has from_logits=True), that the learning rate is not too large, and that the "
        "model computes in float32.",
    ),
)


def crash_hint(error: str) -> str | None:
    """The explanation of a training error, or None when no known cause matches."""
    for pattern, hint in CRASH_HINTS:
        if re.search(pattern, error):
            return hint
    return None
