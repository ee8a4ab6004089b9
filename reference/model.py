"""Three Keras models for handwritten digits: two small CNNs and a dense baseline."""

from __future__ import annotations

import keras


def build_mnist_cnn(input_shape=(28, 28, 1), num_classes=10) -> keras.Model:
    """Two convolution + max-pooling stages, then a small dense classifier.

    A 3x3 convolution looks at one small neighbourhood at a time and reuses the
    same weights across the whole image, so on a one-channel image each of its
    64 filters costs only 10 parameters (9 weights and a bias). Each 2x2
    max-pooling step keeps the strongest response in every block and halves the
    height and width: 28 -> 26 -> 13 -> 11 -> 5, so the dense part reads
    5 * 5 * 64 = 1,600 stroke-like features instead of 784 raw pixels. For a
    28x28x1 input and 10 classes the model has 243,786 parameters, most of them
    in the Dense(128) layer.

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
    needed. With "same" padding the output is ceil(n / stride) on each side, so a
    28x28 digit goes 28x28x4 -> 14x14x8 -> 7x7x12 while the number of filters
    grows. The flattened 7 * 7 * 12 = 588 features feed Dense(200) and the
    softmax output. The convolutions together hold only 2,460 parameters; for a
    28x28x1 input and 10 classes the whole model has 122,270, about half of the
    pooled CNN.

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
