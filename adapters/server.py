"""Run the composition root's app, optionally with the terminal chat beside it."""

from __future__ import annotations

import asyncio
import contextlib
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


class AccessLogger(web_log.AccessLogger):
    """aiohttp's access log, without the platforms' successful webhook deliveries: at hundreds
    a second those lines cost the event loop more than some answers, and say nothing the
    `answered` records do not. Refused and failed deliveries are still logged."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        if response.status < 400 and request.path in WEBHOOK_PATHS:
            return
        super().log(request, response, time)


async def serve(settings: Settings, bot: Bot, *, host: str, port: int, with_chat: bool) -> None:
    """Serve until SIGINT/SIGTERM, or until the terminal chat ends when it runs."""
    app = create_app(settings, bot)
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
            "topics": len(bot.knowledge.topics),
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
                console.chat(bot, input, sys.stdout)
            finally:
                loop.call_soon_threadsafe(stop.set)

        threading.Thread(target=chat_then_stop, name="terminal-chat", daemon=True).start()
    try:
        await stop.wait()
    finally:
        logs.LOGGER.info("stopping", extra={"event": "stopping"})
        await runner.cleanup()
