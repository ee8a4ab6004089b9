"""The questions of the otter-grader export: their points, introductions and test cases.

Each case holds the code that builds its inputs and the call under test. The
export runs that code against the reference to learn the expected value, so
the notebook's tests carry literals and never import the reference.

The export makes one question per exercise of the course table. An exercise
without a question written here still gets one (:func:`default_question`): its
title, its solution and a check that each function is defined, worth the
points of its hidden grader.
"""

from __future__ import annotations

from dataclasses import dataclass

from autograder.course.table import Exercise

# Deterministic, exactly representable inputs: no random generator whose
# stream could change between NumPy releases.
_RAMP = "(np.arange({n}.0).reshape({shape}) * 7 % 11 - 5) / 4"


def ramp(name: str, *shape: int) -> str:
    """A line assigning a deterministic float array of ``shape`` to ``name``."""
    size = 1
    for dim in shape:
        size *= dim
    return f"{name} = " + _RAMP.format(n=size, shape=", ".join(map(str, shape)))


@dataclass(frozen=True)
class Case:
    """One otter test cell.

    ``check`` names how the student's value is compared: ``array``,
    ``float``, ``int``, ``tuple``, ``rows`` (a summarize table), ``raises``
    (a ValueError is expected), ``model`` (a Keras model's layers,
    parameter count and optimizer) or ``defined`` (``call`` names a function
    that must exist).
    """

    call: str
    check: str
    setup: tuple[str, ...] = ()
    hidden: bool = False


@dataclass(frozen=True)
class Question:
    """One exercise module as an otter question."""

    name: str
    points: int
    intro: str
    cases: tuple[Case, ...]


_CONVOLUTION = Question(
    name="convolution",
    points=25,
    intro="""\
## Convolution

Write the forward pass of a convolutional layer with NumPy. Arrays are
channels-last, `(m, H, W, C)`, and "convolution" means cross-correlation:
the kernel slides over the input without being flipped, as `tf.nn.conv2d`
does.

- `zero_pad(X, pad)` frames every image of a batch with `pad` zeros on the
  height and width axes only.
- `conv_single_step(a_slice, W, b)` multiplies one window by one filter,
  adds the products up and adds the bias once.
- `conv_forward(A_prev, W, b, stride=1, padding="valid")` applies every
  filter at every window position. `"same"` padding gives `ceil(n / stride)`
  outputs per axis, with any odd extra zero at the bottom or right.
- `apply_filter(image, kernel)` runs one 2-D kernel over a grayscale image
  with no padding (28x28 with 3x3 gives 26x26).

Bad arguments raise `ValueError` with a message naming the argument.""",
    cases=(
        Case("conv_single_step(a_slice, W, 0.5)", "float",
             (ramp("a_slice", 2, 2, 3), ramp("W", 2, 2, 3), "W = W[::-1] - 0.5")),
        Case("conv_forward(A_prev, W, b)", "array",
             (ramp("A_prev", 1, 4, 4, 1),
              "W = np.array([[1.0, 0.0], [0.0, -2.0]]).reshape(2, 2, 1, 1)",
              "b = np.array([0.25])")),
        Case("zero_pad(X, 2)", "array", (ramp("X", 2, 2, 3, 1),), hidden=True),
        Case('conv_forward(A_prev, W, b, stride=2, padding="same")', "array",
             (ramp("A_prev", 2, 5, 5, 3), ramp("W", 3, 3, 3, 2), "b = np.array([0.5, -1.0])"),
             hidden=True),
        Case("conv_forward(A_prev, W, b, stride=(1, 2), padding=1)", "array",
             (ramp("A_prev", 1, 4, 5, 2), ramp("W", 2, 3, 2, 3), "b = np.zeros(3)"),
             hidden=True),
        Case("apply_filter(image, kernel)", "array",
             (ramp("image", 6, 7), "kernel = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 3.0]])"),
             hidden=True),
        Case("conv_forward(A_prev, W, b)", "raises",
             (ramp("A_prev", 1, 4, 4, 2), ramp("W", 3, 3, 3, 1), "b = np.zeros(1)"),
             hidden=True),
    ),
)

_POOLING = Question(
    name="pooling",
    points=15,
    intro="""\
## Pooling

Write `pool_forward(A_prev, pool_size=2, stride=None, mode="max", padding="valid")`.
Each channel is handled on its own: a window slides over it and every
position becomes one number, the largest value (`"max"`) or the mean
(`"average"`). As in Keras, the stride defaults to the pool size, so a 2x2
pool halves the height and width, rounding down. With padding, padded
positions never win a max and are left out of an average.""",
    cases=(
        Case("pool_forward(A_prev)", "array", (ramp("A_prev", 1, 4, 4, 1),)),
        Case('pool_forward(A_prev, mode="average")', "array", (ramp("A_prev", 1, 4, 4, 2),)),
        Case("pool_forward(A_prev, pool_size=3, stride=1)", "array",
             (ramp("A_prev", 2, 5, 5, 2),), hidden=True),
        Case('pool_forward(A_prev, pool_size=2, mode="average", padding="same")', "array",
             (ramp("A_prev", 1, 5, 5, 1),), hidden=True),
        Case("pool_forward(A_prev, pool_size=(2, 3), stride=(1, 2))", "array",
             (ramp("A_prev", 1, 4, 7, 3),), hidden=True),
        Case('pool_forward(A_prev, mode="min")', "raises",
             (ramp("A_prev", 1, 4, 4, 1),), hidden=True),
    ),
)

