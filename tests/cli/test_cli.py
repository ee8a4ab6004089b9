"""Tests for autograder/cli/: the verbs, their help, and a quick start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from autograder.cli import main

# The verbs the spec names; the group must offer each one.
VERBS = ("adjust", "check", "export", "grade", "release", "report", "roster", "serve",
         "similarity", "stats", "submit", "times")


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in sorted(group.commands.items()):
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found += _commands(command, (*prefix, name))
    return found


def test_every_verb_is_registered():
    """The group offers every verb, each registered once by its audience's module."""
    assert set(VERBS) <= set(main.commands)


@pytest.mark.parametrize("path", _commands(main), ids=" ".join)
def test_every_command_has_help(path: tuple[str, ...]):
    """Each command and subcommand prints its help and exits 0."""
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output and path[-1] in result.output


def test_help_loads_no_heavy_library():
    """Starting the command imports neither NumPy, pytest nor TensorFlow (help stays instant)."""
    probe = ("import sys; from autograder.cli import main; "
             "print(sorted(m for m in ('numpy', 'pytest', 'tensorflow', 'keras') "
             "if m in sys.modules))")
    shown = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           check=True, timeout=60)
    assert shown.stdout.strip() == "[]"


def test_grade_with_nothing_to_grade_fails_with_a_message(tmp_path: Path):
    """``grade`` on a folder without submissions exits non-zero and says what it expected."""
    empty = tmp_path / "class"
    empty.mkdir()
    result = CliRunner().invoke(main, ["grade", str(empty), "--out", str(tmp_path / "out")])
    assert result.exit_code != 0
    assert "no submissions found" in result.output and str(empty) in result.output
