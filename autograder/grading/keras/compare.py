"""Readable differences between an expected and a student's model, for feedback."""

from __future__ import annotations

import difflib

from autograder.grading.keras.describe import CompileSpec, LayerSpec

# Names Keras accepts for the accuracy metric.
ACCURACY = {"accuracy", "acc", "sparse_categorical_accuracy"}
# The layer settings compared once two layers have the same kind, with their labels.
SETTINGS = (
    ("filters", "filters"),
    ("units", "units"),
    ("kernel_size", "kernel size"),
    ("strides", "strides"),
    ("padding", "padding"),
    ("pool_size", "pool size"),
    ("activation", "activation"),
)


def show_layer(spec: LayerSpec) -> str:
    """``Conv2D(64, 3x3, relu) -> (None, 26, 26, 64), 640 params``."""
    args = []
    if spec.filters is not None:
        args.append(str(spec.filters))
    if spec.units is not None:
        args.append(str(spec.units))
    for size in (spec.kernel_size, spec.pool_size):
        if size is not None:
            args.append("x".join(map(str, size)))
    if spec.strides is not None and set(spec.strides) != {1} and spec.kind.startswith("Conv"):
        args.append(f"strides {'x'.join(map(str, spec.strides))}")
    if spec.padding == "same":
        args.append("same")
    if spec.activation not in (None, "linear"):
        args.append(spec.activation)
    inside = f"({', '.join(args)})" if args else ""
    return f"{spec.kind}{inside} -> {_shape(spec.output_shape)}, {spec.params:,} params"


def compare_models(expected: list[LayerSpec], got: list[LayerSpec]) -> list[str]:
    """One line per difference, layers numbered from 1 as in ``model.summary()``; [] if equal."""
    lines: list[str] = []
    matcher = difflib.SequenceMatcher(
        a=[s.kind for s in expected], b=[s.kind for s in got], autojunk=False
    )
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for offset in range(i2 - i1):
                lines.extend(_same_kind(i1 + offset, expected[i1 + offset], got[j1 + offset]))
            continue
        pairs = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for offset in range(pairs):
            lines.append(
                f"layer {i1 + offset + 1}: expected {show_layer(expected[i1 + offset])}; "
                f"got {show_layer(got[j1 + offset])}"
            )
        for index in range(i1 + pairs, i2):
            lines.append(f"layer {index + 1}: missing {show_layer(expected[index])}")
        for index in range(j1 + pairs, j2):
            lines.append(f"your layer {index + 1}: unexpected {show_layer(got[index])}")
    return lines


def _same_kind(index: int, expected: LayerSpec, got: LayerSpec) -> list[str]:
    where = f"layer {index + 1} ({expected.kind})"
    lines = [
        f"{where}: {label} should be {_value(getattr(expected, field))}, "
        f"got {_value(getattr(got, field))}"
        for field, label in SETTINGS
        if getattr(expected, field) != getattr(got, field)
    ]
    if expected.output_shape != got.output_shape:
        lines.append(
            f"{where}: output shape should be {_shape(expected.output_shape)}, "
            f"got {_shape(got.output_shape)}"
        )
    if expected.params != got.params:
        lines.append(f"{where}: {got.params:,} parameters, expected {expected.params:,}")
    return lines


def architecture_misconception(expected: list[LayerSpec], got: list[LayerSpec]) -> str | None:
    """``stride-ignored`` when the only difference is convolutions left at stride 1."""
    if [e.kind for e in expected] != [g.kind for g in got]:
        return None
    settings_differ = [
        e for e, g in zip(expected, got, strict=True)
        if (e.filters, e.units, e.kernel_size, e.padding, e.activation)
        != (g.filters, g.units, g.kernel_size, g.padding, g.activation)
    ]
    strides_wrong = [
        e for e, g in zip(expected, got, strict=True)
        if e.kind == "Conv2D" and e.strides != g.strides and set(g.strides or ()) == {1}
    ]
    return "stride-ignored" if strides_wrong and not settings_differ else None


def ignored_arguments(
    ref_default: list[LayerSpec], ref_variant: list[LayerSpec],
    got_default: list[LayerSpec], got_variant: list[LayerSpec],
) -> list[str]:
    """Arguments the student's builder evidently ignores (its layers stay where they change)."""
    if [s.kind for s in got_default] != [s.kind for s in got_variant]:
        return ["the layers themselves change with the arguments"]
    ignored = []
    if (got_default and ref_default[0].output_shape != ref_variant[0].output_shape
            and got_default[0].output_shape == got_variant[0].output_shape):
        ignored.append("input_shape")
    units = [[s.units for s in specs if s.kind == "Dense"]
             for specs in (ref_default, ref_variant, got_default, got_variant)]
    (rd, rv, gd, gv) = units
    if rd and gd and rd[-1] != rv[-1] and gd[-1] == gv[-1]:
        ignored.append("num_classes")
    hidden = [k for k in range(len(rd) - 1) if rd[k] != rv[k]]
    if any(k < len(gd) - 1 and gd[k] == gv[k] for k in hidden):
        ignored.append("hidden_units")
    return ignored


def side_by_side(expected: list[LayerSpec], got: list[LayerSpec]) -> list[str]:
    """Both models as a two-column table, for the feedback below the differences."""
    width = max([len(show_layer(s)) for s in expected] + [len("expected")])
    lines = [f"  #  {'expected':<{width}}  yours"]
    for index in range(max(len(expected), len(got))):
        left = show_layer(expected[index]) if index < len(expected) else "-"
        right = show_layer(got[index]) if index < len(got) else "-"
        mark = " " if left == right else "*"
        lines.append(f"{mark}{index + 1:>2}  {left:<{width}}  {right}")
    return lines


def compare_compile(expected: CompileSpec, got: CompileSpec | None) -> list[str]:
    """One line per compile setting that differs; [] when they agree."""
    if got is None:
        return [
            "the model is not compiled: call model.compile(optimizer=..., loss=..., "
            "metrics=[...]) before returning it"
        ]
    lines = []
    if got.optimizer != expected.optimizer:
        lines.append(f"optimizer should be {expected.optimizer!r}, got {got.optimizer!r}")
    if got.loss != expected.loss:
        lines.append(f"loss should be {expected.loss!r}, got {got.loss!r}")
    elif got.from_logits != expected.from_logits:
        lines.append(
            "the loss has from_logits=True, but the last layer already applies softmax"
            if got.from_logits
            else "the loss should have from_logits=True"
        )
    wants_accuracy = bool(ACCURACY & set(expected.metrics))
    if wants_accuracy and not ACCURACY & set(got.metrics):
        lines.append(f"metrics should include 'accuracy', got {list(got.metrics)}")
    if got.loss_weights is not None and expected.loss_weights is None:
        lines.append(
            f"loss_weights is set to {got.loss_weights!r}: in Keras 3 the third positional "
            "argument of compile is loss_weights, so pass metrics=[...] by keyword"
        )
    return lines


def _shape(shape: tuple[int | None, ...]) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def _value(value: object) -> str:
    if isinstance(value, tuple):
        return "x".join(map(str, value))
    return repr(value)
