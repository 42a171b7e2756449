"""What the bot keeps, and where: the storage port, its records, and the SQLite implementation.

Nothing anyone typed is kept raw. The only text kept is the question of a reply the bot could
not answer (not sure or ambiguous), and only after `redact`; `AnswerRecord.of` is the one place a
record is made, so redaction cannot be skipped. Everything else is ids, outcomes and days.

PostgreSQL (`adapters/postgres.py`) shares the SQL here and differs only in its driver, its
placeholders and how it locks the schema while upgrading it.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Protocol

from bot.models import Outcome, Question, Reply
from bot.redact import redact
from bot.text import clean

UNANSWERED = (Outcome.NOT_SURE, Outcome.AMBIGUOUS)
# The id of a kept reply, as feedback buttons carry it.
RECORD_ID = re.compile(r"[0-9a-f]{32}")
EVENT_TTL_DAYS = 2
# The admin's inbox reads at most this many kept questions, newest first: anyone can post
# questions, and grouping them costs time that grows with their number squared.
MAX_UNANSWERED_ROWS = 1_000
KEPT_QUESTION_CHARS = 2_000


class StorageError(Exception):
    """The database could not be reached or refused a write; the message holds no user text."""


@dataclass(frozen=True)
class AnswerRecord:
    """One reply as it is kept: ids, outcome and day; the redacted question only when unanswered."""

    id: str
    day: str
    channel: str
    outcome: str
    topic: str | None
    urgent: bool
    score: float
    offered: tuple[str, ...]
    redacted_question: str | None

    @classmethod
    def of(cls, question: Question, reply: Reply, today: date | None = None) -> AnswerRecord:
        """The record of `reply`, with a fresh id; the question is redacted before it is kept."""
        unanswered = reply.outcome in UNANSWERED and reply.topic is None
        return cls(
            id=uuid.uuid4().hex,
            day=(today or date.today()).isoformat(),
            channel=question.channel,
            outcome=reply.outcome.value,
            topic=reply.topic.id if reply.topic else None,
            urgent=reply.urgent,
            score=reply.score,
            offered=tuple(topic.id for topic in reply.choices),
            redacted_question=(
                # Twice the kept length is read, so a long paste costs no more than that.
                redact(clean(question.text[: KEPT_QUESTION_CHARS * 2])).text[:KEPT_QUESTION_CHARS]
                if unanswered
                else None
            ),
        )


@dataclass(frozen=True)
class UnansweredRow:
    """A kept, redacted question the bot could not answer."""

    day: str
    channel: str
    outcome: str
    question: str
    offered: tuple[str, ...]
    score: float


@dataclass(frozen=True)
class Activity:
    """Everything the admin's report is made from, for the days asked."""

    # (day, channel, outcome, topic, urgent, count)
    answers: Sequence[tuple[str, str, str, str | None, bool, int]]
    # (topic, helpful, count)
    feedback: Sequence[tuple[str | None, bool, int]]
    unanswered: Sequence[UnansweredRow]


class Storage(Protocol):
    """The storage port: what the adapters keep, through whichever database is configured."""

    def record_answer(self, record: AnswerRecord) -> None:
        """Keep one reply's record."""

    def record_answers(self, records: Sequence[AnswerRecord]) -> None:
        """Keep several replies' records in one transaction."""

    def record_feedback(self, answer_id: str, helpful: bool, today: date | None = None) -> bool:
        """Keep a helpful / not helpful vote for a kept reply (the last vote counts).

        Returns False when the reply is unknown (expired or never kept)."""

    def claim_event(self, event_id: str, today: date | None = None) -> bool:
        """True the first time an event id is seen (across every instance), False after."""

    def claim_events(self, event_ids: Sequence[str], today: date | None = None) -> set[str]:
        """Claim several event ids in one transaction; the ones seen for the first time."""

    def purge(self, retention_days: int, today: date | None = None) -> int:
        """Delete redacted questions and feedback older than `retention_days`; rows deleted."""

    def activity(self, days: int, today: date | None = None) -> Activity:
        """What happened in the last `days` days, for the report."""

    def ping(self) -> None:
        """Raise StorageError unless the database answers."""

    def migrate(self) -> int:
        """Create or upgrade the schema; return its version."""

    def close(self) -> None:
        """Release the connection."""


