"""Live knowledge reload: edits take effect without a restart; broken edits never do."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
import os
import shutil
import socket
import tempfile
import time
import weakref
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from adapters.app import create_app
from adapters.reload import RELOADER_KEY, Reloader
from adapters.service import ChatService
from adapters.settings import Settings
from bot import Bot
from bot.engine import build
from bot.knowledge import KnowledgeError, Problem
from bot.models import Where
from bot.storage import SQLiteStorage
from tests.conftest import SHIPPED, run_app

T = TypeVar("T")
ANSWER_LINE = "Tell your DSL straight away"


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    """A copy of the shipped knowledge base to edit."""
    return Path(shutil.copytree(SHIPPED, tmp_path / "knowledge"))


def with_app(
    knowledge: Path,
    tmp_path: Path,
    use: Callable[[TestClient[Any, Any]], Awaitable[T]],
    poll: int = 1,
) -> T:
    settings = Settings(knowledge_dir=knowledge, knowledge_poll_seconds=poll)
    return run_app(
        lambda: create_app(settings, storage=SQLiteStorage(tmp_path / "bot.sqlite3")), use
    )


async def ask(client: TestClient[Any, Any], question: str) -> Any:
    response = await client.post("/api/ask", json={"question": question})
    return await response.json()


async def until(check: Callable[[], Awaitable[bool]], seconds: float = 10) -> None:
    """Wait, bounded, until `check` is true."""
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.1)


def edit(path: Path, old: str, new: str, after: str = "") -> None:
    """Replace the first `old` that comes after `after` in the file."""
    text = path.read_text(encoding="utf-8")
    start = text.index(after)
    assert old in text[start:]
    path.write_text(text[:start] + text[start:].replace(old, new, 1), encoding="utf-8")


def test_an_edited_answer_is_used_without_a_restart(knowledge: Path, tmp_path: Path) -> None:
    """Changing a topic's answer on disk changes the bot's answer within a poll."""
    marker = "Northmoor edit: ring the LADO on the number below."

    async def use(client: TestClient[Any, Any]) -> Any:
        before = await ask(client, "who is the lado")
        edit(
            knowledge / "topics" / "responding.yaml",
            "    answer: |\n",
            f"    answer: |\n      {marker}\n\n",
            after="- id: allegations-lado",
        )

        async def changed() -> bool:
            return marker in (await ask(client, "who is the lado"))["text"]

        await until(changed)
        return before

    before = with_app(knowledge, tmp_path, use)
    assert marker not in before["text"]


def test_a_broken_edit_is_rejected_and_the_last_good_base_answers(
    knowledge: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A knowledge edit with a problem is refused whole: answers continue from the last good
    base, and /readyz shows every problem with its file:line."""

    async def use(client: TestClient[Any, Any]) -> tuple[Any, Any]:
        edit(knowledge / "topics" / "responding.yaml", "related: [", "related: [no-such-topic, ")
        reloader = client.server.app[RELOADER_KEY]
        await until(lambda: asyncio.sleep(0, result=reloader.state.rejected > 0))
        ready = await (await client.get("/readyz")).json()
        return ready, await ask(client, "who is the lado")

    with caplog.at_level(logging.ERROR):
        ready, reply = with_app(knowledge, tmp_path, use)
    assert reply["topic"] == "allegations-lado"
    assert ready["knowledge"]["last_edit_rejected"] is True
    problem = ready["knowledge"]["problems"][0]
    assert "responding.yaml:" in problem and "no-such-topic" in problem
    assert any(getattr(r, "event", "") == "knowledge_rejected" for r in caplog.records)


def test_fixing_a_broken_edit_clears_the_problems(knowledge: Path, tmp_path: Path) -> None:
    """After a rejected edit is fixed, the next reload succeeds and /readyz is clean again."""

    async def use(client: TestClient[Any, Any]) -> Any:
        reloader = client.server.app[RELOADER_KEY]
        path = knowledge / "topics" / "responding.yaml"
        edit(path, "related: [", "related: [no-such-topic, ")
        assert await reloader.reload("test") is False
        edit(path, "related: [no-such-topic, ", "related: [")
        assert await reloader.reload("test") is True
        return await (await client.get("/readyz")).json()

    ready = with_app(knowledge, tmp_path, use, poll=0)
    assert ready["status"] == "ready"
    assert ready["knowledge"]["problems"] == []


