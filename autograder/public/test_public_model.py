"""Public checks for model.py: each builder returns a compiled model of the right size."""

import pytest

from autograder.feedback import Mismatch, compare
from autograder.proxy import KerasModelData

pytestmark = [pytest.mark.exercise("model"), pytest.mark.points(1)]

BUILDERS = {"build_mnist_cnn": 243786, "build_strided_cnn": 122270, "build_dense_baseline": 101770}


@pytest.mark.parametrize("builder", list(BUILDERS), ids=list(BUILDERS))
def test_model_size_and_compile(student, builder):
    """the model has the parameter count of the spec and is compiled"""
    model = student.call("model", builder)
    if not isinstance(model, KerasModelData) or not model.summary:
        raise Mismatch(f"{builder} must return a Keras model", got=type(model).__name__)
    compare(model.summary.get("params"), BUILDERS[builder], what=f"{builder} parameter count",
            case=f"{builder}()")
    if not model.compile_config:
        raise Mismatch(f"{builder} must compile the model (optimizer, loss and metrics)")
