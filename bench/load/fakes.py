"""Lean fakes of Slack's Web API and of the Bot Framework, in their own process.

`python -m bench.load.fakes SIGNING_KEY_PEM CERT_PEM CERT_KEY_PEM` serves, on 127.0.0.1 only:

- over HTTP: Slack's Web API (`auth.test`, `chat.postMessage`, anything else answers ok), the
  Bot Framework connector (`/v3/conversations/.../activities`), OpenID metadata and a JWKS for
  the tokens the load generator signs;
- over HTTPS (MSAL insists), with the self-signed certificate: the authority that issues the
  bot's outbound token (under `/adfs`, see tests/teams_peer.py for why);
- `GET /stats`: how many answers reached each conversation, keyed the way the generator keys
  its events; `POST /stats/reset` forgets them.

It prints one JSON line with its two ports, then serves until SIGTERM. It runs in its own
process so that counting answers never competes with the bot or the generator for one event
loop. It keeps counts only (no message bodies).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import ssl
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.slack_peer import BOT_ID, BOT_USER_ID, TEAM_ID
from tests.teams_peer import ISSUER, KEY_ID, OUTBOUND_TOKEN


def slack_key(channel: Any, thread_ts: Any) -> str:
    """The key of one Slack answer: its channel and thread (the generator makes both unique)."""
    return f"slack:{channel}:{thread_ts or ''}"


def teams_key(conversation: str) -> str:
    """The key of one Teams answer: its conversation (the generator makes each unique)."""
    return f"teams:{conversation}"


class Fakes:
    """The state of the fakes: answers counted per key, and call counts per kind."""

    def __init__(self, public_jwk: dict[str, Any]) -> None:
        self.answers: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self.jwk = public_jwk
        self.http_port = 0
        self.https_port = 0

    @property
    def authority(self) -> str:
        return f"https://127.0.0.1:{self.https_port}/adfs"

    # -- Slack --
    async def slack_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        raw = await request.read()
        params: dict[str, Any]
        if request.content_type == "application/json" and raw:
            params = json.loads(raw)
        else:
            params = dict(parse_qsl(raw.decode(), keep_blank_values=True))
        self.calls[f"slack.{method}"] += 1
        if method == "auth.test":
            return web.json_response(
                {
                    "ok": True,
                    "url": "https://example.slack.com/",
                    "team": "Load",
                    "user": "safeguarding",
                    "team_id": TEAM_ID,
                    "user_id": BOT_USER_ID,
                    "bot_id": BOT_ID,
                }
            )
        if method == "chat.postMessage":
            self.answers[slack_key(params.get("channel"), params.get("thread_ts"))] += 1
            return web.json_response(
                {"ok": True, "channel": params.get("channel"), "ts": f"{time.time():.6f}"}
            )
        return web.json_response({"ok": True})

    # -- Bot Framework --
    async def activity(self, request: web.Request) -> web.Response:
        await request.read()
        self.calls["teams.send"] += 1
        self.answers[teams_key(request.match_info["conversation"])] += 1
        return web.json_response({"id": str(uuid.uuid4())})

    async def openid(self, request: web.Request) -> web.Response:
        self.calls["teams.openid"] += 1
        return web.json_response(
            {"issuer": ISSUER, "jwks_uri": f"http://127.0.0.1:{self.http_port}/jwks"}
        )

    async def jwks(self, request: web.Request) -> web.Response:
        self.calls["teams.jwks"] += 1
        return web.json_response({"keys": [self.jwk]})

    async def authority_config(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "issuer": self.authority,
                "authorization_endpoint": f"{self.authority}/oauth2/authorize",
                "token_endpoint": f"{self.authority}/oauth2/token",
            }
        )

    async def token(self, request: web.Request) -> web.Response:
        await request.post()
        self.calls["teams.token"] += 1
        return web.json_response(
            {"access_token": OUTBOUND_TOKEN, "token_type": "Bearer", "expires_in": 3600}
        )

    # -- the generator's view --
    async def stats(self, request: web.Request) -> web.Response:
        return web.json_response({"answers": dict(self.answers), "calls": dict(self.calls)})

    async def reset(self, request: web.Request) -> web.Response:
        self.answers.clear()
        self.calls.clear()
        return web.json_response({"ok": True})

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/{method}", self.slack_api)
        app.router.add_get("/api/{method}", self.slack_api)
        app.router.add_post("/v3/conversations/{conversation}/activities", self.activity)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply}", self.activity)
        app.router.add_get("/openid", self.openid)
        app.router.add_get("/jwks", self.jwks)
        app.router.add_get("/adfs/.well-known/openid-configuration", self.authority_config)
        app.router.add_post("/adfs/oauth2/token", self.token)
        app.router.add_get("/stats", self.stats)
        app.router.add_post("/stats/reset", self.reset)
        return app


def public_jwk(signing_key_pem: Path) -> dict[str, Any]:
    key = serialization.load_pem_private_key(signing_key_pem.read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": KEY_ID, "use": "sig", "endorsements": ["msteams"]})
    return jwk


def _port(site: web.TCPSite) -> int:
    server = site._server
    sockets = getattr(server, "sockets", None)
    assert sockets
    port: int = sockets[0].getsockname()[1]
    return port


async def serve(signing_key_pem: Path, cert: Path, cert_key: Path) -> None:
    fakes = Fakes(public_jwk(signing_key_pem))
    runner = web.AppRunner(fakes.app(), shutdown_timeout=1, access_log=None)
    await runner.setup()
    http = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
    await http.start()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, cert_key)
    https = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await https.start()
    fakes.http_port, fakes.https_port = _port(http), _port(https)
    print(json.dumps({"http": fakes.http_port, "https": fakes.https_port}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main() -> None:
    signing_key_pem, cert, cert_key = (Path(arg) for arg in sys.argv[1:4])
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(signing_key_pem, cert, cert_key))


if __name__ == "__main__":
    main()
