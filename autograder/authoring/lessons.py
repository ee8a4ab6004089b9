"""The notebooks' prose, keyed by exercise and function name: a course's teaching text.

The list and order of exercises and functions come from the course table
(``autograder.course.table``), and so do the notebook titles; here is only what
each notebook says. An exercise or function without text here still gets a
notebook: its intro is left out and a function's lesson is its docstring summary.
The worked examples use small made-up sizes on purpose: the lecture's own
numbers are quiz answers.
"""

from __future__ import annotations

# Per exercise: the paragraph under the notebook's title.
INTROS: dict[str, str] = {
    "convolution": (
        "A convolutional layer slides small filters over an image and records how strongly "
        "each patch matches each filter. One filter is reused at every position, which is "
        "why such a layer needs so few weights. Here you build it by hand, one piece at a "
        "time, on channels-last arrays `(m, H, W, C)`."
    ),
    "pooling": (
        "Pooling shrinks feature maps by summarising each small window with one number. It "
        "has no weights to learn: it keeps the strongest (or the average) response, so the "
        "features found by the convolutions survive while later layers get cheaper."
    ),
    "shapes": (
        "Knowing the shape that every layer hands to the next one is most of the work of "
        "designing a CNN. These functions compute the shapes by hand, without the batch "
        "axis: `(H, W, C)`."
    ),
    "params": (
        "A dense layer wired to every pixel needs a weight per pixel per neuron; a "
        "convolution needs only its small filters. Count both yourself, then rebuild the "
        "table that Keras prints with `model.summary()` from a list of layers."
    ),
    "model": (
        "Now let Keras do the arithmetic: build the networks, compile them, and compare a "
        "CNN with a plain dense network on handwritten digits. Keras (and TensorFlow under "
        "it) loads the first time a model is built, which takes a few seconds; the checks "
        "after that are quick."
    ),
}

