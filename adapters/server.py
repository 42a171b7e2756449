"""Run the composition root's app, optionally with the terminal chat beside it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import threading

from aiohttp import web, web_log

from adapters import console, logs, slack
from adapters.app import create_app
from adapters.reload import RELOADER_KEY
from adapters.settings import Settings
from bot import Bot

SHUTDOWN_GRACE_SECONDS = 10.0
# The platforms' webhooks: each delivery is logged already (answered, or dropped as a duplicate).
WEBHOOK_PATHS = frozenset({slack.EVENTS_PATH, "/api/messages"})


KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_of(request: web.BaseRequest) -> str:
    """The route a request matched, as declared ("/admin/report"), never the path it asked for:
    a path or query string can hold whatever was typed into a link."""
    match_info = getattr(request, "match_info", None)
    resource = getattr(getattr(match_info, "route", None), "resource", None)
    canonical = getattr(resource, "canonical", None)
    return canonical if isinstance(canonical, str) else "(no route)"


class AccessLogger(web_log.AccessLogger):
    """The access log: one line a request with the method, the matched route, the status, the
    size and the time. Never the path or query string as sent (`GET /?question=...` would put
    staff text in the log), nor the Referer. The platforms' successful webhook deliveries are
    left out: at hundreds a second those lines cost the event loop more than some answers, and
    say nothing the `answered` records do not. Refused and failed deliveries are still logged."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        if response.status < 400 and request.path in WEBHOOK_PATHS:
            return
        if not self.logger.isEnabledFor(logging.INFO):
            return
        method = request.method if request.method in KNOWN_METHODS else "OTHER"
        self.logger.info(
            "%s %s %s %s %.1f ms",
            method,
            route_of(request),
            response.status,
            response.body_length,
            time * 1000,
        )


async def serve(
    settings: Settings, handed: list[Bot], *, host: str, port: int, with_chat: bool
) -> None:
    """Serve until SIGINT/SIGTERM, or until the terminal chat ends when it runs. The bot is
    taken out of `handed`: the app answers with it, and a knowledge reload replaces it there.
    Kept by a caller's frame, the first bot would stay in memory beside every later one (a
    reload's peak held three bots), and the terminal chat would go on answering from the
    knowledge base the server started with."""
    app = create_app(settings, handed.pop())
    runner = web.AppRunner(
        app, shutdown_timeout=SHUTDOWN_GRACE_SECONDS, access_log_class=AccessLogger
    )
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    url = f"http://{shown}:{port}/"
    print(f"safeguarding-bot is running: web chat at {url}  (Ctrl-C to stop)", flush=True)
    logs.LOGGER.info(
        "started",
        extra={
            "event": "started",
            "url": url,
            "mode": settings.mode,
            "topics": len(app[RELOADER_KEY].service.bot.knowledge.topics),
            "event_loop": type(asyncio.get_running_loop()).__module__.split(".")[0],
        },
    )

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Not every platform lets asyncio handle signals; Ctrl-C still works there.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    reloader = app[RELOADER_KEY]
    with contextlib.suppress(NotImplementedError, RuntimeError, AttributeError):
        loop.add_signal_handler(signal.SIGHUP, reloader.trigger, "SIGHUP")
    if with_chat:
        # input() blocks, so the terminal chat runs in a daemon thread beside the server; when
        # it ends ('quit' or end of input) the server stops too.
        def chat_then_stop() -> None:
            try:
                console.chat(lambda: reloader.service.bot, input, sys.stdout)
            finally:
                loop.call_soon_threadsafe(stop.set)

        threading.Thread(target=chat_then_stop, name="terminal-chat", daemon=True).start()
    try:
        await stop.wait()
    finally:
        logs.LOGGER.info("stopping", extra={"event": "stopping"})
        await runner.cleanup()
