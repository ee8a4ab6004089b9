"""convgrade: autograded exercises and assessment for convolutional neural networks."""

__version__ = "0.1.0"
