"""Two instances of the real app behind one database that goes away: a Slack retry that reaches
the other instance during the outage is not answered twice, and an urgent one is not delayed."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from aiohttp.test_utils import TestClient, TestServer

from adapters.app import SERVICE_KEY, create_app
from adapters.settings import Settings, SlackSettings
from bot import Bot
from tests.slack_peer import SlackPeer
from tests.test_recording import FlakyClaims, until
from tests.test_slack import SECRET, URGENT, Slack, dm

T = TypeVar("T")
RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


def with_two_instances(
    bot: Bot, storage: FlakyClaims, use: Callable[[Slack, Slack], Awaitable[T]]
) -> T:
    """Two apps (two bot processes) on one database and one fake Slack."""

    async def run() -> T:
        async with SlackPeer() as peer:
            settings = Settings(
                slack=SlackSettings(
                    bot_token="xoxb-test", signing_secret=SECRET, api_url=peer.api_url
                )
            )
            servers = [
                TestServer(create_app(settings, bot, storage=storage), host="127.0.0.1")
                for _ in range(2)
            ]
            async with TestClient(servers[0]) as first, TestClient(servers[1]) as second:
                return await asyncio.wait_for(
                    use(Slack(first, peer), Slack(second, peer)), timeout=30
                )

    return asyncio.run(run())


def test_a_retry_reaching_another_instance_during_an_outage_is_not_answered_again(
    shipped_bot: Bot, tmp_path: Path
) -> None:
    """The first instance answers during the outage; the retry the second one receives is
    acknowledged at once, held until the database is back with the first one's claim, then
    dropped."""
    storage = FlakyClaims(tmp_path / "bot.sqlite3")

    async def use(a: Slack, b: Slack) -> tuple[int, list[str]]:
        assert await a.event(dm("who is the lado", channel="D0WARM"), "EvWARM") == 200
        await a.peer.wait_for("chat.postMessage", count=1)
        storage.down = True
        assert await b.event(dm("who is the lado", channel="D0B"), "EvB") == 200  # b notices
        assert await a.event(dm("who is the lado"), "EvOUTAGE") == 200
        await a.peer.wait_for("chat.postMessage", count=3)
        status = await b.event(dm("who is the lado"), "EvOUTAGE", extra=RETRY)
        held = b.client.server.app[SERVICE_KEY].in_flight
        await until(lambda: len(held) == 1)
        storage.down = False
        # Settled once every instance had time to write its outage claims back (about 2.5 s).
        await until(lambda: len(held) == 0, 10)
        return status, [c.params["channel"] for c in a.peer.made("chat.postMessage")]

    status, channels = with_two_instances(shipped_bot, storage, use)
    assert status == 200
    assert channels.count("D0001") == 1


def test_an_urgent_retry_reaching_another_instance_during_an_outage_is_answered_at_once(
    shipped_bot: Bot, tmp_path: Path
) -> None:
    """An urgent retry is not held: a second 999 instruction does no harm, a late one could."""
    storage = FlakyClaims(tmp_path / "bot.sqlite3")

    async def use(a: Slack, b: Slack) -> list[str]:
        storage.down = True
        assert await b.event(dm("who is the lado", channel="D0B"), "EvB") == 200  # b notices
        assert await b.event(dm(URGENT), "EvURGENT", extra=RETRY) == 200
        await b.peer.wait_for("chat.postMessage", count=2)
        return [c.params["channel"] for c in b.peer.made("chat.postMessage")]

    channels = with_two_instances(shipped_bot, storage, use)
    assert sorted(channels) == ["D0001", "D0B"]
