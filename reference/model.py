"""Three Keras models for handwritten digits: two small CNNs and a dense baseline."""

from __future__ import annotations

import keras


def build_mnist_cnn(input_shape=(28, 28, 1), num_classes=10) -> keras.Model:
    """Two convolution + max-pooling stages, then a small dense classifier.

    A 3x3 convolution looks at one small neighbourhood at a time and reuses the
    same weights across the whole image, so on a one-channel image each of its
    64 filters costs only 10 parameters (9 weights and a bias). Each 2x2
    max-pooling step keeps the strongest response in every block and halves the
    height and width (dropping an odd leftover row), so the dense part reads a
    few thousand stroke-like features rather than raw pixels; trace the shapes
    with your own ``conv_output_shape`` and ``pool_output_shape``.

    Layers, in order: Conv2D(64 filters, 3x3, ReLU), MaxPooling2D(2x2),
    Conv2D(64, 3x3, ReLU), MaxPooling2D(2x2), Flatten, Dense(128, ReLU),
    Dense(num_classes, softmax); no padding. For a 28x28x1 input and 10 classes
    the model has 243,786 parameters, most of them in the Dense(128) layer.

    Args:
        input_shape: height, width and channels of one image.
        num_classes: how many labels the softmax output chooses between.

    Returns:
        A model compiled with Adam, sparse categorical cross-entropy and accuracy.
    """
    # BEGIN SOLUTION
    model = keras.Sequential(
        [
            keras.Input(shape=input_shape),
            keras.layers.Conv2D(64, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(64, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(num_classes, activation="softmax"),
        ]
    )
    model.compile(
        optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    return model
    # END SOLUTION


def build_strided_cnn(input_shape=(28, 28, 1), num_classes=10) -> keras.Model:
    """Three convolutions that shrink the image with strides instead of pooling.

    A stride of 2 makes a convolution step two pixels at a time, so it learns
    features and halves the height and width in one layer; no pooling layer is
    needed. With "same" padding the output is ceil(n / stride) on each side, so
    the image shrinks while the number of filters grows.

    Layers, in order, all with "same" padding and ReLU: Conv2D(4 filters, 5x5,
    stride 1), Conv2D(8, 5x5, stride 2), Conv2D(12, 4x4, stride 2); then Flatten,
    Dense(200, ReLU) and Dense(num_classes, softmax). The convolutions together
    hold only 2,460 parameters; for a 28x28x1 input and 10 classes the whole
    model has 122,270, about half of the pooled CNN.

    Args:
        input_shape: height, width and channels of one image.
        num_classes: how many labels the softmax output chooses between.

    Returns:
        A model compiled with Adam, sparse categorical cross-entropy and accuracy.
    """
    # BEGIN SOLUTION
    model = keras.Sequential(
        [
            keras.Input(shape=input_shape),
            keras.layers.Conv2D(4, 5, padding="same", activation="relu"),
            keras.layers.Conv2D(8, 5, strides=2, padding="same", activation="relu"),
            keras.layers.Conv2D(12, 4, strides=2, padding="same", activation="relu"),
            keras.layers.Flatten(),
            keras.layers.Dense(200, activation="relu"),
            keras.layers.Dense(num_classes, activation="softmax"),
        ]
    )
    model.compile(
        optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    return model
    # END SOLUTION


def build_dense_baseline(input_shape=(28, 28, 1), hidden_units=128, num_classes=10) -> keras.Model:
    """A network of dense layers only, to compare against the CNNs.

    Flatten turns the image into one long vector, so the hidden layer sees every
    pixel but not how pixels sit next to each other. Each hidden unit needs one
    weight per pixel: 784 * 128 + 128 = 100,480 parameters in the first layer
    alone for a 28x28x1 input, 101,770 in all with a 10-class output.

    Args:
        input_shape: height, width and channels of one image.
        hidden_units: size of the hidden dense layer.
        num_classes: how many labels the softmax output chooses between.

    Returns:
        A model compiled with Adam, sparse categorical cross-entropy and accuracy.
    """
    # BEGIN SOLUTION
    model = keras.Sequential(
        [
            keras.Input(shape=input_shape),
            keras.layers.Flatten(),
            keras.layers.Dense(hidden_units, activation="relu"),
            keras.layers.Dense(num_classes, activation="softmax"),
        ]
    )
    model.compile(
        optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    return model
    # END SOLUTION
