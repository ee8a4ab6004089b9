"""HTML of the TA workspace, from its own jinja2 templates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jinja2

from autograder.workspace.similarity import FLAG_SCORE, Analysis

ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("autograder.workspace", "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)


def code_lines(text: str, marked: set[int]) -> list[dict[str, Any]]:
    """Numbered lines of ``text``, each saying whether it is marked."""
    return [
        {"number": n, "text": line, "marked": n in marked}
        for n, line in enumerate(text.splitlines(), start=1)
    ]


def side_by_side(
    analysis: Analysis, submissions: Mapping[str, Mapping[str, str]], a: str, b: str
) -> list[dict[str, Any]]:
    """Per file, both versions with the lines they share marked."""
    marks = analysis.shared_lines(a, b)
    names = sorted(set(submissions[a]) | set(submissions[b]))
    return [
        {
            "name": name,
            "a": code_lines(submissions[a].get(name, ""), marks[a].get(name, set())),
            "b": code_lines(submissions[b].get(name, ""), marks[b].get(name, set())),
        }
        for name in names
        if marks[a].get(name) or marks[b].get(name)
    ]


def render_similarity(
    analysis: Analysis, submissions: Mapping[str, Mapping[str, str]], shown: int
) -> str:
    """The browsable ranking: every pair's score, the ``shown`` best side by side."""
    top = analysis.pairs[:shown]
    return ENV.get_template("similarity.html.j2").render(
        pairs=analysis.pairs[:500],
        details=[
            {"pair": p, "files": side_by_side(analysis, submissions, p.a, p.b)} for p in top
        ],
        total=len(analysis.pairs),
        flag=FLAG_SCORE,
    )
