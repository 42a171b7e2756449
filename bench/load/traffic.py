"""The load generator: a plan of signed Slack events and Teams activities, sent open-loop.

Every delivery has a time it is due (seconds after the start). The generator sends each one
at that time whether or not earlier ones were acknowledged (open loop, as Slack and Teams do),
with at most `concurrency` requests in flight. Ack latency is measured from the time a delivery
was DUE, not from when the generator got round to sending it, so a generator that falls behind
makes the figures worse, never better (no coordinated omission).

Every loop is bounded: the plan has a fixed length, each request has a timeout and the whole
run a deadline. Only loopback addresses are used.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bench.load.fakes import slack_key, teams_key
from tests.slack_peer import BOT_USER_ID, TEAM_ID, signed_headers

HOST = "127.0.0.1"
SLACK_RETRY_REASON = "http_timeout"
REQUEST_TIMEOUT_SECONDS = 30.0
SLACK_ACK_LIMIT_MS = 3000.0  # Slack retries an event it has not seen acknowledged in 3 s

# What staff might ask: ordinary questions, a child in immediate danger, identifying details,
# something out of scope. (Only ever sent to the local bot; never logged by the generator.)
QUESTIONS = (
    "who is the lado",
    "what are the signs of county lines",
    "a year 9 girl has an older boyfriend who picks her up from school in a car",
    "what do I do after a disclosure",
    "is it cse if she says she consents",
    "how do I report a concern about a colleague",
    "one of my pupils is being sent explicit pictures by someone online",
    "what is sextortion and what should I tell the child",
    "a boy keeps going missing and comes back with new trainers and cash",
    "should I tell the parents before I speak to the DSL",
    "she's just told me her uncle is hurting her right now",
    "can I promise to keep a secret",
    "what counts as trafficking for a child",
    "Jamie Smith in 10B told me about a man at 4 Elm Road",
    "what's the wifi password",
    "record keeping after a concern",
)


@dataclass(frozen=True)
class Delivery:
    """One HTTP request the generator will send."""

    at: float  # seconds after the start when it is due
    port: int
    channel: str  # "slack" or "teams"
    key: str  # the answer key the fakes count
    body: bytes
    retry: int = 0  # Slack's X-Slack-Retry-Num (0: the first delivery)


@dataclass
class Planner:
    """Builds deliveries with ids unique across a whole run (the database outlives scenarios)."""

    run_id: str
    service_url: str
    token: str
    counter: int = 0
    slack_count: int = 0

    def _next(self) -> int:
        self.counter += 1
        return self.counter

    def slack_event(self, n: int, scenario: str) -> tuple[str, bytes]:
        """A direct message or a channel mention; its answer key and its envelope."""
        question = QUESTIONS[n % len(QUESTIONS)]
        tag = f"{self.run_id}{scenario}{n}".upper()
        ts = f"1700000000.{n:06d}"
        self.slack_count += 1
        if self.slack_count % 2 == 0:
            channel = f"D{tag}"
            event = {
                "type": "message",
                "channel_type": "im",
                "channel": channel,
                "user": "U0LOAD",
                "text": question,
                "ts": ts,
            }
            key = slack_key(channel, None)
        else:
            channel = f"C{tag}"
            event = {
                "type": "app_mention",
                "channel": channel,
                "user": "U0LOAD",
                "text": f"<@{BOT_USER_ID}> {question}",
                "ts": ts,
            }
            key = slack_key(channel, ts)
        envelope = {
            "token": "legacy-token-unused",
            "team_id": TEAM_ID,
            "api_app_id": "A0LOAD",
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{tag}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
        }
        return key, json.dumps(envelope).encode()

    def teams_activity(self, n: int, scenario: str) -> tuple[str, bytes]:
        """A personal-chat message in its own conversation; its answer key and its body."""
        conversation = f"a:load-{self.run_id}-{scenario}-{n}"
        body = {
            "type": "message",
            "id": f"17000000{n:08d}",
            "channelId": "msteams",
            "serviceUrl": self.service_url,
            "from": {"id": "29:load-staff", "name": "A member of staff"},
            "recipient": {"id": "28:bot", "name": "Safeguarding Bot"},
            "conversation": {"id": conversation, "conversationType": "personal"},
            "text": QUESTIONS[n % len(QUESTIONS)],
        }
        return teams_key(conversation), json.dumps(body).encode()

    def plan(
        self,
        scenario: str,
        *,
        events: int,
        rate: float | None,
        ports: Sequence[int],
        teams_share: float,
        retries: Sequence[float] = (),
    ) -> list[Delivery]:
        """`events` events at `rate` per second (None: all due at once), spread over `ports`
        round-robin; a `teams_share` of them Teams activities, the rest Slack events. Each Slack
        event is delivered again at each offset in `retries` (X-Slack-Retry-Num 1, 2, ...), to
        the next port along, as Slack's retries may reach another instance."""
        deliveries: list[Delivery] = []
        teams_every = round(1 / teams_share) if teams_share > 0 else 0
        for i in range(events):
            n = self._next()
            at = i / rate if rate else 0.0
            port = ports[i % len(ports)]
            if teams_every and i % teams_every == 0:
                key, body = self.teams_activity(n, scenario)
                deliveries.append(Delivery(at, port, "teams", key, body))
                continue
            key, body = self.slack_event(n, scenario)
            deliveries.append(Delivery(at, port, "slack", key, body))
            for number, offset in enumerate(retries, start=1):
                again = ports[(i + number) % len(ports)]
                deliveries.append(Delivery(at + offset, again, "slack", key, body, number))
        deliveries.sort(key=lambda d: d.at)
        return deliveries


