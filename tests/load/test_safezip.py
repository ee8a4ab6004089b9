"""Reading untrusted zip archives: vetted names, capped reads, clear refusals."""

from __future__ import annotations

import os
import time
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import pytest

from autograder.load.safezip import (
    MIB,
    SafeZip,
    UnreadableZipError,
    ZipLimits,
    ZipMemberError,
    format_bytes,
    normalize_name,
)


def _zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    """200 MiB of zeros compressed into a few hundred KiB."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.zip"
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("shapes.py", "w") as member,
    ):
        chunk = b"\0" * MIB
        for _ in range(200):
            member.write(chunk)
    return path


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("shapes.py", "shapes.py"),
        ("./work//shapes.py", "work/shapes.py"),
        ("work\\shapes.py", "work/shapes.py"),
        ("../shapes.py", None),
        ("work/../../shapes.py", None),
        ("/etc/passwd", None),
        ("C:/Windows/shapes.py", None),
        ("..\\..\\shapes.py", None),
    ],
)
def test_normalize_name(raw, expected):
    """Names become clean relative paths; anything escaping the root becomes None."""
    assert normalize_name(raw) == expected


def test_format_bytes():
    """Sizes read naturally at each scale."""
    assert [format_bytes(n) for n in (10, 3 * 1024, 3 * MIB // 2)] == [
        "10 bytes",
        "3.0 KiB",
        "1.5 MiB",
    ]


def test_reads_members_and_lists_only_files(tmp_path):
    """Regular members are listed and read; directory entries are not listed."""
    path = _zip(tmp_path / "ok.zip", {"work/": b"", "work/shapes.py": b"x = 1\n"})
    with SafeZip(path) as archive:
        assert archive.names == ["work/shapes.py"] and archive.errors == []
        assert archive.read("work/shapes.py", 100) == b"x = 1\n"


def test_escaping_entries_are_described_not_listed(tmp_path):
    """Entries with '..' or absolute paths are reported, never offered for reading."""
    path = _zip(tmp_path / "evil.zip", {"../x.py": b"1", "/abs/y.py": b"2", "ok.py": b"3"})
    with SafeZip(path) as archive:
        assert archive.names == ["ok.py"]
        assert len(archive.errors) == 2 and all("outside" in e for e in archive.errors)


def test_zip_bomb_costs_only_the_cap(bomb):
    """A 200 MiB member is refused quickly and with little memory."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with SafeZip(bomb) as archive, pytest.raises(ZipMemberError, match="limit"):
            archive.read("shapes.py", MIB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 2.0
    assert peak < 16 * MIB


def test_understated_size_is_still_capped(bomb, tmp_path):
    """A header that lies about the unpacked size cannot make a read exceed the cap."""
    data = bytearray(bomb.read_bytes())
    real = (200 * MIB).to_bytes(4, "little")
    fake = (100).to_bytes(4, "little")
    assert data.count(real) >= 1
    liar = tmp_path / "liar.zip"
    liar.write_bytes(bytes(data).replace(real, fake))
    with SafeZip(liar) as archive:
        try:
            content = archive.read("shapes.py", MIB)
        except ZipMemberError:
            content = b""
    assert len(content) <= MIB


def test_total_budget_across_members(tmp_path):
    """Members that are each small still cannot unpack past the archive total."""
    path = _zip(tmp_path / "many.zip", {f"f{i}.py": b"#" * 600 for i in range(3)})
    with SafeZip(path, ZipLimits(max_total_bytes=1000)) as archive:
        archive.read("f0.py", 1000)
        with pytest.raises(ZipMemberError, match="in total"):
            archive.read("f1.py", 1000)


def test_too_many_members(tmp_path):
    """An archive declaring more entries than allowed is refused as a whole."""
    path = _zip(tmp_path / "many.zip", {f"f{i}": b"" for i in range(60)})
    with pytest.raises(UnreadableZipError, match="60 entries"):
        SafeZip(path, ZipLimits(max_members=50)).__enter__()


def test_oversized_archive(tmp_path):
    """An archive file over the size limit is not opened."""
    path = _zip(tmp_path / "big.zip", {"a": os.urandom(4000)})
    with pytest.raises(UnreadableZipError, match="over the"):
        SafeZip(path, ZipLimits(max_archive_bytes=1000)).__enter__()


@pytest.mark.parametrize("kind", ["empty", "foreign", "truncated"])
def test_unreadable_archives(tmp_path, kind):
    """Empty, foreign and truncated files raise UnreadableZipError, nothing else."""
    whole = _zip(tmp_path / "whole.zip", {"shapes.py": bytes(range(256)) * 40}).read_bytes()
    content = {"empty": b"", "foreign": b"not a zip at all", "truncated": whole[:-40]}[kind]
    path = tmp_path / "bad.zip"
    path.write_bytes(content)
    with pytest.raises(UnreadableZipError), SafeZip(path):
        pass


def _mark_encrypted(path: Path) -> None:
    """Set the 'encrypted' flag of the archive's only member (zipfile cannot write one)."""
    data = bytearray(path.read_bytes())
    data[data.index(b"PK\x03\x04") + 6] |= 1
    data[data.index(b"PK\x01\x02") + 8] |= 1
    path.write_bytes(bytes(data))


def test_symlink_encrypted_and_duplicate_members(tmp_path):
    """Links, encrypted members and duplicated names are refused by name."""
    path = tmp_path / "odd.zip"
    link = zipfile.ZipInfo("link.py")
    link.external_attr = 0o120777 << 16
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w") as archive:
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate we want
        archive.writestr(link, "/etc/passwd")
        archive.writestr("twice.py", "a = 1")
        archive.writestr("twice.py", "a = 2")
    locked = _zip(tmp_path / "locked.zip", {"locked.py": b"secret = 1\n"})
    _mark_encrypted(locked)
    for archive_path, name, reason in [
        (path, "link.py", "symbolic link"),
        (path, "twice.py", "2 times"),
        (locked, "locked.py", "encrypted"),
    ]:
        with SafeZip(archive_path) as archive, pytest.raises(ZipMemberError, match=reason):
            archive.read(name, 1000)


def test_corrupt_member_data(tmp_path):
    """Damaged compressed data is a member error, not a crash."""
    path = _zip(tmp_path / "ok.zip", {"shapes.py": b"def f():\n    return 1\n" * 200})
    data = bytearray(path.read_bytes())
    start = 30 + len("shapes.py")
    data[start + 5 : start + 25] = b"\xff" * 20
    path.write_bytes(bytes(data))
    with SafeZip(path) as archive, pytest.raises(ZipMemberError, match="could not be read"):
        archive.read("shapes.py", MIB)
