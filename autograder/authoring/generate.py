"""Generate ``exercises/`` from the reference: stubs, notebooks, answers template, README.

``python -m autograder.authoring.generate`` rewrites ``exercises/``;
``--check`` only lists the files that differ from what would be generated and
exits 1 when there are any. Reference modules that do not exist yet are skipped,
and without ``quizzes/questions.toml`` the quiz parts are left out.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from autograder.authoring.notebooks import assignment_notebook, module_notebook, notebook_text
from autograder.authoring.stubs import strip_solutions
from autograder.course import paths
from autograder.course.paths import CourseLayout
from autograder.course.table import course_table
from autograder.quiz.files import FORMATS, Question, load_questions

README = """\
# Convolutional neural networks: exercises

You implement convolution, pooling, output shapes and parameter counts with
NumPy, build three small networks in Keras, and answer a short quiz.

## Setup

    pip install convgrade     # or: pip install -r requirements.txt

This gives you the `convgrade` command used below.

## Where to work

Pick one way and stick to it:

- **Notebooks.** `notebooks/assignment.ipynb` holds everything, lessons and
  quiz included; `notebooks/<module>.ipynb` holds one exercise each.
{files}

In each function, replace `# YOUR CODE HERE` and the `raise
NotImplementedError(...)` under it with your code. Do not rename functions or
change their arguments: the grader calls them by name. Code outside the
functions in a notebook (training runs, plots) is ignored at grading time.

## Checking your work

    convgrade check                                # the .py files in this folder
    convgrade check notebooks/assignment.ipynb     # or a notebook

runs the public tests offline in a few seconds. Passing them is a good sign,
not a guarantee: the grader runs more cases.

## Quiz

The questions are at the end of the assignment notebook and in
`quizzes/questions.toml`. Answer in `answers.toml`, one `id = value` line per
question (the template lists every id, commented out):

    some_choice = "b"                 # one letter
    some_multi = ["a", "c"]           # several letters
    some_count = 1234                 # a number
    some_shape = "10x10x3"            # height x width x channels

In a notebook, fill in the `QUIZ_ANSWERS` dict instead; `None` means no
answer. A missing or unreadable answer scores 0 for that question only.

## Submitting

    convgrade submit

packs your work into `submission.zip` and checks it the way the grader will
read it. Upload that zip, or a single notebook.
"""


def readme(modules: tuple[str, ...]) -> str:
    """The student README, naming the exercise files of the course table."""
    names = [f"`{m}.py`" for m in modules]
    listed = ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]
    files = textwrap.fill(f"- **Plain Python files.** Edit {listed} directly.",
                          width=78, subsequent_indent="  ")
    return README.format(files=files)


def answers_template(questions: list[Question] | None) -> str:
    """``answers.toml`` for students: every id commented out, so it parses to no answers."""
    lines = [
        "# Quiz answers. For each question, remove the leading '# ' from its id line",
        "# and write your answer after the '='. A question left commented out scores 0.",
    ]
    if not questions:
        return "\n".join([*lines, "# (The quiz questions are not published yet.)"]) + "\n"
    for n, q in enumerate(questions, start=1):
        prompt = textwrap.wrap(f"{n}. {' '.join(q.prompt.split())} [{q.kind}, {q.points:g} pt]",
                               width=86, subsequent_indent="   ")
        lines += ["", *(f"# {line}" for line in prompt)]
        lines += [f"#    {letter}) {text}" for letter, text in q.options.items()]
        lines += [f"#    format: {FORMATS[q.kind]}", f"# {q.id} ="]
    return "\n".join(lines) + "\n"


def _stubs(layout: CourseLayout) -> dict[str, str]:
    """Stub source per module, in course order, for the reference modules that exist."""
    stubs = {}
    for module in course_table(layout).names:
        path = layout.reference / f"{module}.py"
        if path.is_file():
            stubs[module] = strip_solutions(path.read_text(encoding="utf-8"), str(path))
    return stubs


def _questions(layout: CourseLayout) -> list[Question] | None:
    path = layout.quiz_questions
    return load_questions(path) if path.is_file() else None


def generate(course: CourseLayout, out: Path | None = None) -> dict[Path, str]:
    """Every generated file as relative path -> text; also written under ``out`` if given.

    Writing to ``out`` only adds or replaces files; ``write_exercises`` also
    removes stale ones.
    """
    stubs = _stubs(course)
    questions = _questions(course)
    table = course_table(course)
    titles = {e.name: e.title for e in table.exercises}
    files = {Path(f"{module}.py"): stub for module, stub in stubs.items()}
    for module, stub in stubs.items():
        notebook = module_notebook(module, stub, titles[module])
        files[Path("notebooks", f"{module}.ipynb")] = notebook_text(notebook)
    files[Path("notebooks", "assignment.ipynb")] = notebook_text(
        assignment_notebook(stubs, questions, titles)
    )
    files[Path(table.answers)] = answers_template(questions)
    files[Path("README.md")] = readme(table.names)
    if out is not None:
        _write(files, Path(out))
    return files


def _write(files: dict[Path, str], out: Path) -> list[Path]:
    written = []
    for rel, text in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    return written


def _existing(folder: Path) -> set[Path]:
    if not folder.is_dir():
        return set()
    return {
        p.relative_to(folder)
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts
    }


def check_exercises(course: CourseLayout) -> list[str]:
    """Paths under ``exercises/`` (posix, relative) that are missing, different or stale."""
    files = generate(course)
    drift = {
        rel for rel, text in files.items()
        if not (path := course.exercises / rel).is_file()
        or path.read_text(encoding="utf-8") != text
    }
    drift |= _existing(course.exercises) - set(files)
    return sorted(rel.as_posix() for rel in drift)


def write_exercises(course: CourseLayout) -> list[Path]:
    """Rewrite ``exercises/`` and remove files no longer generated; returns the paths written."""
    files = generate(course)
    for rel in _existing(course.exercises) - set(files):
        (course.exercises / rel).unlink()
    written = _write(files, course.exercises)
    for folder in sorted(course.exercises.rglob("*"), reverse=True):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: regenerate ``exercises/``, or with ``--check`` report drift."""
    parser = argparse.ArgumentParser(prog="python -m autograder.authoring.generate")
    parser.add_argument("--check", action="store_true", help="only list drifted files")
    args = parser.parse_args(argv)
    layout = paths.course()
    try:
        if args.check:
            drift = check_exercises(layout)
            for rel in drift:
                print(f"out of date: exercises/{rel}")
            return 1 if drift else 0
        written = write_exercises(layout)
    except ValueError as exc:  # bad solution markers: the message names file and line
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {len(written)} files under {layout.exercises}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
