"""convgrade: autograded exercises and assessment for convolutional neural networks."""

from autograder.sandbox.tf_env import quiet_tensorflow

__version__ = "0.1.0"

# Every grader process, however it starts (CLI, pool worker, dask worker, tests),
# gets the same TensorFlow settings before anything imports TensorFlow.
quiet_tensorflow()
