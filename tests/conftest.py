"""Shared pytest options for convgrade's own tests."""

import pytest


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
