"""Read chosen members of an untrusted zip archive into memory, within hard limits.

Nothing is ever extracted to disk. Entry names are checked before use, and
each member is read with a byte cap instead of trusting the size its header
declares, so a zip bomb or a lying header costs at most the cap.
"""

from __future__ import annotations

import stat
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import TracebackType

KIB = 1024
MIB = 1024 * KIB

# The end-of-central-directory record: signature, then the entry count at offset 10.
_EOCD_SIGNATURE = b"PK\x05\x06"
_EOCD_SIZE = 22
_MAX_COMMENT = 0xFFFF


class UnreadableZipError(Exception):
    """The archive as a whole cannot be used; the message says why."""


class ZipMemberError(Exception):
    """One member cannot be used; the message names it and says why."""


@dataclass(frozen=True)
class ZipLimits:
    """Hard bounds on what reading one archive may cost."""

    max_archive_bytes: int = 64 * MIB
    max_members: int = 500
    max_total_bytes: int = 24 * MIB


@dataclass
class _Entry:
    info: zipfile.ZipInfo
    count: int = 1


class SafeZip:
    """An open archive whose entries were vetted; members are read on demand.

    Use it as a context manager. ``names`` lists the regular entries by
    normalized relative path. Entries with absolute paths or ``..`` components
    are never listed; each is described in ``errors`` instead.

    Raises:
        UnreadableZipError: on entering, when the archive cannot be used at all.
    """

    def __init__(self, path: Path, limits: ZipLimits | None = None) -> None:
        self.path = path
        self.limits = limits or ZipLimits()
        self.names: list[str] = []
        self.errors: list[str] = []
        self._archive: zipfile.ZipFile | None = None
        self._entries: dict[str, _Entry] = {}
        self._bytes_read = 0

    def __enter__(self) -> SafeZip:
        try:
            infos = self._open()
        except Exception:
            self.close()
            raise
        for info in infos:
            self._add(info)
        self.names = [name for name in self._entries if not name.endswith("/")]
        return self

    def _open(self) -> list[zipfile.ZipInfo]:
        limit = self.limits.max_members
        try:
            size = self.path.stat().st_size
            if size > self.limits.max_archive_bytes:
                raise UnreadableZipError(
                    f"it is {format_bytes(size)}, over the "
                    f"{format_bytes(self.limits.max_archive_bytes)} limit"
                )
            declared = _declared_member_count(self.path, size)
            if declared is not None and declared > limit:
                raise UnreadableZipError(_too_many(declared, limit))
            self._archive = zipfile.ZipFile(self.path)
            infos = self._archive.infolist()
        except UnreadableZipError:
            raise
        except Exception as exc:  # hostile archives make zipfile raise almost anything
            raise UnreadableZipError(str(exc) or type(exc).__name__) from exc
        if len(infos) > limit:
            raise UnreadableZipError(_too_many(len(infos), limit))
        return infos

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._archive is not None:
            self._archive.close()
            self._archive = None

    def _add(self, info: zipfile.ZipInfo) -> None:
        raw = info.filename
        name = normalize_name(raw)
        if name is None:
            self.errors.append(
                f"the archive entry {raw!r} points outside the submission "
                "(absolute path or '..'); it was ignored"
            )
            return
        if info.is_dir():
            name += "/"
        if name in self._entries:
            self._entries[name].count += 1
        else:
            self._entries[name] = _Entry(info)

    def read(self, name: str, max_bytes: int) -> bytes:
        """The bytes of member ``name``, at most ``max_bytes`` of them.

        Raises:
            ZipMemberError: the member is a link, encrypted, duplicated, too
                large, corrupt, or would push the archive over its total limit.
        """
        assert self._archive is not None, "read() outside the with-block"
        entry = self._entries[name]
        info = entry.info
        if entry.count > 1:
            raise ZipMemberError(f"{name} appears {entry.count} times in the archive")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ZipMemberError(f"{name} is stored as a symbolic link; include the file itself")
        if info.flag_bits & 0x1:
            raise ZipMemberError(f"{name} is encrypted; submit an archive without a password")
        if info.file_size > max_bytes:
            raise ZipMemberError(_too_big(name, info.file_size, max_bytes))
        budget = self.limits.max_total_bytes - self._bytes_read
        cap = min(max_bytes, budget)
        try:
            with self._archive.open(info) as handle:
                data = handle.read(cap + 1)
        except Exception as exc:  # corrupt data surfaces as many exception types
            raise ZipMemberError(f"{name} could not be read from the archive: {exc}") from exc
        if len(data) > max_bytes:
            raise ZipMemberError(_too_big(name, len(data), max_bytes))
        if len(data) > cap:
            raise ZipMemberError(
                f"{name} was not read: the archive unpacks to more than "
                f"{format_bytes(self.limits.max_total_bytes)} in total"
            )
        self._bytes_read += len(data)
        return data


def normalize_name(raw: str) -> str | None:
    """An entry name as a clean relative POSIX path, or None when it escapes the root."""
    text = raw.replace("\\", "/")
    if text.startswith("/") or (len(text) > 1 and text[1] == ":"):
        return None
    parts = [p for p in PurePosixPath(text).parts if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def format_bytes(size: int) -> str:
    """A byte count for people: ``512 bytes``, ``3.0 KiB``, ``1.5 MiB``."""
    if size < KIB:
        return f"{size} bytes"
    if size < MIB:
        return f"{size / KIB:.1f} KiB"
    return f"{size / MIB:.1f} MiB"


def _too_big(name: str, size: int, limit: int) -> str:
    return f"{name} is {format_bytes(size)} unpacked, over the {format_bytes(limit)} limit"


def _too_many(count: int, limit: int) -> str:
    return f"it has {count} entries, more than the {limit} allowed"


def _declared_member_count(path: Path, size: int) -> int | None:
    """The entry count the archive's end record declares, read before zipfile parses it all.

    zipfile loads the whole central directory up front, so an archive claiming
    millions of entries is refused here first. None when no end record is found
    (zipfile then reports the archive as unreadable).
    """
    tail_size = min(size, _EOCD_SIZE + _MAX_COMMENT)
    with path.open("rb") as handle:
        handle.seek(size - tail_size)
        tail = handle.read(tail_size)
    start = tail.rfind(_EOCD_SIGNATURE)
    if start < 0 or start + _EOCD_SIZE > len(tail):
        return None
    # A count of 0xFFFF means a ZIP64 record holds the real count, which is larger still.
    (count,) = struct.unpack_from("<H", tail, start + 10)
    return count
