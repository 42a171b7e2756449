"""The storage port, on SQLite and PostgreSQL alike: what is kept, for how long, by whom."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from bot import Bot, Question
from bot.storage import SCHEMA_VERSION, AnswerRecord, SQLiteStorage, SqlStorage, StorageError
from tests.storage_backends import open_storage, postgres_url, reset_postgres, second_instance
from tests.tcp_proxy import TcpProxy

TODAY = date(2026, 11, 23)


def record(bot: Bot, text: str, day: date = TODAY, channel: str = "web") -> AnswerRecord:
    question = Question(text, channel=channel)
    return AnswerRecord.of(question, bot.answer(question), today=day)


def test_schema_is_created_at_the_current_version(storage: SqlStorage) -> None:
    """A new database gets the whole schema, its version recorded; migrating again changes
    nothing."""
    storage.migrate()
    with storage._transaction() as cursor:
        cursor.execute("SELECT version FROM schema_version")
        assert cursor.fetchall() == [(SCHEMA_VERSION,)]
        for table in ("answers", "unanswered", "feedback", "seen_events"):
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            assert cursor.fetchall() == [(0,)]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_instances_starting_together_upgrade_the_schema_once(backend: str, tmp_path: Path) -> None:
    """Four instances migrating an empty database at the same moment all succeed."""
    first = open_storage(backend, tmp_path)
    stores = [first] + [second_instance(first) for _ in range(3)]
    errors: list[BaseException] = []

    def migrate(store: SqlStorage) -> None:
        try:
            store.migrate()
        except BaseException as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=migrate, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert all(not t.is_alive() for t in threads)
    for store in stores:
        store.close()


def test_answered_question_keeps_no_text(storage: SqlStorage, shipped_bot: Bot) -> None:
    """A reply that answered a topic is kept as ids, outcome and day only."""
    kept = AnswerRecord.of(
        Question("", chosen_topic="allegations-lado"),
        shipped_bot.answer(Question("", chosen_topic="allegations-lado")),
        today=TODAY,
    )
    storage.record_answer(kept)
    activity = storage.activity(days=1, today=TODAY)
    assert activity.unanswered == []
    assert [(a[2], a[3]) for a in activity.answers] == [("answered", "allegations-lado")]


def test_unanswered_question_is_kept_for_the_admin(storage: SqlStorage, shipped_bot: Bot) -> None:
    """A not-sure reply keeps its (redacted) question, channel and the topics offered."""
    storage.record_answer(record(shipped_bot, "the photocopier is broken again", channel="slack"))
    (row,) = storage.activity(days=1, today=TODAY).unanswered
    assert row.channel == "slack"
    assert row.outcome == "not_sure"
    assert "photocopier" in row.question


def test_feedback_counts_the_last_vote(storage: SqlStorage, shipped_bot: Bot) -> None:
    """Helpful / not helpful is kept per reply; a second click replaces the first."""
    kept = record(shipped_bot, "who is the lado")
    storage.record_answer(kept)
    assert storage.record_feedback(kept.id, helpful=False, today=TODAY)
    assert storage.record_feedback(kept.id, helpful=True, today=TODAY)
    assert [(helpful, n) for _, helpful, n in storage.activity(1, TODAY).feedback] == [(True, 1)]


def test_feedback_for_an_unknown_reply_is_refused(storage: SqlStorage) -> None:
    """A vote for a reply that was never kept (or has expired) is not stored."""
    assert storage.record_feedback("0" * 32, helpful=True, today=TODAY) is False


def test_an_event_is_claimed_once_across_instances(storage: SqlStorage) -> None:
    """The first instance to claim an event id wins; retries and other instances do not."""
    other = second_instance(storage)
    try:
        assert storage.claim_event("Ev01", today=TODAY) is True
        assert storage.claim_event("Ev01", today=TODAY) is False
        assert other.claim_event("Ev01", today=TODAY) is False
        assert other.claim_event("Ev02", today=TODAY) is True
    finally:
        other.close()


def test_retention_deletes_old_questions_and_feedback(
    storage: SqlStorage, shipped_bot: Bot
) -> None:
    """After the retention period, redacted questions and feedback go; counts stay."""
    old, new = TODAY - timedelta(days=31), TODAY - timedelta(days=29)
    for day in (old, new):
        kept = record(shipped_bot, "the printer is jammed", day=day)
        storage.record_answer(kept)
        storage.record_feedback(kept.id, helpful=False, today=day)
    storage.purge(retention_days=30, today=TODAY)
    activity = storage.activity(days=60, today=TODAY)
    assert [row.day for row in activity.unanswered] == [new.isoformat()]
    assert sum(n for _, _, n in activity.feedback) == 1
    assert sum(a[5] for a in activity.answers) == 2


def test_old_event_ids_expire(storage: SqlStorage) -> None:
    """Event ids are kept only as long as a platform may retry them."""
    storage.claim_event("Ev-old", today=TODAY - timedelta(days=5))
    storage.purge(retention_days=30, today=TODAY)
    assert storage.claim_event("Ev-old", today=TODAY) is True


def test_unreachable_database_raises_storage_error(tmp_path: Path) -> None:
    """A database that cannot be opened raises StorageError, with no driver detail leaking."""
    (tmp_path / "file").write_text("not a directory")
    store = SQLiteStorage(tmp_path / "file" / "bot.sqlite3")
    with pytest.raises(StorageError):
        store.migrate()


def test_postgres_recovers_when_the_database_returns() -> None:
    """While PostgreSQL is away calls raise StorageError; when it returns, storage works again."""
    url = postgres_url()
    if url is None:
        pytest.skip("set TEST_DATABASE_URL to test PostgreSQL")
    from adapters.postgres import PostgresStorage

    reset_postgres(url)
    parts = urlsplit(url)
    proxy = TcpProxy((parts.hostname or "127.0.0.1", parts.port or 5432))
    proxy.restore()
    netloc = f"{parts.username or ''}{'@' if parts.username else ''}127.0.0.1:{proxy.port}"
    store = PostgresStorage(urlunsplit(parts._replace(netloc=netloc)), connect_timeout=2)
    try:
        store.migrate()
        proxy.cut()
        with pytest.raises(StorageError):
            store.ping()
        proxy.restore()
        store.ping()
        assert store.claim_event("after-outage", today=TODAY)
    finally:
        proxy.cut()
        store.close()


def test_several_records_are_kept_in_one_call(storage: SqlStorage, shipped_bot: Bot) -> None:
    """The writer keeps a queue of records in one transaction; all of them are there after."""
    records = [record(shipped_bot, text) for text in ("who is the lado", "printer jammed", "x")]
    storage.record_answers(records)
    activity = storage.activity(days=1, today=TODAY)
    assert sum(row[5] for row in activity.answers) == 3
    assert len(activity.unanswered) == sum(r.redacted_question is not None for r in records)


def test_a_batch_is_kept_whole_or_not_at_all(storage: SqlStorage, shipped_bot: Bot) -> None:
    """The records of one call share one transaction: when the last cannot be kept (here, an
    id already used), none of the batch is, so a retry cannot keep some of them twice."""
    first = record(shipped_bot, "who is the lado")
    storage.record_answers([first])
    batch = [record(shipped_bot, "printer jammed"), record(shipped_bot, "what is cse"), first]
    with pytest.raises(StorageError):
        storage.record_answers(batch)
    activity = storage.activity(days=1, today=TODAY)
    assert sum(row[5] for row in activity.answers) == 1


def test_the_inbox_reads_only_the_newest_kept_questions(
    storage: SqlStorage, shipped_bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Anyone can post questions the bot cannot answer, and grouping them for the admin costs
    time that grows with their number squared: the inbox reads the newest few, never all."""
    monkeypatch.setattr("bot.storage.MAX_UNANSWERED_ROWS", 3)
    kept = [
        record(shipped_bot, f"printer jammed again number {n}", day=TODAY - timedelta(days=n))
        for n in range(5)
    ]
    assert all(r.redacted_question is not None for r in kept)
    storage.record_answers(kept)
    activity = storage.activity(days=10, today=TODAY)
    assert [row.day for row in activity.unanswered] == [
        (TODAY - timedelta(days=n)).isoformat() for n in range(3)
    ]
