"""The ``convgrade`` group, its consoles, and the checks several verbs share."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, TypeVar

import click
from rich.console import Console
from rich.markup import escape

from autograder.run.names import TerminalStream, terminal_text
from autograder.sandbox.tf_env import quiet_tensorflow

# Student-chosen names reach these consoles: both filter control and escape sequences.
console = Console(file=TerminalStream(lambda: sys.stderr))
stdout = Console(file=TerminalStream(lambda: sys.stdout))

PathArg = click.Path(path_type=Path)
OutDir = click.Path(exists=True, file_okay=False, path_type=Path)

T = TypeVar("T")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="convgrade")
def main() -> None:
    """convgrade: autograded exercises and quizzes on convolutional neural networks."""
    quiet_tensorflow()


@main.group()
def export() -> None:
    """Export the course for other platforms."""


def safe(text: object) -> str:
    """Text for a rich console: no control sequences, no rich markup."""
    return escape(terminal_text(str(text)))


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``message`` as an error and exit with ``code``."""
    console.print(f"[red]error: {safe(message)}", soft_wrap=True)
    sys.exit(code)


def require_results(out: Path, verb: str) -> None:
    """Stop unless ``out`` is an OUT folder holding at least one result."""
    from autograder.reporting.stats import output_folder_problem

    if (problem := output_folder_problem(out, verb)) is not None:
        fail(problem)


def check_stored_policy(out: Path) -> None:
    """A points policy stored in OUT that no longer reads stops the command before it starts."""
    from autograder.grading.points import stored_policy

    try:
        stored_policy(out)
    except ValueError as exc:
        fail(f"{exc}; fix it or declare a new one with `convgrade report OUT --points FILE`")


def csv_input(read: Callable[..., T], *args: object) -> T:
    """Call ``read``; a malformed CSV is a usage error naming file and line."""
    try:
        return read(*args)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
