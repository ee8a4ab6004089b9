"""Build the demo's sample submissions from the reference and a catalogue of mistakes.

Each sample is the reference with typical student mistakes layered on top (an
override appended to a module, a file left as the stub, a broken file), laid
out the three ways students submit: a folder, a .zip and a notebook. Building
them from the reference keeps one source of truth: when the reference
changes, the samples follow.
"""

from __future__ import annotations

import shutil
import tomllib
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

import nbformat

from autograder.course.paths import CourseLayout, course
from autograder.course.table import course_table

# Stands for "every quiz answer from the key" (see ``correct_answers``).
CORRECT_ANSWERS = "<all correct>"

# Overrides appended to a reference module: each reproduces one typical mistake.
MISTAKES: dict[str, tuple[str, str]] = {
    "kernel-flipped": ("convolution", '''
_correct_conv_forward = conv_forward


def conv_forward(A_prev, W, b, stride=1, padding="valid"):
    return _correct_conv_forward(A_prev, W[::-1, ::-1], b, stride=stride, padding=padding)
'''),
    "missing-bias": ("convolution", '''
_correct_conv_forward = conv_forward


def conv_forward(A_prev, W, b, stride=1, padding="valid"):
    return _correct_conv_forward(A_prev, W, np.zeros_like(b), stride=stride, padding=padding)
'''),
    "pool-mode-swapped": ("pooling", '''
_correct_pool_forward = pool_forward


def pool_forward(A_prev, pool_size=2, stride=None, mode="max", padding="valid"):
    other = "average" if mode == "max" else "max"
    return _correct_pool_forward(A_prev, pool_size, stride, other, padding)
'''),
    "off-by-one": ("shapes", '''
_correct_conv_output_size = conv_output_size


def conv_output_size(n, f, stride=1, padding="valid"):
    return _correct_conv_output_size(n, f, stride, padding) - 1
'''),
    "stride-ignored": ("pooling", '''
_correct_pool_forward = pool_forward


def pool_forward(A_prev, pool_size=2, stride=None, mode="max", padding="valid"):
    return _correct_pool_forward(A_prev, pool_size, 1, mode, padding)
'''),
    "params-missing-bias": ("params", '''
def conv2d_params(kernel_size, in_channels, filters, use_bias=True):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return kh * kw * in_channels * filters
'''),
    "uncompiled-model": ("model", '''
_correct_build_mnist_cnn = build_mnist_cnn


def build_mnist_cnn(input_shape=(28, 28, 1), num_classes=10):
    # The right layers in a new model, but model.compile(...) was forgotten.
    layers = _correct_build_mnist_cnn(input_shape, num_classes).layers
    return keras.Sequential([keras.Input(shape=input_shape), *layers])
'''),
    "floor-instead-of-ceil": ("shapes", '''
_correct_conv_output_size = conv_output_size


def conv_output_size(n, f, stride=1, padding="valid"):
    if padding == "same":
        return n // stride  # rounds down where "same" rounds up
    return _correct_conv_output_size(n, f, stride, padding)
'''),
    "average-counts-padding": ("pooling", '''
_correct_pool_forward = pool_forward


def pool_forward(A_prev, pool_size=2, stride=None, mode="max", padding="valid"):
    if mode != "average" or padding == "valid":
        return _correct_pool_forward(A_prev, pool_size, stride, mode, padding)
    window = (pool_size, pool_size) if isinstance(pool_size, int) else tuple(pool_size)
    step = window if stride is None else (
        (stride, stride) if isinstance(stride, int) else tuple(stride))
    pads = []
    for n, f, s in zip(A_prev.shape[1:3], window, step):
        if padding == "same":
            total = max((-(-n // s) - 1) * s + f - n, 0)
            pads.append((total // 2, total - total // 2))
        else:
            pads.append((padding, padding))
    # Zeros padded in, then every window divided by its full size.
    padded = np.pad(A_prev, ((0, 0), pads[0], pads[1], (0, 0)))
    return _correct_pool_forward(padded, window, step, "average", "valid")
'''),
    "bias-per-input-channel": ("params", '''
def conv2d_params(kernel_size, in_channels, filters, use_bias=True):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return kh * kw * in_channels * filters + (in_channels if use_bias else 0)
'''),
    "hostile": ("convolution", '''
import os as _os

try:  # copy the instructor's solution, if the grader lets it be read
    exec(open({reference!r}).read())
except OSError:
    pass
try:  # plant a perfect score next to the student's files
    with open("results.json", "w") as _forged:
        _forged.write('{"score": 1000, "max_score": 100}')
except OSError:
    pass


def apply_filter(image, kernel):
    while True:
        pass


def zero_pad(X, pad):
    _os._exit(3)
'''),
}


EVERY = "*"  # in Sample.stubs: every module of the course table