@dataclass
class Sent:
    """What the generator saw: ack latencies per channel, statuses, errors, timings."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: {"slack": [], "teams": []})
    statuses: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    started: float = 0.0
    finished: float = 0.0
    lag_ms: list[float] = field(default_factory=list)  # how late the generator sent

    @property
    def requests(self) -> int:
        return sum(self.statuses.values()) + sum(self.errors.values())

    def rps(self) -> float:
        elapsed = self.finished - self.started
        return self.requests / elapsed if elapsed > 0 else 0.0


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


async def drive(
    deliveries: Sequence[Delivery],
    *,
    secret: str,
    token: str,
    concurrency: int,
    deadline_seconds: float,
) -> Sent:
    """Send every delivery when it is due (bounded in flight and in time); return what was seen."""
    sent = Sent()
    limit = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
    tasks: list[asyncio.Task[None]] = []

    async def one(session: aiohttp.ClientSession, delivery: Delivery, due: float) -> None:
        try:
            if delivery.channel == "slack":
                url = f"http://{HOST}:{delivery.port}/slack/events"
                headers = signed_headers(delivery.body, secret, content_type="application/json")
                if delivery.retry:
                    headers["X-Slack-Retry-Num"] = str(delivery.retry)
                    headers["X-Slack-Retry-Reason"] = SLACK_RETRY_REASON
            else:
                url = f"http://{HOST}:{delivery.port}/api/messages"
                headers = {
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {token}",
                }
            async with session.post(url, data=delivery.body, headers=headers) as response:
                await response.read()
                status = response.status
            sent.latencies[delivery.channel].append((time.monotonic() - due) * 1000)
            sent.statuses[f"{delivery.channel}:{status}"] += 1
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            sent.errors[f"{delivery.channel}:{type(error).__name__}"] += 1
        finally:
            limit.release()

    async def schedule(session: aiohttp.ClientSession) -> None:
        sent.started = time.monotonic()
        for delivery in deliveries:
            due = sent.started + delivery.at
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            await limit.acquire()
            sent.lag_ms.append((time.monotonic() - due) * 1000)
            tasks.append(asyncio.create_task(one(session, delivery, due)))
        if tasks:
            await asyncio.gather(*tasks)
        sent.finished = time.monotonic()

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        try:
            await asyncio.wait_for(schedule(session), timeout=deadline_seconds)
        except TimeoutError:
            sent.errors["run:deadline"] += 1
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            sent.finished = time.monotonic()
    return sent


async def answers(
    fakes_url: str,
    expected: set[str],
    *,
    settle_seconds: float = 1.5,
    deadline_seconds: float = 60.0,
) -> tuple[dict[str, int], dict[str, int]]:
    """The answers the fakes counted (and their calls by kind), once every expected key has one
    (or the deadline passed) and the total has not moved for `settle_seconds` (late duplicates
    get time to show)."""
    timeout = aiohttp.ClientTimeout(total=10)
    stop_at = time.monotonic() + deadline_seconds
    last_total, still_since = -1, time.monotonic()
    counts: dict[str, int] = {}
    calls: dict[str, int] = {}
    async with aiohttp.ClientSession(timeout=timeout) as session:
        while time.monotonic() < stop_at:
            async with session.get(f"{fakes_url}/stats") as response:
                stats = await response.json()
            counts, calls = stats["answers"], stats["calls"]
            total = sum(counts.values())
            now = time.monotonic()
            if total != last_total:
                last_total, still_since = total, now
            elif expected <= counts.keys() and now - still_since >= settle_seconds:
                break
            await asyncio.sleep(0.25)
    return counts, calls


def tally(expected: set[str], counts: dict[str, int]) -> dict[str, Any]:
    """Answers sent, duplicates (answers beyond the first for one event), lost (never answered)."""
    answered = {key: counts.get(key, 0) for key in expected}
    return {
        "events": len(expected),
        "answers_sent": sum(counts.values()),
        "duplicates": sum(c - 1 for c in answered.values() if c > 1),
        "events_answered_twice_or_more": sum(1 for c in answered.values() if c > 1),
        "lost": sum(1 for c in answered.values() if c == 0),
        "unexpected_answers": sum(c for key, c in counts.items() if key not in expected),
    }
