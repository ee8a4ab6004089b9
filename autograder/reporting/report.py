"""Feedback reports rendered from a stored result dictionary (never from live objects)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from autograder.course.paths import OutputLayout
from autograder.reporting.report_view import FILTERS, report_context
from autograder.reporting.store import write_text_atomic
from autograder.reporting.templating import template_environment

_ENV = template_environment(escape_strings=False)
_ENV.filters.update(FILTERS)  # Markdown escaping: student text can never leave its block


def render_markdown(result: dict[str, Any]) -> str:
    """A stored result as the Markdown feedback report."""
    return _ENV.get_template("report.md.j2").render(**report_context(result))


def render_html(result: dict[str, Any]) -> str:
    """A stored result as the HTML feedback report."""
    return _ENV.get_template("report.html.j2").render(**report_context(result))


def write_reports(layout: OutputLayout, result: dict[str, Any]) -> None:
    """Write ``reports/<id>.md`` and ``reports/<id>.html`` for one stored result."""
    submission = result["submission"]
    write_text_atomic(layout.report_md(submission), render_markdown(result))
    write_text_atomic(layout.report_html(submission), render_html(result))


def write_all_reports(layout: OutputLayout, results: Iterable[dict[str, Any]]) -> int:
    """Write both reports of every result; return how many results were written."""
    count = 0
    for result in results:
        write_reports(layout, result)
        count += 1
    return count