@dataclass(frozen=True)
class Sample:
    """One demo submission: which mistakes it makes and how it is packed."""

    id: str
    mistakes: tuple[str, ...] = ()
    answers: str = CORRECT_ANSWERS
    stubs: tuple[str, ...] = ()  # modules left exactly as the student stub (EVERY: all)
    broken: tuple[str, ...] = ()  # modules with a syntax error
    form: str = "directory"  # "directory", "zip" or "notebook"


SAMPLES: tuple[Sample, ...] = (
    Sample("alice"),
    Sample("bob", form="notebook",
           answers='conv_advantages = ["a", "b", "c"]\nfashion_cnn_flatten = 1600\n'),
    Sample("carol", mistakes=("kernel-flipped", "pool-mode-swapped", "params-missing-bias"),
           answers='conv_advantages = "a"\nconv_params_32x32x3 = 156\n'
                   'strided_output_shape = "(14, 14, 12)"\n'),
    Sample("dave", mistakes=("missing-bias", "off-by-one", "stride-ignored"), form="zip"),
    Sample("erin", broken=("shapes",), stubs=("params",), mistakes=("uncompiled-model",),
           answers="conv_advantages = [d\n"),
    Sample("frank", stubs=(EVERY,), answers=""),
    Sample("grace", mistakes=("floor-instead-of-ceil", "average-counts-padding",
                              "bias-per-input-channel"),
           answers='conv_advantages = "all of the above"\ndense_vs_conv_ratio = 1000\n'),
    Sample("mallory", stubs=("convolution",), mistakes=("hostile",)),
)


def build_samples(dest: Path, layout: CourseLayout | None = None) -> list[Path]:
    """Write every sample submission under ``dest``; return their paths."""
    layout = layout or course()
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    return [build_sample(sample, dest, layout) for sample in SAMPLES]


def correct_answers(layout: CourseLayout) -> str:
    """An answers.toml with the key's answer to every quiz question."""
    keys = tomllib.loads(layout.quiz_keys.read_text(encoding="utf-8"))
    return "".join(f"{qid} = {_toml_value(entry['answer'])}\n" for qid, entry in keys.items())


def _toml_value(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def _sources(sample: Sample, layout: CourseLayout) -> dict[str, str]:
    sources = {}
    for module in course_table(layout).names:
        stub = module in sample.stubs or EVERY in sample.stubs
        folder = layout.exercises if stub else layout.reference
        sources[module] = (folder / f"{module}.py").read_text(encoding="utf-8")
    for mistake in sample.mistakes:
        module, override = MISTAKES[mistake]
        reference = str(layout.reference / "convolution.py")
        sources[module] += "\n" + override.replace("{reference!r}", repr(reference))
    for module in sample.broken:
        sources[module] += "\n\ndef unfinished(:\n    pass\n"
    return sources


def build_sample(sample: Sample, dest: Path, layout: CourseLayout | None = None) -> Path:
    """Write one sample submission into ``dest``; return its path."""
    layout = layout or course()
    dest.mkdir(parents=True, exist_ok=True)
    sources = _sources(sample, layout)
    if sample.answers == CORRECT_ANSWERS:
        sample = replace(sample, answers=correct_answers(layout))
    if sample.form == "notebook":
        return _write_notebook(sample, sources, dest)
    folder = dest / sample.id
    folder.mkdir()
    for module, text in sources.items():
        (folder / f"{module}.py").write_text(text, encoding="utf-8")
    if sample.answers:
        (folder / "answers.toml").write_text(sample.answers, encoding="utf-8")
    if sample.form == "directory":
        return folder
    archive = dest / f"{sample.id}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.iterdir()):
            zf.write(path, f"{sample.id}/{path.name}")
    shutil.rmtree(folder)
    return archive


def _write_notebook(sample: Sample, sources: dict[str, str], dest: Path) -> Path:
    notebook = nbformat.v4.new_notebook()
    cells = [nbformat.v4.new_markdown_cell(f"# CNN assignment ({sample.id})")]
    for module in sources:
        cells.append(nbformat.v4.new_code_cell(sources[module]))
    cells.append(nbformat.v4.new_code_cell(
        "model = build_mnist_cnn()\nmodel.fit(x_train, y_train, epochs=5)  # not run when graded"))
    cells.append(nbformat.v4.new_code_cell(f"QUIZ_ANSWERS = {tomllib.loads(sample.answers)!r}"))
    notebook.cells = cells
    path = dest / f"{sample.id}.ipynb"
    nbformat.write(notebook, str(path))
    return path


def main(argv: list[str] | None = None) -> None:
    """``python -m autograder.authoring.examples DEST``: write the demo submissions."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    dest = Path(args[0]) if args else course().examples
    for path in build_samples(dest):
        print(path)


if __name__ == "__main__":
    main()
