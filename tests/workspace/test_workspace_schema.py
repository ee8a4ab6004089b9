"""The gradebook database schema: created, migrated, versioned, transactional."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from autograder.workspace import schema
from autograder.workspace.schema import SCHEMA_VERSION, SchemaError, open_db, schema_version


def test_new_database_is_at_current_version(tmp_path: Path):
    """A fresh OUT gets gradebook.sqlite with every table at the current schema version."""
    engine = open_db(tmp_path)
    with engine.connect() as conn:
        assert schema_version(conn) == SCHEMA_VERSION
        tables = set(sa.inspect(conn).get_table_names())
    assert {"roster", "attempts", "adjustments", "extensions", "regrade_requests"} <= tables
    assert (tmp_path / schema.DB_NAME).exists()


def test_version_one_database_is_migrated(tmp_path: Path):
    """A database written at version 1 gains the later tables and keeps its rows."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / schema.DB_NAME}")
    with engine.begin() as conn:
        schema.MIGRATIONS[1](conn)
        schema._set_version(conn, 1)
        conn.execute(sa.insert(schema.roster).values(submission="ann", name="Ann",
                                                     student_id="7", sis_login="", section="",
                                                     canvas_id=""))
    engine.dispose()
    migrated = open_db(tmp_path)
    with migrated.connect() as conn:
        assert schema_version(conn) == SCHEMA_VERSION
        assert sa.inspect(conn).has_table("regrade_requests")
        assert conn.execute(sa.select(schema.roster.c.name)).scalar_one() == "Ann"


def test_newer_database_is_refused(tmp_path: Path):
    """A file from a newer convgrade is refused with a message, not misread."""
    engine = open_db(tmp_path)
    with engine.begin() as conn:
        schema._set_version(conn, SCHEMA_VERSION + 1)
    engine.dispose()
    with pytest.raises(SchemaError, match="upgrade convgrade"):
        open_db(tmp_path)


def test_failed_write_leaves_nothing(tmp_path: Path):
    """A transaction that fails half-way leaves no partial rows."""
    engine = open_db(tmp_path)
    row = {"submission": "a", "name": "", "student_id": "", "sis_login": "", "section": "",
           "canvas_id": ""}
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(sa.insert(schema.roster).values(**row))
        conn.execute(sa.insert(schema.roster).values(**row))  # duplicate key
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.roster)).scalar() == 0