_SHAPES = Question(
    name="shapes",
    points=15,
    intro="""\
## Output shapes

Work out layer output shapes without running a layer. Along one axis a
kernel of length `f` with `p` zeros of padding on each side and stride `s`
fits `floor((n + 2p - f) / s) + 1` times; `"same"` padding gives
`ceil(n / s)`. Shapes leave out the batch axis: `(H, W, C)`.

- `conv_output_size(n, f, stride=1, padding="valid")` for one axis.
- `conv_output_shape(input_shape, filters, kernel_size, stride=1, padding="valid")`:
  the depth of the output is the number of filters.
- `pool_output_shape(input_shape, pool_size=2, stride=None, padding="valid")`:
  pooling keeps the channel count.
- `flatten_size(shape)`: how many values a Flatten layer lines up.""",
    cases=(
        Case("conv_output_size(28, 3)", "int"),
        Case('conv_output_shape((28, 28, 8), 12, 4, stride=2, padding="same")', "tuple"),
        Case("conv_output_size(7, 3, stride=2, padding=1)", "int", hidden=True),
        Case("pool_output_shape((11, 11, 64))", "tuple", hidden=True),
        Case("pool_output_shape((26, 26, 64), 3, stride=2)", "tuple", hidden=True),
        Case("conv_output_shape((32, 20, 3), 6, (5, 3), stride=(1, 2))", "tuple", hidden=True),
        Case("flatten_size((5, 5, 64))", "int", hidden=True),
        Case("conv_output_size(3, 5)", "raises", hidden=True),
    ),
)

_SUMMARY_LAYERS = (
    'layers = [{"type": "conv2d", "filters": 4, "kernel_size": 5, "padding": "same"}, '
    '{"type": "conv2d", "filters": 8, "kernel_size": 5, "strides": 2, "padding": "same"}, '
    '{"type": "average_pooling2d", "pool_size": 2}, {"type": "flatten"}, '
    '{"type": "dense", "units": 10, "use_bias": False}]'
)

_PARAMS = Question(
    name="params",
    points=15,
    intro="""\
## Parameter counts

Count the trainable parameters of a layer the way `model.summary()` does.
A dense neuron has one weight per input plus a bias. A convolution filter
has one weight per kernel position and input channel plus a bias, and the
same filter is reused at every position, so the image size never enters
the count.

- `dense_params(n_inputs, units, use_bias=True)`
- `conv2d_params(kernel_size, in_channels, filters, use_bias=True)`
- `summarize(input_shape, layers)`: one `(output_shape, params)` pair per
  layer, where each layer is a dict with a `"type"` (`conv2d`,
  `max_pooling2d`, `average_pooling2d`, `flatten`, `dense`) and Keras
  argument names.""",
    cases=(
        Case("dense_params(784, 300, use_bias=False)", "int"),
        Case("conv2d_params(5, 3, 6)", "int"),
        Case("conv2d_params((3, 3), 64, 64, use_bias=False)", "int", hidden=True),
        Case("dense_params(1600, 128)", "int", hidden=True),
        Case("summarize((28, 28, 1), layers)", "rows",
             ('layers = [{"type": "conv2d", "filters": 64, "kernel_size": 3}, '
              '{"type": "max_pooling2d", "pool_size": 2}, {"type": "flatten"}, '
              '{"type": "dense", "units": 10}]',),
             hidden=True),
        Case("summarize((28, 28, 1), layers)", "rows", (_SUMMARY_LAYERS,), hidden=True),
        Case('summarize((28, 28, 1), [{"type": "lstm", "units": 3}])', "raises", hidden=True),
    ),
)

_MODEL = Question(
    name="model",
    points=30,
    intro="""\
## Keras models

Build three Keras models, each compiled with Adam, sparse categorical
cross-entropy and accuracy. The checks here look at the layers and the
parameter counts only; nothing is trained.

- `build_mnist_cnn(input_shape=(28, 28, 1), num_classes=10)`: two rounds of
  Conv2D(64, 3, relu) and MaxPooling2D(2), then Flatten, Dense(128, relu)
  and a softmax output (243,786 parameters).
- `build_strided_cnn(input_shape=(28, 28, 1), num_classes=10)`: three
  `"same"` convolutions, 4 filters of 5x5, 8 of 5x5 with stride 2 and 12
  of 4x4 with stride 2, then Flatten, Dense(200, relu) and a softmax output.
- `build_dense_baseline(input_shape=(28, 28, 1), hidden_units=128, num_classes=10)`:
  Flatten, one hidden dense layer and a softmax output.""",
    cases=(
        Case("build_mnist_cnn()", "model"),
        Case("build_dense_baseline()", "model"),
        Case("build_strided_cnn()", "model", hidden=True),
        Case("build_mnist_cnn(input_shape=(32, 32, 3), num_classes=4)", "model", hidden=True),
        Case("build_dense_baseline(hidden_units=64, num_classes=5)", "model", hidden=True),
    ),
)

# The questions written by hand, by exercise name; the course table gives their order.
QUESTIONS: dict[str, Question] = {
    q.name: q for q in (_CONVOLUTION, _POOLING, _SHAPES, _PARAMS, _MODEL)
}


def default_question(exercise: Exercise, points: int) -> Question:
    """The question of an exercise that has none written: each function must be defined."""
    listed = ", ".join(f"`{f}`" for f in exercise.functions)
    intro = (f"## {exercise.title}\n\nWrite {listed}. The checks here only look for the "
             "functions; the course's hidden tests grade what they compute.")
    return Question(exercise.name, points, intro,
                    tuple(Case(f, "defined") for f in exercise.functions))

INTRO = """\
# convgrade: convolutional layers by hand

This notebook holds the convgrade exercises in otter-grader form. Fill in
each function where you see `...`, run its cell, then run the check cell
below it to see the public tests. Hidden tests with the same weight run
when the notebook is graded.

All arrays are NumPy, channels-last and float64 unless a question says
otherwise."""
