"""A fake Bot Framework on 127.0.0.1 for the Teams tests.

One aiohttp application, served from its own thread (the SDK fetches OpenID metadata and the
bot's token with blocking `requests` calls, which would stall a peer on the bot's event loop):

- over HTTP: the connector (records every activity the bot sends to its serviceUrl, and can
  answer the first sends with 429/503), OpenID metadata and a JWKS for the tokens tests sign;
- over HTTPS (MSAL insists), with a self-signed certificate for 127.0.0.1: an authority's
  OpenID configuration and token endpoint that issue the bot's outbound token.

The SDK's MSAL wiring never passes `validate_authority` to MSAL, which would then ask
login.microsoftonline.com to validate a loopback authority. MSAL skips that check for ADFS
authorities, so the fake authority lives under `/adfs`.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import json
import ssl
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://api.botframework.test"
APP_ID = "00000000-0000-0000-0000-00000000b07a"
APP_PASSWORD = "test-password"
KEY_ID = "test-key-1"
OUTBOUND_TOKEN = "outbound-token-from-the-fake-authority"
OAUTH_SCOPE = "https://api.botframework.test"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1, valid for a day; returns (cert path, key path)."""
    key = new_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "peer-cert.pem", directory / "peer-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class Sent:
    """One activity the bot sent to the connector."""

    path: str
    authorization: str
    activity: dict[str, Any]


@dataclass
class Peer:
    """The fake Bot Framework; use as a context manager."""

    signing_key: rsa.RSAPrivateKey
    cert: tuple[Path, Path]
    sent: list[Sent] = field(default_factory=list)
    attempts: int = 0
    attempt_times: list[float] = field(default_factory=list)  # time.monotonic() of each
    token_requests: list[dict[str, str]] = field(default_factory=list)
    fail_with: list[tuple[int, Mapping[str, str]]] = field(default_factory=list)
    http_port: int = 0
    https_port: int = 0

    # -- addresses --
    @property
    def service_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/"

    @property
    def openid_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/openid"

    @property
    def authority(self) -> str:
        return f"https://127.0.0.1:{self.https_port}/adfs"

    def environment(self) -> dict[str, str]:
        """The settings that point the bot's SDK at this peer, with authentication on."""
        return {
            "MicrosoftAppId": APP_ID,
            "MicrosoftAppPassword": APP_PASSWORD,
            "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL": self.openid_url,
            "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL": self.openid_url,
            "TO_BOT_FROM_CHANNEL_TOKEN_ISSUER": ISSUER,
            "TO_CHANNEL_FROM_BOT_LOGIN_URL": self.authority,
            "TO_CHANNEL_FROM_BOT_OAUTH_SCOPE": OAUTH_SCOPE,
            "VALIDATE_AUTHORITY": "false",
        }

    # -- tokens --
    def token(
        self,
        *,
        key: rsa.RSAPrivateKey | None = None,
        kid: str = KEY_ID,
        issuer: str = ISSUER,
        audience: str = APP_ID,
        service_url: str | None = None,
        expires_in: int = 3600,
    ) -> str:
        """A channel-to-bot token as the Bot Framework signs one (RS256)."""
        now = int(time.time())
        claims = {
            "iss": issuer,
            "aud": audience,
            "serviceurl": service_url if service_url is not None else self.service_url,
            "nbf": now - 60,
            "iat": now - 60,
            "exp": now + expires_in,
        }
        return jwt.encode(claims, key or self.signing_key, algorithm="RS256", headers={"kid": kid})

    # -- the server --
    def _app(self) -> web.Application:
        @web.middleware
        async def one_request_per_connection(request: web.Request, handler: Any) -> Any:
            # No keep-alive: idle client connections would outlive the peer's loop.
            response = await handler(request)
            response.force_close()
            return response

        app = web.Application(middlewares=[one_request_per_connection])
        app.router.add_get("/openid", self._openid)
        app.router.add_get("/jwks", self._jwks)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._activity)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply}", self._activity)
        app.router.add_get("/adfs/.well-known/openid-configuration", self._authority_config)
        app.router.add_post("/adfs/oauth2/token", self._token)
        return app

    async def _openid(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"issuer": ISSUER, "jwks_uri": f"http://127.0.0.1:{self.http_port}/jwks"}
        )

    async def _jwks(self, request: web.Request) -> web.Response:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.signing_key.public_key()))
        jwk.update({"kid": KEY_ID, "use": "sig", "endorsements": ["msteams"]})
        return web.json_response({"keys": [jwk]})

    async def _activity(self, request: web.Request) -> web.Response:
        self.attempts += 1
        self.attempt_times.append(time.monotonic())
        if self.fail_with:
            status, headers = self.fail_with.pop(0)
            return web.json_response(
                {"error": {"code": "Throttled", "message": "try later"}},
                status=status,
                headers=dict(headers),
            )
        self.sent.append(
            Sent(
                path=request.path,
                authorization=request.headers.get("Authorization", ""),
                activity=await request.json(),
            )
        )
        return web.json_response({"id": str(uuid.uuid4())})

    async def _authority_config(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "issuer": self.authority,
                "authorization_endpoint": f"{self.authority}/oauth2/authorize",
                "token_endpoint": f"{self.authority}/oauth2/token",
            }
        )

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        self.token_requests.append({k: str(v) for k, v in form.items()})
        return web.json_response(
            {"access_token": OUTBOUND_TOKEN, "token_type": "Bearer", "expires_in": 3600}
        )

    def __enter__(self) -> Peer:
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._stop = asyncio.Event()

        async def main() -> None:
            runner = web.AppRunner(self._app(), shutdown_timeout=1)
            await runner.setup()
            http = web.TCPSite(runner, "127.0.0.1", 0)
            await http.start()
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*self.cert)
            https = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
            await https.start()
            self.http_port = _port(http)
            self.https_port = _port(https)
            ready.set()
            try:
                await self._stop.wait()
            finally:
                await runner.cleanup()
                for _ in range(10):  # let closed transports release their sockets
                    await asyncio.sleep(0)

        def run() -> None:
            try:
                self._loop.run_until_complete(main())
            finally:
                self._loop.close()

        self._thread = threading.Thread(target=run, name="teams-peer", daemon=True)
        self._thread.start()
        if not ready.wait(timeout=10):
            raise RuntimeError("the fake Bot Framework did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=10)


def _port(site: web.TCPSite) -> int:
    server = site._server
    assert server is not None
    sockets = getattr(server, "sockets", None)
    assert sockets
    port: int = sockets[0].getsockname()[1]
    return port
