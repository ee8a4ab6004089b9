"""Write class statistics as charts, ``stats.json`` and a one-file HTML summary.

Every file is byte-for-byte reproducible from the same results: charts use a
fixed size and resolution and carry no software or date metadata.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from autograder.course.paths import OutputLayout
from autograder.grading.misconceptions import SUMMARIES
from autograder.reporting.stats import ClassStats, compute_stats
from autograder.reporting.store import load_results, write_text_atomic
from autograder.reporting.templating import template_environment

HISTOGRAM = "score_histogram.png"
EXERCISE_CHART = "exercise_means.png"
STATS_JSON = "stats.json"
SUMMARY_HTML = "class_summary.html"

_FIGSIZE = (6.4, 3.6)
_DPI = 100
_BINS = list(range(0, 101, 10))
_COLOR = "#2f6f9f"

_ENV = template_environment(escape_strings=True)


def write_stats(stats: ClassStats, out_dir: Path) -> list[Path]:
    """Write the charts, ``stats.json`` and ``class_summary.html`` into ``out_dir``.

    Returns:
        The written paths: histogram, exercise chart, JSON, HTML.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    charts = {HISTOGRAM: histogram_png(stats), EXERCISE_CHART: exercise_png(stats)}
    paths = []
    for name, data in charts.items():
        path = out_dir / name
        path.write_bytes(data)
        paths.append(path)
    data = stats.to_dict()
    json_path = out_dir / STATS_JSON
    write_text_atomic(json_path, json.dumps(data, indent=2) + "\n")
    html_path = out_dir / SUMMARY_HTML
    write_text_atomic(html_path, render_summary_html(stats, charts))
    return [*paths, json_path, html_path]


def write_class_stats(layout: OutputLayout) -> tuple[list[Path], list[str]]:
    """Compute and write statistics for a grading run's stored results.

    Returns:
        The written paths and the names of result files that could not be read.
    """
    results, unreadable = load_results(layout)
    return write_stats(compute_stats(results), layout.stats), unreadable


def render_summary_html(stats: ClassStats, charts: dict[str, bytes] | None = None) -> str:
    """The class summary page, charts embedded as data URIs so it is one file."""
    charts = charts or {HISTOGRAM: histogram_png(stats), EXERCISE_CHART: exercise_png(stats)}
    images = {
        name: "data:image/png;base64," + base64.b64encode(data).decode("ascii")
        for name, data in charts.items()
    }
    return _ENV.get_template("class_summary.html.j2").render(
        stats=stats,
        histogram=images[HISTOGRAM],
        exercise_chart=images[EXERCISE_CHART],
        histogram_name=HISTOGRAM,
        exercise_chart_name=EXERCISE_CHART,
        descriptions=SUMMARIES,
    )


def histogram_png(stats: ClassStats) -> bytes:
    """A histogram of percent scores in 10-point bins."""
    fig, ax = _figure()
    values = list(stats.percents.values())
    if values:
        ax.hist(values, bins=_BINS, color=_COLOR, edgecolor="white")
    else:
        _no_data(ax)
    ax.set_xlim(0, 100)
    ax.set_xticks(_BINS)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("score (%)")
    ax.set_ylabel("submissions")
    ax.set_title(f"Scores ({stats.n} submissions)")
    return _png(fig)


def exercise_png(stats: ClassStats) -> bytes:
    """A bar chart of the mean percent score of each exercise."""
    fig, ax = _figure()
    names = list(stats.exercises)
    means = list(stats.exercises.values())
    if names:
        bars = ax.bar(names, means, color=_COLOR)
        ax.bar_label(bars, labels=[f"{m:.0f}%" for m in means], padding=2)
    else:
        _no_data(ax)
    ax.set_ylim(0, 110)
    ax.set_ylabel("mean score (%)")
    ax.set_title("Mean score by exercise")
    return _png(fig)


def _figure() -> tuple[Figure, Axes]:
    # The object API needs no pyplot state and no global backend switch.
    fig = Figure(figsize=_FIGSIZE, dpi=_DPI, layout="constrained")
    return fig, fig.add_subplot()


def _no_data(ax: Axes) -> None:
    ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes)


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=_DPI, metadata={"Software": None})
    return buffer.getvalue()
