"""The gradebook database schema, versioned and migrated in one place.

SQLAlchemy Core describes every table once; the rest of the workspace builds
statements from these objects, never from SQL strings. ``open_db`` brings any
older file up to ``SCHEMA_VERSION`` in one transaction and refuses a file made
by a newer convgrade rather than guessing at its meaning.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

SCHEMA_VERSION = 2
DB_NAME = "gradebook.sqlite"

metadata = sa.MetaData()

meta = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String, primary_key=True),
    sa.Column("value", sa.String, nullable=False),
)

roster = sa.Table(
    "roster",
    metadata,
    sa.Column("submission", sa.String, primary_key=True),
    sa.Column("name", sa.String, nullable=False, default=""),
    sa.Column("student_id", sa.String, nullable=False, default=""),
    sa.Column("sis_login", sa.String, nullable=False, default=""),
    sa.Column("section", sa.String, nullable=False, default=""),
    sa.Column("canvas_id", sa.String, nullable=False, default=""),
)

submission_times = sa.Table(
    "submission_times",
    metadata,
    sa.Column("submission", sa.String, primary_key=True),
    sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("origin", sa.String, nullable=False),  # "lms" or "file"
)

attempts = sa.Table(
    "attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("submission", sa.String, nullable=False, index=True),
    sa.Column("graded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("max_score", sa.Float, nullable=False),
    sa.Column("digest", sa.String, nullable=False),
    sa.Column("result", sa.JSON, nullable=False),
)

adjustments = sa.Table(
    "adjustments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("submission", sa.String, nullable=False, index=True),
    sa.Column("kind", sa.String, nullable=False),  # "test" or "question"
    sa.Column("target", sa.String, nullable=False),
    sa.Column("points", sa.Float, nullable=True),  # None: a comment only
    sa.Column("comment", sa.String, nullable=False),
    sa.Column("author", sa.String, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

extensions = sa.Table(
    "extensions",
    metadata,
    sa.Column("submission", sa.String, primary_key=True),
    sa.Column("days", sa.Float, nullable=False),
    sa.Column("reason", sa.String, nullable=False, default=""),
    sa.Column("granted_by", sa.String, nullable=False, default=""),
)

regrade_requests = sa.Table(
    "regrade_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("submission", sa.String, nullable=False, index=True),
    sa.Column("target", sa.String, nullable=False),
    sa.Column("message", sa.String, nullable=False),
    sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String, nullable=False, default="open"),
    sa.Column("resolution", sa.String, nullable=False, default=""),
    sa.Column("resolved_by", sa.String, nullable=False, default=""),
    sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
)

_V1 = (meta, roster, submission_times, attempts, adjustments)
_V2 = (extensions, regrade_requests)


def _to_v1(conn: Connection) -> None:
    for table in _V1:
        table.create(conn, checkfirst=True)


def _to_v2(conn: Connection) -> None:
    for table in _V2:
        table.create(conn, checkfirst=True)


# MIGRATIONS[n] brings a version n-1 database to version n.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _to_v1, 2: _to_v2}


class SchemaError(ValueError):
    """The database was written by a newer convgrade."""


def _pragmas(dbapi_connection, _record) -> None:
    # WAL lets the web app read while `report` writes; FULL sync makes a committed
    # decision survive a crash or power loss.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def schema_version(conn: Connection) -> int:
    """The database's schema version; 0 for a database without one."""
    if not sa.inspect(conn).has_table(meta.name):
        return 0
    row = conn.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version")).first()
    return int(row[0]) if row else 0


def open_db(out: Path) -> Engine:
    """The engine of ``OUT/gradebook.sqlite``, created or migrated to the current schema.

    Raises:
        SchemaError: the file's schema is newer than this convgrade knows.
    """
    out.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(f"sqlite:///{out / DB_NAME}", connect_args={"timeout": 30})
    sa.event.listen(engine, "connect", _pragmas)
    with engine.begin() as conn:
        version = schema_version(conn)
        if version > SCHEMA_VERSION:
            raise SchemaError(
                f"{out / DB_NAME} has schema version {version}, newer than this convgrade's "
                f"{SCHEMA_VERSION}; upgrade convgrade to open it"
            )
        for step in range(version + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[step](conn)
        if version != SCHEMA_VERSION:
            _set_version(conn, SCHEMA_VERSION)
    return engine


def _set_version(conn: Connection, version: int) -> None:
    conn.execute(sa.delete(meta).where(meta.c.key == "schema_version"))
    conn.execute(sa.insert(meta).values(key="schema_version", value=str(version)))