# The schema, one list of statements per version. `{bool}` is the boolean column type.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE answers (
            id TEXT PRIMARY KEY,
            day TEXT NOT NULL,
            channel TEXT NOT NULL,
            outcome TEXT NOT NULL,
            topic TEXT,
            urgent {bool} NOT NULL,
            score REAL NOT NULL
        )""",
        "CREATE INDEX answers_day ON answers (day)",
        """CREATE TABLE unanswered (
            answer_id TEXT PRIMARY KEY REFERENCES answers (id) ON DELETE CASCADE,
            day TEXT NOT NULL,
            question TEXT NOT NULL,
            offered TEXT NOT NULL
        )""",
        "CREATE INDEX unanswered_day ON unanswered (day)",
        """CREATE TABLE feedback (
            answer_id TEXT PRIMARY KEY REFERENCES answers (id) ON DELETE CASCADE,
            day TEXT NOT NULL,
            helpful {bool} NOT NULL
        )""",
        "CREATE INDEX feedback_day ON feedback (day)",
        """CREATE TABLE seen_events (
            event_id TEXT PRIMARY KEY,
            day TEXT NOT NULL
        )""",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


class SqlStorage:
    """The storage port over a DB-API connection; subclasses supply the driver and dialect."""

    placeholder = "?"
    boolean_type = "INTEGER"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._connection: Any = None
        self._schema_ready = False

    # -- what subclasses provide ---------------------------------------------------------
    def _connect(self) -> Any:
        raise NotImplementedError

    def _lock_schema(self, cursor: Any) -> None:
        """Hold a lock for the rest of the transaction, so one instance upgrades at a time."""
        raise NotImplementedError

    driver_errors: tuple[type[Exception], ...] = ()

    @property
    def _errors(self) -> tuple[type[Exception], ...]:
        return (*self.driver_errors, OSError)

    # -- plumbing ------------------------------------------------------------------------
    def _sql(self, statement: str) -> str:
        return statement.replace("?", self.placeholder).replace("{bool}", self.boolean_type)

    @contextmanager
    def _session(self) -> Iterator[Any]:
        """A transaction on a database whose schema is known to be current."""
        if not self._schema_ready:
            self.migrate()
        with self._transaction() as cursor:
            yield cursor

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        with self._lock:
            try:
                if self._connection is None:
                    self._connection = self._connect()
                cursor = self._connection.cursor()
                try:
                    yield cursor
                    self._connection.commit()
                except BaseException:
                    self._connection.rollback()
                    raise
                finally:
                    cursor.close()
            except self._errors as error:
                self._drop_connection()
                raise StorageError(f"database error: {type(error).__name__}") from None

    def _drop_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with suppress(*self.driver_errors):
                connection.close()

    def migrate(self) -> int:
        """Create or upgrade the schema to `SCHEMA_VERSION`; safe when instances start at once."""
        with self._transaction() as cursor:
            self._lock_schema(cursor)
            cursor.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            cursor.execute("SELECT version FROM schema_version")
            row = cursor.fetchone()
            current = int(row[0]) if row else 0
            if current > SCHEMA_VERSION:
                raise StorageError(
                    f"the database schema is version {current}, newer than this bot's "
                    f"{SCHEMA_VERSION}: upgrade the bot"
                )
            for statements in MIGRATIONS[current:]:
                for statement in statements:
                    cursor.execute(self._sql(statement))
            self._schema_ready = True
            if row is None:
                cursor.execute(
                    self._sql("INSERT INTO schema_version (version) VALUES (?)"), (SCHEMA_VERSION,)
                )
            else:
                cursor.execute(
                    self._sql("UPDATE schema_version SET version = ?"), (SCHEMA_VERSION,)
                )
            return SCHEMA_VERSION

    # -- the port ------------------------------------------------------------------------
    def record_answer(self, record: AnswerRecord) -> None:
        self.record_answers([record])

    def record_answers(self, records: Sequence[AnswerRecord]) -> None:
        if not records:
            return
        with self._session() as cursor:
            cursor.executemany(
                self._sql(
                    "INSERT INTO answers (id, day, channel, outcome, topic, urgent, score) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)"
                ),
                [(r.id, r.day, r.channel, r.outcome, r.topic, r.urgent, r.score) for r in records],
            )
            unanswered = [r for r in records if r.redacted_question is not None]
            if unanswered:
                cursor.executemany(
                    self._sql(
                        "INSERT INTO unanswered (answer_id, day, question, offered) "
                        "VALUES (?, ?, ?, ?)"
                    ),
                    [(r.id, r.day, r.redacted_question, json.dumps(r.offered)) for r in unanswered],
                )

    def record_feedback(self, answer_id: str, helpful: bool, today: date | None = None) -> bool:
        day = (today or date.today()).isoformat()
        with self._session() as cursor:
            cursor.execute(self._sql("SELECT 1 FROM answers WHERE id = ?"), (answer_id,))
            if cursor.fetchone() is None:
                return False
            cursor.execute(
                self._sql(
                    "INSERT INTO feedback (answer_id, day, helpful) VALUES (?, ?, ?) "
                    "ON CONFLICT (answer_id) DO UPDATE SET helpful = excluded.helpful, "
                    "day = excluded.day"
                ),
                (answer_id, day, helpful),
            )
            return True

    def claim_event(self, event_id: str, today: date | None = None) -> bool:
        day = (today or date.today()).isoformat()
        with self._session() as cursor:
            cursor.execute(
                self._sql(
                    "INSERT INTO seen_events (event_id, day) VALUES (?, ?) "
                    "ON CONFLICT (event_id) DO NOTHING"
                ),
                (event_id, day),
            )
            return bool(cursor.rowcount == 1)

    def claim_events(self, event_ids: Sequence[str], today: date | None = None) -> set[str]:
        day = (today or date.today()).isoformat()
        claimed: set[str] = set()
        with self._session() as cursor:
            statement = self._sql(
                "INSERT INTO seen_events (event_id, day) VALUES (?, ?) "
                "ON CONFLICT (event_id) DO NOTHING"
            )
            for event_id in event_ids:
                cursor.execute(statement, (event_id, day))
                if cursor.rowcount == 1:
                    claimed.add(event_id)
        return claimed

    def purge(self, retention_days: int, today: date | None = None) -> int:
        today = today or date.today()
        cutoff = (today - timedelta(days=retention_days)).isoformat()
        events_cutoff = (today - timedelta(days=EVENT_TTL_DAYS)).isoformat()
        deleted = 0
        with self._session() as cursor:
            for statement, value in (
                ("DELETE FROM unanswered WHERE day < ?", cutoff),
                ("DELETE FROM feedback WHERE day < ?", cutoff),
                ("DELETE FROM seen_events WHERE day < ?", events_cutoff),
            ):
                cursor.execute(self._sql(statement), (value,))
                deleted += max(cursor.rowcount, 0)
        return deleted

    def activity(self, days: int, today: date | None = None) -> Activity:
        since = ((today or date.today()) - timedelta(days=days - 1)).isoformat()
        with self._session() as cursor:
            cursor.execute(
                self._sql(
                    "SELECT day, channel, outcome, topic, urgent, COUNT(*) FROM answers "
                    "WHERE day >= ? GROUP BY day, channel, outcome, topic, urgent "
                    "ORDER BY day"
                ),
                (since,),
            )
            answers = [(r[0], r[1], r[2], r[3], bool(r[4]), int(r[5])) for r in cursor.fetchall()]
            cursor.execute(
                self._sql(
                    "SELECT a.topic, f.helpful, COUNT(*) FROM feedback f "
                    "JOIN answers a ON a.id = f.answer_id WHERE f.day >= ? "
                    "GROUP BY a.topic, f.helpful"
                ),
                (since,),
            )
            feedback = [(r[0], bool(r[1]), int(r[2])) for r in cursor.fetchall()]
            cursor.execute(
                self._sql(
                    "SELECT u.day, a.channel, a.outcome, u.question, u.offered, a.score "
                    "FROM unanswered u JOIN answers a ON a.id = u.answer_id "
                    "WHERE u.day >= ? ORDER BY u.day DESC, a.score DESC LIMIT ?"
                ),
                (since, MAX_UNANSWERED_ROWS),
            )
            unanswered = [
                UnansweredRow(r[0], r[1], r[2], r[3], tuple(json.loads(r[4])), float(r[5]))
                for r in cursor.fetchall()
            ]
        return Activity(answers, feedback, unanswered)

    def ping(self) -> None:
        with self._transaction() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    def close(self) -> None:
        with self._lock:
            self._drop_connection()


class SQLiteStorage(SqlStorage):
    """Storage in one SQLite file (the default: `var/safeguarding-bot.sqlite3`)."""

    driver_errors = (sqlite3.Error,)

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = Path(path)

    def _connect(self) -> Any:
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: this class opens transactions itself (BEGIN IMMEDIATE), so two
        # processes sharing the file take turns instead of failing on a lock upgrade.
        connection = sqlite3.connect(
            self.path, timeout=10, isolation_level=None, check_same_thread=False
        )
        # Switching a new file to WAL can report "locked" at once, without waiting, while another
        # process opens it too: try a few times, then carry on in the default journal mode.
        for _ in range(50):
            try:
                connection.execute("PRAGMA journal_mode=WAL")
                break
            except sqlite3.OperationalError:
                time.sleep(0.05)
        connection.execute("PRAGMA foreign_keys=ON")
        return _ImmediateConnection(connection)

    def _lock_schema(self, cursor: Any) -> None:
        """BEGIN IMMEDIATE already holds SQLite's write lock for the whole transaction."""


class _ImmediateConnection:
    """A sqlite3 connection whose every transaction starts with BEGIN IMMEDIATE."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def cursor(self) -> sqlite3.Cursor:
        if not self._connection.in_transaction:
            self._connection.execute("BEGIN IMMEDIATE")
        return self._connection.cursor()

    def commit(self) -> None:
        if self._connection.in_transaction:
            self._connection.execute("COMMIT")

    def rollback(self) -> None:
        if self._connection.in_transaction:
            self._connection.execute("ROLLBACK")

    def close(self) -> None:
        self._connection.close()
