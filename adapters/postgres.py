"""PostgreSQL storage, used when `DATABASE_URL` is set (the PaaS convention).

The SQL is the core's (`bot.storage.SqlStorage`); this module adds the driver (psycopg 3), its
placeholders, and an advisory lock so that several instances starting at once upgrade the schema
one at a time.
"""

from __future__ import annotations

from typing import Any

import psycopg

from bot.storage import SqlStorage

# Any constant shared by every instance of the bot: the key of its schema-upgrade lock.
SCHEMA_LOCK_KEY = 0x5AFE_B07


class PostgresStorage(SqlStorage):
    """Storage in PostgreSQL; reconnects on the next call after the database comes back."""

    placeholder = "%s"
    boolean_type = "BOOLEAN"
    driver_errors = (psycopg.Error,)

    def __init__(self, url: str, connect_timeout: int = 5) -> None:
        super().__init__()
        self.url = url
        self._connect_timeout = connect_timeout

    def _connect(self) -> Any:
        return psycopg.connect(self.url, connect_timeout=self._connect_timeout)

    def _lock_schema(self, cursor: Any) -> None:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK_KEY,))
