"""Feedback reports rendered from a stored result dictionary (never from live objects)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import jinja2

from autograder.output import write_text_atomic
from autograder.paths import OutputLayout

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("autograder", "templates"),
    autoescape=jinja2.select_autoescape(
        enabled_extensions=("html", "html.j2"), default_for_string=False
    ),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined,
)


def _most_instructive(test: dict[str, Any]) -> tuple[bool, int]:
    """Sort key: diagnosed failures first, then the shortest, whose case is easiest to redo."""
    diagnosed = any(tag.startswith("misconception:") for tag in test.get("tags", []))
    return (not diagnosed, len(test.get("output", "")))


def report_context(result: dict[str, Any]) -> dict[str, Any]:
    """The view of a result a report shows: totals, exercises with their tests, the quiz."""
    tests = [t for t in result.get("tests", []) if t.get("exercise") != "quiz"]
    exercises = []
    for name, totals in result.get("exercises", {}).items():
        if name == "quiz":
            continue
        own = [t for t in tests if t.get("exercise") == name]
        exercises.append(
            {
                "name": name,
                "score": totals["score"],
                "max_score": totals["max_score"],
                "passed": sum(t["status"] == "passed" for t in own),
                "total": len(own),
                "failures": sorted(
                    (t for t in own if t["status"] != "passed"), key=_most_instructive
                ),
            }
        )
    quiz_totals = result.get("exercises", {}).get("quiz")
    return {
        "submission": result["submission"],
        "score": result["score"],
        "max_score": result["max_score"],
        "percent": 100.0 * result["score"] / result["max_score"] if result["max_score"] else 0.0,
        "errors": result.get("errors", []),
        "warnings": result.get("warnings", []),
        "isolation": result.get("isolation", "full"),
        "ta_notes": result.get("ta_notes", []),  # set by autograder.workspace.apply
        "exercises": exercises,
        "quiz": list(result.get("quiz", {}).values()),
        "quiz_totals": quiz_totals,
        "misconceptions": sorted(
            {
                tag.split(":", 1)[1]
                for t in tests
                for tag in t.get("tags", [])
                if tag.startswith("misconception:")
            }
        ),
    }


def render_markdown(result: dict[str, Any]) -> str:
    return _ENV.get_template("report.md.j2").render(**report_context(result))


def render_html(result: dict[str, Any]) -> str:
    return _ENV.get_template("report.html.j2").render(**report_context(result))


def write_reports(layout: OutputLayout, result: dict[str, Any]) -> None:
    """Write ``reports/<id>.md`` and ``reports/<id>.html`` for one stored result."""
    submission = result["submission"]
    write_text_atomic(layout.report_md(submission), render_markdown(result))
    write_text_atomic(layout.report_html(submission), render_html(result))


def write_all_reports(layout: OutputLayout, results: Iterable[dict[str, Any]]) -> int:
    count = 0
    for result in results:
        write_reports(layout, result)
        count += 1
    return count
