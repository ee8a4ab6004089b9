"""The student helper for notebooks: ``check``, ``check_all``, ``check_answers``, ``submit``.

The released notebooks import it in their first code cell::

    from autograder.student.notebook import check, check_all, check_answers, submit

``check("conv_forward")`` runs the public tests of that function (or of a whole
exercise, ``check("convolution")``) on the functions the kernel holds now: no
file is read, nothing is saved, no process is started. Inside Jupyter the
functions come from IPython's user namespace; anywhere else pass it,
``check("conv_forward", globals())``. ``submit()`` is the other way round: it
reads the saved notebook, as the grader will, and refuses while the kernel's
functions differ from the file.

In a Jupyter kernel, importing this module makes ``import keras`` lazy (see
``lazy_keras``), so cells that only import Keras, or check a model builder
that is not started, never wait for TensorFlow.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograder.student import HELPER_CALLS, lazy_keras
from autograder.student.display import AnswersView, CheckView, SubmitView
from autograder.student.namespace import NamespaceProxy, kernel_namespace

if TYPE_CHECKING:
    from autograder.student.runner import PublicCase

# The heavier modules (runner, loading, submit) are imported inside the functions: grading
# keeps a notebook's imports, so the import in its first cell should cost next to nothing.
__all__ = sorted(HELPER_CALLS)

_ipython = sys.modules.get("IPython")
if _ipython is not None and _ipython.get_ipython() is not None:
    lazy_keras.install()


def _run(title: str, cases: list[PublicCase], namespace: Mapping[str, Any] | None) -> CheckView:
    from autograder.student.runner import run_cases

    started = time.monotonic()
    proxy = NamespaceProxy(kernel_namespace() if namespace is None else namespace)
    outcomes = run_cases(proxy, cases)
    passed = sum(o.status == "passed" for o in outcomes)
    return CheckView(f"{title}: {passed} of {len(outcomes)} public cases pass", outcomes,
                     time.monotonic() - started)


def check(name: str, namespace: Mapping[str, Any] | None = None) -> CheckView:
    """Run the public tests of one function (``"conv_forward"``) or exercise (``"pooling"``).

    Raises:
        ValueError: ``name`` is neither; the message suggests the closest name.
    """
    from autograder.student.runner import cases_for

    return _run(f'check("{name}")', cases_for(name), namespace)


def check_all(namespace: Mapping[str, Any] | None = None) -> CheckView:
    """Run every public test (a model builder that is not started costs no TensorFlow import)."""
    from autograder.course.table import course_table
    from autograder.student.runner import public_cases

    return _run("check_all()", public_cases(course_table().names), namespace)


def check_answers(
    answers: Mapping[str, object] | None = None,
    namespace: Mapping[str, Any] | None = None,
    questions_from: Path | None = None,
) -> AnswersView:
    """Whether each quiz answer can be read by the grader (never whether it is right).

    ``answers`` defaults to ``QUIZ_ANSWERS`` in the kernel; the questions are
    found in the bundle holding ``questions_from`` (default: the current folder).
    """
    from autograder.student.answers import answer_forms, find_questions

    if answers is None:
        space = kernel_namespace() if namespace is None else namespace
        answers = space.get("QUIZ_ANSWERS")
        if answers is None:
            return AnswersView([], ["QUIZ_ANSWERS is not defined yet: run its cell first"])
    questions = find_questions(questions_from or Path.cwd())
    if questions is None:
        return AnswersView([], ["the quiz questions (quizzes/questions.toml) were not found"])
    return answer_forms(answers, questions)


def submit(
    path: str | Path | None = None,
    *,
    notebook: str | Path | None = None,
    namespace: Mapping[str, Any] | None = None,
    out: str | Path | None = None,
    force: bool = False,
) -> SubmitView:
    """Pack the SAVED work at ``path`` (a notebook or the bundle folder) into a zip.

    ``notebook`` is the saved notebook this kernel runs (default: ``path`` when
    it is one); while the kernel's functions differ from that file nothing is
    written, unless ``force``. ``out`` defaults to ``submission.zip`` beside
    ``path``.
    """
    from autograder.student.saved import graded_from, unsaved_changes
    from autograder.student.submit import build_submission_zip

    target = Path(path) if path is not None else _current_notebook(namespace)
    saved = Path(notebook) if notebook is not None else target
    problems: list[str] = []
    if saved.suffix == ".ipynb" and not force:
        space = _namespace_or_none(namespace)
        changed = unsaved_changes(saved, space) if space is not None else []
        if changed:
            problems.append(
                f"the saved {saved.name} differs from what this kernel runs "
                f"({', '.join(changed)}): save the notebook (and run the cells you changed), "
                "then run submit() again"
            )
            return SubmitView(None, problems=problems)
    folder = target if target.is_dir() else target.parent
    zip_path = Path(out) if out else folder / "submission.zip"
    # ``force`` also lets submit write a zip in which nothing is implemented yet.
    report = build_submission_zip(target, zip_path, **({"force": True} if force else {}))
    written = str(report.path) if getattr(report, "written", bool(report.files)) else None
    return SubmitView(written, graded_from(report) if written else [], report.problems,
                      report.warnings)


def _namespace_or_none(namespace: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    if namespace is not None:
        return namespace
    try:
        return kernel_namespace()
    except RuntimeError:
        return None


def _current_notebook(namespace: Mapping[str, Any] | None) -> Path:
    """The notebook this kernel runs, when the front end says so; else a clear error."""
    import os

    space = _namespace_or_none(namespace) or {}
    for guess in (os.environ.get("JPY_SESSION_NAME"), space.get("__vsc_ipynb_file__")):
        if isinstance(guess, str) and guess.endswith(".ipynb") and Path(guess).is_file():
            return Path(guess)
    raise ValueError('name the notebook to submit, e.g. submit("assignment.ipynb")')
