"""The storage backends every storage test runs against: SQLite always, PostgreSQL when
TEST_DATABASE_URL names a database (CI starts one; a CI run without it fails rather than skips)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.storage import SQLiteStorage, SqlStorage

TABLES = ("unanswered", "feedback", "answers", "seen_events", "schema_version")


def postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url and os.environ.get("CI") == "true":
        pytest.fail("CI must test PostgreSQL: .ci/run sets TEST_DATABASE_URL")
    return url


def reset_postgres(url: str) -> None:
    import psycopg  # only when PostgreSQL is tested

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"DROP TABLE IF EXISTS {', '.join(TABLES)} CASCADE")


def open_storage(backend: str, tmp_path: Path) -> SqlStorage:
    """A fresh, empty storage of the named backend."""
    if backend == "sqlite":
        return SQLiteStorage(tmp_path / "var" / "bot.sqlite3")
    url = postgres_url()
    if url is None:
        pytest.skip("set TEST_DATABASE_URL to test PostgreSQL")
    reset_postgres(url)
    from adapters.postgres import PostgresStorage

    return PostgresStorage(url)


def second_instance(storage: SqlStorage) -> SqlStorage:
    """Another connection to the same database, as a second instance of the bot would have."""
    if isinstance(storage, SQLiteStorage):
        return SQLiteStorage(storage.path)
    from adapters.postgres import PostgresStorage

    assert isinstance(storage, PostgresStorage)
    return PostgresStorage(storage.url)
