"""Shutting down lets answers already under way finish, within a bound."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from adapters.app import SERVICE_KEY, create_app
from adapters.service import InFlight
from adapters.settings import Settings
from bot import Bot
from bot.storage import SQLiteStorage


def test_shutdown_waits_for_an_answer_in_flight(shipped_bot: Bot, tmp_path: Path) -> None:
    """A handler still answering when the app stops is allowed to finish."""
    finished: list[bool] = []

    async def run() -> None:
        app = create_app(Settings(), shipped_bot, storage=SQLiteStorage(tmp_path / "b.sqlite3"))
        service = app[SERVICE_KEY]

        @service.in_flight.track
        async def slow_answer() -> None:
            await asyncio.sleep(0.5)
            finished.append(True)

        async with TestClient(TestServer(app, host="127.0.0.1")):
            task = asyncio.get_running_loop().create_task(slow_answer())
            await asyncio.sleep(0)  # the handler has started
            assert len(service.in_flight) == 1
        assert task.done()

    asyncio.run(asyncio.wait_for(run(), timeout=30))
    assert finished == [True]


def test_draining_is_bounded() -> None:
    """A handler that never ends does not hold shutdown beyond the timeout."""

    async def run() -> float:
        in_flight = InFlight()

        @in_flight.track
        async def stuck() -> None:
            await asyncio.sleep(3600)

        task = asyncio.get_running_loop().create_task(stuck())
        await asyncio.sleep(0)
        started = time.monotonic()
        await in_flight.drain(timeout=0.2)
        task.cancel()
        return time.monotonic() - started

    assert asyncio.run(run()) < 5
