"""The trusted requests a model child serves: describe a config, or train it.

A model child is forked from the warm zygote with no student code at all (see
``autograder.sandbox.child``); it receives a student's model only as its JSON
config and answers with plain data. It runs under the sandbox's walls and
limits, so a config that slips past the estimate can exhaust only this child,
which the grader kills at its wall-clock budget.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np

from autograder.grading.keras.config import UnsafeModel
from autograder.grading.keras.describe import describe
from autograder.grading.keras.train import train

# The training images, sent once per child by the grader ("load_data"), by data id.
_DATA: dict[str, tuple[np.ndarray, ...]] = {}


def run(task: str, args: dict[str, Any]) -> dict[str, Any]:
    """The plain-data answer to one trusted request.

    Raises:
        ValueError: an unknown task or malformed arguments (a grader bug, not the student's).
    """
    if task == "describe":
        shape = args.get("input_shape")
        try:
            layers = describe(str(args["config_json"]), tuple(shape) if shape else None)
        except UnsafeModel as exc:
            return {"unsafe": str(exc)}
        finally:
            _clear()
        return {"layers": [asdict(spec) for spec in layers]}
    if task == "load_data":
        _DATA.clear()  # one data set at a time: it is the bulk of the child's memory
        _DATA[str(args["data_id"])] = tuple(
            np.asarray(args[k]) for k in ("x_train", "y_train", "x_test", "y_test")
        )
        return {"loaded": True}
    if task == "train":
        data = _DATA.get(str(args["data_id"]))
        if data is None:
            raise ValueError("no training data loaded in this child")
        return train(
            str(args["config_json"]), args.get("arguments"), data,  # type: ignore[arg-type]
            int(args["seed"]), int(args["epochs"]),
        )
    raise ValueError(f"unknown model task {task[:40]!r}")


def _clear() -> None:
    import keras

    keras.backend.clear_session()
