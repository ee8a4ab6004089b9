"""The one Jinja environment setup for the package's report and summary templates."""

from __future__ import annotations

import jinja2


def template_environment(*, escape_strings: bool) -> jinja2.Environment:
    """Templates from ``reporting/templates``: HTML autoescaped, undefined names an error.

    ``escape_strings`` also escapes templates built from strings rather than files.
    """
    return jinja2.Environment(
        loader=jinja2.PackageLoader("autograder.reporting", "templates"),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "html.j2"), default_for_string=escape_strings
        ),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