def test_no_request_sees_a_half_loaded_base(knowledge: Path, tmp_path: Path) -> None:
    """While reloads of the same files run back to back, every question is answered, and the
    same way: a reload never leaves the bot without a knowledge base or with a part of one.
    (The swap is one assignment of a whole Bot; replies that mix two different bases are not
    tested here.)"""

    async def use(client: TestClient[Any, Any]) -> list[Any]:
        reloader = client.server.app[RELOADER_KEY]
        reloads = [asyncio.create_task(reloader.reload("test")) for _ in range(5)]
        replies = [await ask(client, "who is the lado") for _ in range(20)]
        assert all(await asyncio.gather(*reloads))
        return replies

    replies = with_app(knowledge, tmp_path, use, poll=0)
    assert {r["topic"] for r in replies} == {"allegations-lado"}
    assert len({tuple(r["contacts"]) for r in replies}) == 1


def _refuse_naming_this_process() -> Bot:
    """A build that refuses, with the id of the process it ran in as the problem's line."""
    raise KnowledgeError([Problem(Where("process", os.getpid()), "built here")])


def _die() -> Bot:
    os._exit(3)


def test_a_build_runs_in_another_process(shipped_bot: Bot) -> None:
    """The build runs in a child process, so it never holds this process's interpreter lock
    (answers do not queue behind a reload) and its transient memory is not ours."""
    reloader = Reloader(ChatService(shipped_bot), _refuse_naming_this_process, SHIPPED)
    assert asyncio.run(reloader.reload("test")) is False
    (problem,) = reloader.state.problems
    assert problem.startswith("process:") and problem.endswith(": built here")
    assert int(problem.split(":")[1]) != os.getpid()


def test_a_build_process_that_dies_is_a_rejected_reload(shipped_bot: Bot) -> None:
    """If the child process dies, the reload is rejected with a problem saying so, and the
    last good knowledge base keeps answering."""
    service = ChatService(shipped_bot)
    reloader = Reloader(service, _die, SHIPPED)
    assert asyncio.run(reloader.reload("test")) is False
    (problem,) = reloader.state.problems
    assert "the build process stopped" in problem
    assert service.bot is shipped_bot


def test_a_reload_leaves_no_file_behind(
    shipped_bot: Bot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The built bot comes back through a temporary file; it is gone after a good reload and
    after a refused one."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    good = Reloader(ChatService(shipped_bot), functools.partial(build, SHIPPED), SHIPPED)
    assert asyncio.run(good.reload("test")) is True
    refused = Reloader(ChatService(shipped_bot), _refuse_naming_this_process, SHIPPED)
    assert asyncio.run(refused.reload("test")) is False
    assert list(tmp_path.iterdir()) == []


def test_serving_keeps_no_bot_that_a_reload_replaced(knowledge: Path, tmp_path: Path) -> None:
    """`serve` takes the bot it is handed: after a reload the first bot is freed. Kept by a
    frame of the server, it stayed in memory beside every later one (the reload benchmark's
    peak held three bots)."""
    from adapters.server import serve

    async def scenario() -> bool:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        settings = Settings(
            knowledge_dir=knowledge,
            knowledge_poll_seconds=1,
            database_path=tmp_path / "bot.sqlite3",
        )
        first = build(knowledge)
        freed = weakref.ref(first)
        handed = [first]
        del first
        serving = asyncio.create_task(
            serve(settings, handed, host="127.0.0.1", port=port, with_chat=False)
        )
        url = f"http://127.0.0.1:{port}/readyz"
        try:
            async with aiohttp.ClientSession() as session:

                async def loaded_at() -> str | None:
                    """When the serving bot's knowledge was loaded (None: not ready yet)."""
                    with contextlib.suppress(aiohttp.ClientError):
                        async with session.get(url) as response:
                            if response.status == 200:
                                return str((await response.json())["knowledge"]["loaded_at"])
                    return None

                async def ready() -> bool:
                    return await loaded_at() is not None

                await until(ready, seconds=30)
                started = await loaded_at()

                async def reloaded() -> bool:
                    return await loaded_at() not in (None, started)

                edit(knowledge / "topics" / "responding.yaml", ANSWER_LINE, ANSWER_LINE + " today")
                await until(reloaded, seconds=60)
            gc.collect()
            return freed() is None
        finally:
            serving.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(serving, 30)

    assert asyncio.run(scenario())
