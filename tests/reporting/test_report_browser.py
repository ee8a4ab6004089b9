"""A feedback report rendered by a real headless Chromium (Debian's package)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest
from capabilities import CHROMIUM
from test_report_goldens import _sample, _untouched

from autograder.reporting.report import render_html

pytestmark = pytest.mark.needs_browser
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]


def _screenshot(tmp_path: Path, html: str, width: int, height: int) -> np.ndarray:
    """The page as Chromium draws it in a window of the given size, as an RGB image."""
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    shot = tmp_path / "shot.png"
    done = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
         f"--screenshot={shot}", f"--window-size={width},{height}", page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert shot.exists(), done.stderr[-2000:]
    return matplotlib.image.imread(shot)[..., :3]


@pytest.mark.slow
def test_report_renders_in_chromium(tmp_path: Path):
    """Chromium loads the self-contained report offline and draws a readable page."""
    image = _screenshot(tmp_path, render_html(_sample()), 1000, 1400)
    assert image.shape[:2] == (1400, 1000)
    ink = (image.mean(axis=2) < 0.5).mean()
    assert 0.005 < ink < 0.5, f"the page looks blank or broken ({ink:.3%} dark pixels)"
    red_bar = np.all(np.isclose(image, [0xB3 / 255, 0x41 / 255, 0x2F / 255], atol=0.02), axis=2)
    assert red_bar.sum() > 50, "the failing-test markers were not drawn"


@pytest.mark.slow
def test_untouched_report_fits_on_one_screen(tmp_path: Path):
    """Drawn by Chromium, an untouched submission's report ends within one 1080-pixel screen."""
    image = _screenshot(tmp_path, render_html(_untouched()), 1200, 2000)
    inked_rows = np.flatnonzero((image.mean(axis=2) < 0.6).any(axis=1))
    assert inked_rows.size and inked_rows[-1] < 1000, f"the page ends at row {inked_rows[-1]}"
