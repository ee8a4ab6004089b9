"""Tests for autograder/run/names.py: ids and terminal text that cannot hurt."""

from __future__ import annotations

import io

import pytest

from autograder.run.names import (
    MAX_ID_LENGTH,
    TerminalStream,
    safe_id,
    shown,
    terminal_filter,
    terminal_text,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Ann Lee", "Ann_Lee"),
        ("=HYPERLINK(1)", "_HYPERLINK_1_"),
        ("+1", "_1"),
        ("-rf", "rf"),
        ("@sum", "_sum"),
        ("bob\x1b]0;title\x07", "bob"),
        ("tab\there", "tabhere"),
        ("...", "submission"),
    ],
)
def test_ids_are_safe(name, expected):
    """Ids keep safe characters only, drop control sequences and never start a formula."""
    assert safe_id(name) == expected


def test_long_ids_are_cut_with_a_hash_that_keeps_them_apart():
    """Two long names sharing a prefix give distinct ids of the maximum length."""
    first, second = safe_id("x" * 200 + "1"), safe_id("x" * 200 + "2")
    assert len(first) == len(second) == MAX_ID_LENGTH and first != second
    assert first.startswith("x" * 50) and safe_id("x" * 200 + "1") == first


def test_terminal_text_drops_every_escape_sequence():
    """OSC titles, clipboard writes, CSI screen clears and C1 controls are all removed."""
    text = "a\x1b]0;t\x07b\x1b]52;c;aGk=\x1b\\c\x1b[2Jd\x9b31me\x07\x08f\ng"
    assert terminal_text(text) == "abcdef\ng"


def test_terminal_filter_keeps_what_rich_draws_with():
    """Colours, cursor moves, line erasing and cursor hiding pass; the rest does not."""
    drawn = "\x1b[1;31mred\x1b[0m\r\x1b[2K\x1b[1A\x1b[?25l"
    assert terminal_filter(drawn) == drawn
    assert terminal_filter("\x1b[2J\x1b]0;x\x07\x1b[?1049h") == ""


def test_terminal_stream_filters_and_bypasses_a_live_proxy():
    """Writes reach the real stream filtered, even when rich has swapped in its proxy."""
    real = io.StringIO()

    class Proxy:
        rich_proxied_file = real

    stream = TerminalStream(lambda: Proxy())
    assert stream.write("ok\x1b]0;x\x07") == len("ok\x1b]0;x\x07")
    assert real.getvalue() == "ok"


def test_shown_escapes_unprintable_names():
    """A name with control characters is quoted with escapes, a plain one as it is."""
    assert shown("bob.zip") == "bob.zip"
    assert shown("e\x1b[2Jve") == "e\\x1b[2Jve"


def test_terminal_filter_replaces_lone_surrogates():
    """A name that was not valid UTF-8 prints with a replacement character, never raises."""
    assert terminal_filter("bad\udc80name") == "bad\ufffdname"
    assert terminal_filter("bad\udc80name").encode("utf-8")