# Per function: what it computes and why it matters, then a tiny worked example.
LESSONS: dict[str, tuple[str, str]] = {
    "zero_pad": (
        "Surrounds every image with `pad` rows of zeros at the top and bottom and `pad` "
        "columns at the left and right; the batch and channel axes are untouched. Padding "
        "lets a kernel sit on border pixels too, so a layer need not shrink its input.",
        "a `(1, 3, 3, 1)` batch padded with `pad=1` has shape `(1, 5, 5, 1)`, and its "
        "outer ring is all zeros.",
    ),
    "conv_single_step": (
        "Multiplies one window of the input by one filter element by element, adds up "
        "everything and adds the bias. This one number is what a convolution produces at "
        "a single position.",
        "a 2x2x1 window of ones, a filter of twos and bias 1 give 4 x 2 + 1 = 9.",
    ),
    "conv_forward": (
        "Pads the batch, then slides each filter over each image `stride` pixels at a time "
        "and applies the single step everywhere. There is no kernel flip: this is "
        "cross-correlation, exactly what `tf.nn.conv2d` computes. Each filter gives one "
        "output channel.",
        "a `(2, 5, 5, 3)` batch with `W` of shape `(3, 3, 3, 8)` gives `(2, 3, 3, 8)` with "
        '`"valid"` padding and `(2, 5, 5, 8)` with `"same"`.',
    ),
    "apply_filter": (
        "Runs one 2-D kernel over a grayscale image with stride 1 and no padding. A "
        "hand-made kernel like this can make vertical or horizontal strokes stand out.",
        "a 10x10 image and a 3x3 kernel give an 8x8 map, since the kernel fits in "
        "10 - 3 + 1 = 8 places along each axis.",
    ),
    "pool_forward": (
        'Moves a window over each channel separately and keeps its largest value (`"max"`) '
        'or its mean (`"average"`). The stride defaults to the window size, as in Keras, '
        "so the windows do not overlap.",
        "the 2x2 input `[[1, 3], [2, 4]]` max-pools to 4 and average-pools to 2.5; an "
        "8x8x3 map becomes 4x4x3 with a 2x2 window.",
    ),
    "conv_output_size": (
        "How many positions a kernel of length `f` takes along an axis of length `n`: "
        '`floor((n + 2p - f) / s) + 1`, or `ceil(n / s)` with `"same"` padding. Every '
        "shape in a CNN follows from this formula.",
        '`n=10, f=3` gives 8; with `padding=1` it gives 10; with `stride=2, padding="same"` '
        "it gives 5.",
    ),
    "conv_output_shape": (
        "Applies the size formula to the height and the width, and sets the depth to the "
        "number of filters, because each filter yields one feature map.",
        "`(10, 10, 3)` through 16 filters of 3x3 gives `(8, 8, 16)`.",
    ),
    "pool_output_shape": (
        "Uses the same formula with the pooling window. The channel count does not change: "
        "each channel is pooled on its own.",
        "`(8, 8, 16)` with a 2x2 pool gives `(4, 4, 16)`; `(9, 9, 16)` also gives "
        "`(4, 4, 16)` because the leftover row and column are dropped.",
    ),
    "flatten_size": (
        "The length of the vector that `Flatten` makes: the product of all dimensions. It "
        "is the number of inputs of the first dense layer after the convolutions.",
        "`(4, 4, 16)` flattens to 256 values.",
    ),
    "dense_params": (
        "Each neuron has one weight per input and, usually, one bias. This is why dense "
        "layers get expensive quickly on images.",
        "a 10x10 image flattened to 100 inputs and fed to 50 neurons needs 100 x 50 = 5,000 "
        "weights plus 50 biases, 5,050 parameters.",
    ),
    "conv2d_params": (
        "A filter holds `kh x kw x in_channels` weights and one bias, and the layer has "
        "`filters` of them. The image size plays no part, because the same weights are "
        "reused at every position.",
        "8 filters of 3x3 on a 3-channel image hold (3 x 3 x 3 + 1) x 8 = 224 parameters.",
    ),
    "summarize": (
        "Walks through a list of layer descriptions and returns, for each layer, its "
        "output shape (no batch axis) and its parameter count, like `model.summary()`.",
        'input `(10, 10, 1)` and `[{"type": "conv2d", "filters": 8, "kernel_size": 3}]` '
        "give `[((8, 8, 8), 80)]`.",
    ),
    "build_mnist_cnn": (
        "Two rounds of a 3x3 convolution with 64 filters and ReLU followed by 2x2 max "
        "pooling, then Flatten, a Dense layer of 128 with ReLU and a softmax over the "
        "classes; compiled with Adam, sparse categorical cross-entropy and accuracy.",
        "with the default arguments, `model.count_params()` is 243,786. Call "
        "`model.summary()` to watch the image shrink layer by layer.",
    ),
    "build_strided_cnn": (
        "Downsamples with strides instead of pooling: Conv2D(4, 5x5), Conv2D(8, 5x5, "
        'stride 2) and Conv2D(12, 4x4, stride 2), all with `"same"` padding and ReLU, then '
        "Flatten, Dense(200, ReLU) and the softmax; compiled like the first model.",
        "on a 28x28x1 digit the last convolution outputs 7x7x12, so Flatten hands 588 "
        "values to the dense layer.",
    ),
    "build_dense_baseline": (
        "No convolutions at all: Flatten, one hidden Dense layer with ReLU, then the "
        "softmax. Train it next to a CNN to see what the convolutions buy you.",
        "with 128 hidden units and 10 classes it has 784 x 128 + 128 + 128 x 10 + 10 = "
        "101,770 parameters.",
    ),
}

SCRATCH = (
    "# Scratch space: try your functions here. Top-level code such as this is ignored\n"
    "# when the notebook is graded, so only the code inside the functions counts.\n"
)
# A first thing to try in each module's scratch cell (commented out so that running
# every cell works before anything is implemented).
TRY: dict[str, str] = {
    "convolution": "# import numpy as np\n# print(apply_filter(np.eye(5), np.ones((3, 3))))  # 3x3",
    "pooling": "# import numpy as np\n"
               "# print(pool_forward(np.arange(16.0).reshape(1, 4, 4, 1)).shape)  # (1, 2, 2, 1)",
    "shapes": "# print(conv_output_size(10, 3), pool_output_shape((9, 9, 16)))  # 8 (4, 4, 16)",
    "params": "# print(dense_params(100, 50), conv2d_params(3, 3, 8))  # 5050 224",
    "model": "# model = build_dense_baseline()\n# model.summary()",
}
