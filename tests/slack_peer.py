"""A fake Slack for tests: the Web API, response URLs and a Socket Mode WebSocket, served by
aiohttp on 127.0.0.1. It records every call and can be told to answer errors and 429s.

    async with SlackPeer() as peer:
        peer.script("chat.postMessage", Scripted(status=429, headers={"Retry-After": "0"}))
        ... point SLACK_API_URL at peer.api_url, send events ...
        calls = await peer.wait_for("chat.postMessage", count=1)
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlencode

from aiohttp import WSMsgType, web

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
TEAM_ID = "T0001"
WAIT_SECONDS = 15.0


@dataclass
class Call:
    """One request the bot made: the API method (or "response_url"), its parameters."""

    method: str
    params: dict[str, Any]
    token: str | None
    at: float = field(default_factory=time.monotonic)  # when it arrived


@dataclass
class Scripted:
    """A canned answer for the next call of a method."""

    status: int = 200
    body: dict[str, Any] = field(default_factory=lambda: {"ok": True})
    headers: dict[str, str] = field(default_factory=dict)


def signed_headers(
    body: bytes, secret: str, *, timestamp: int | None = None, content_type: str
) -> dict[str, str]:
    """Headers for a request signed the way Slack signs them (v0, HMAC-SHA256)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    base = f"v0:{stamp}:".encode() + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": content_type,
    }


def event_body(event: dict[str, Any], event_id: str = "Ev0001") -> bytes:
    """An Events API `event_callback` envelope around `event`, as JSON bytes."""
    return json.dumps(
        {
            "token": "legacy-token-unused",
            "team_id": TEAM_ID,
            "api_app_id": "A0001",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
        }
    ).encode()


def form_body(fields: dict[str, str]) -> bytes:
    """A form-encoded body, as slash commands arrive."""
    return urlencode(fields).encode()


def slash_command(text: str, response_url: str) -> bytes:
    """`/safeguarding TEXT` from a member of staff in a channel, as Slack posts it."""
    return form_body(
        {
            "command": "/safeguarding",
            "text": text,
            "user_id": "U0001",
            "channel_id": "C0001",
            "team_id": "T0001",
            "response_url": response_url,
            "trigger_id": "1.2.3",
        }
    )


def payload_body(payload: dict[str, Any]) -> bytes:
    """An interactivity request: the JSON payload in a `payload` form field."""
    return urlencode({"payload": json.dumps(payload)}).encode()


class SlackPeer:
    """The fake Slack Web API on a loopback port."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._scripts: dict[str, deque[Scripted]] = defaultdict(deque)
        self._always: dict[str, Scripted] = {}
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        # Socket Mode: envelopes to push to the connected client, and what it acknowledged.
        self.socket_outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.socket_acks: list[dict[str, Any]] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"{self.base_url}/response/{name}"

    def script(self, method: str, *answers: Scripted) -> None:
        """Answer the next calls of `method` with `answers`, in order, then as usual."""
        self._scripts[method].extend(answers)

    def always(self, method: str, answer: Scripted) -> None:
        """Answer every call of `method` with `answer`."""
        self._always[method] = answer

    def made(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1) -> list[Call]:
        """Wait (bounded) until `method` was called `count` times; return those calls."""

        async def enough() -> list[Call]:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.made(method)) >= count)
                return self.made(method)

        return await asyncio.wait_for(enough(), timeout=WAIT_SECONDS)

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        raw = await request.read()
        params: dict[str, Any]
        if request.content_type == "application/json" and raw:
            params = json.loads(raw)
        else:
            params = dict(parse_qsl(raw.decode(), keep_blank_values=True))
            params.update(request.query)
        auth = request.headers.get("Authorization", "")
        await self._record(Call(method, params, auth.removeprefix("Bearer ") or None))
        scripted = self._scripts[method].popleft() if self._scripts[method] else None
        scripted = scripted or self._always.get(method)
        if scripted is not None:
            return web.json_response(
                scripted.body, status=scripted.status, headers=scripted.headers
            )
        return web.json_response(self._default(method, params))

    def _default(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://example.slack.com/",
                "team": "Example",
                "user": "safeguarding",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
            }
        if method == "chat.postMessage":
            return {"ok": True, "channel": params.get("channel"), "ts": f"{time.time():.6f}"}
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}
        return {"ok": True}

    async def _response_url(self, request: web.Request) -> web.StreamResponse:
        params = json.loads(await request.read() or b"{}")
        await self._record(Call("response_url", params, None))
        return web.Response(text="ok")

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1})

        async def push() -> None:
            while True:
                envelope = await self.socket_outbox.get()
                await ws.send_json(envelope)

        pusher = asyncio.create_task(push())
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    ack = json.loads(message.data)
                    self.socket_acks.append(ack)
                    await self._record(Call("socket_ack", ack, None))
        finally:
            pusher.cancel()
        return ws

    async def __aenter__(self) -> SlackPeer:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/response/{name}", self._response_url)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, shutdown_timeout=1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
