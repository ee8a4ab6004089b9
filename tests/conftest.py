"""Shared pytest options for convgrade's own tests, and the skips for missing capabilities."""

import pytest
from capabilities import MARKERS, skip_reason


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="rewrite the golden report files under tests/goldens instead of comparing",
    )


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


def pytest_configure(config: pytest.Config) -> None:
    # The public tests' markers, for tests that import those modules outside a grading session.
    config.addinivalue_line("markers", "points(n): points the hidden test is worth")
    config.addinivalue_line("markers", "exercise(name): the exercise a test belongs to")
    for name, (_, meaning) in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {meaning}; skipped with a reason elsewhere")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip each test whose capability this machine lacks, saying what and why."""
    for item in items:
        markers = {mark.name for mark in item.iter_markers()} & MARKERS.keys()
        if not markers:
            continue
        function = getattr(item, "function", None)
        reason = skip_reason(markers, getattr(function, "__doc__", None), item.name)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))
