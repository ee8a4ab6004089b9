"""The ``convgrade`` command: a thin layer of click over the typed API.

``app`` holds the group and what its verbs share; each other module holds the
verbs of one audience: ``grading`` (grade, report, stats), ``student`` (check,
submit), ``course`` (release, export gradescope and otter) and ``workspace``
(the TA's adjust, serve, similarity, roster, times, export canvas and grades).
"""

from autograder.cli import course, grading, student, workspace
from autograder.cli.app import main

__all__ = ["course", "grading", "main", "student", "workspace"]
