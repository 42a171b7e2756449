"""The composition root: one aiohttp application built from `Settings`.

The Procfile, `safeguarding-bot serve` and the tests all build the app here.
"""

from __future__ import annotations

import asyncio
import functools
import re
import secrets
from collections.abc import AsyncIterator, Callable
from typing import Any

from aiohttp import web

from adapters import admin, logs, slack, teams
from adapters import web as webchat
from adapters.console import reply_json
from adapters.recording import RECORDER_KEY, Recorder, recorder_context
from adapters.reload import RELOADER_KEY, Reloader
from adapters.service import Answered, ChatService
from adapters.settings import Settings
from bot import Bot, Question
from bot.engine import build
from bot.storage import SQLiteStorage, Storage

SERVICE_KEY = web.AppKey("service", ChatService)
SETTINGS_KEY = web.AppKey("settings", Settings)
MAX_BODY_BYTES = 1024 * 1024
SHUTDOWN_GRACE_SECONDS = 10.0

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    # Browsers heed it only over HTTPS (the PaaS's router): after one visit, never plain HTTP.
    "Strict-Transport-Security": "max-age=31536000",
    "Server": "safeguarding-bot",  # not aiohttp's, which names its and Python's versions
}


def bot_builder(settings: Settings) -> Callable[[], Bot]:
    """What builds the bot the settings name (in production, refusing example contacts):
    picklable, so a reload runs it in a child process (see `adapters.reload`)."""
    return functools.partial(build, settings.knowledge_dir, refuse_examples=settings.production)


def build_bot(settings: Settings) -> Bot:
    """Build the bot the settings name, here and now (see `bot_builder`)."""
    return bot_builder(settings)()


def open_storage(settings: Settings) -> Storage:
    """PostgreSQL when DATABASE_URL is set (the PaaS convention), else a SQLite file."""
    if settings.database_url:
        from adapters.postgres import PostgresStorage  # only a PostgreSQL deployment needs it

        return PostgresStorage(settings.database_url)
    return SQLiteStorage(settings.database_path)


def answer(request: web.Request, question: Question, conversation: str = "") -> Answered:
    """Answer through the app's chat service: logged (never the text) and kept, redacted.
    With `conversation`, the question is read with that conversation's last messages (the web
    chat's and the API's conversations kept apart by the question's channel)."""
    service = request.app[SERVICE_KEY]
    if not conversation:
        return service.answer(question)
    key = f"{question.channel}:{conversation}"
    return service.answer(service.in_conversation(question, key), key)


# A web chat conversation's id: made by the page, sent back with each question.
CONVERSATION = re.compile(r"[A-Za-z0-9_-]{16,64}")


def conversation_id(value: object) -> str:
    """The conversation id a page sent back, or a new one when it sent none or a bad one."""
    if isinstance(value, str) and CONVERSATION.fullmatch(value):
        return value
    return secrets.token_urlsafe(18)


async def healthz(request: web.Request) -> web.Response:
    """The process is alive."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready when the knowledge base is loaded and the database answers (503 otherwise).

    Also shows the problems of the last rejected knowledge edit, if any (the bot keeps
    answering from the last good knowledge base meanwhile)."""
    state = request.app[RELOADER_KEY].state
    database = await request.app[RECORDER_KEY].ready()
    ready = state.topics > 0 and database
    body = {
        "status": "ready" if ready else "not ready",
        "database": "ok" if database else "unreachable",
        "knowledge": {
            "topics": state.topics,
            "loaded_at": state.loaded_at.isoformat() if state.loaded_at else None,
            "last_edit_rejected": bool(state.problems),
            "problems": list(state.problems),
        },
    }
    return web.json_response(body, status=200 if ready else 503)


async def chat_page(request: web.Request) -> web.Response:
    """The empty web chat page."""
    return web.Response(
        text=webchat.page(conversation=conversation_id(None)), content_type="text/html"
    )


async def chat_css(request: web.Request) -> web.Response:
    """The web chat's style sheet."""
    return web.Response(text=webchat.CSS, content_type="text/css")


async def chat_ask(request: web.Request) -> web.Response:
    """A question (or a picked topic) posted from the web chat page."""
    form = await request.post()
    text = form.get("question", "")
    topic = form.get("topic", "")
    if not isinstance(text, str) or not isinstance(topic, str):
        return web.Response(
            status=400, text=webchat.page(error="Send text only."), content_type="text/html"
        )
    if len(text) > webchat.MAX_QUESTION_CHARS:
        error = (
            f"Your message is {len(text):,} characters long; please ask in fewer than "
            f"{webchat.MAX_QUESTION_CHARS:,}."
        )
        return web.Response(status=413, text=webchat.page(error=error), content_type="text/html")
    conversation = conversation_id(form.get("conversation"))
    question = Question(text=text, channel="web", chosen_topic=topic.strip() or None)
    reply = answer(request, question, conversation).reply
    return web.Response(
        text=webchat.page(
            webchat.render_reply(reply, conversation),
            title=webchat.reply_title(reply),
            conversation=conversation,
        ),
        content_type="text/html",
    )


async def api_ask(request: web.Request) -> web.Response:
    """`POST /api/ask` with `{"question": "..."}` (or `"topic"`): the reply as JSON."""
    try:
        body: Any = await request.json()
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: deep nesting
        return web.json_response({"error": "the body must be JSON"}, status=400)
    if not isinstance(body, dict):
        return web.json_response({"error": "the body must be a JSON object"}, status=400)
    text, topic = body.get("question", ""), body.get("topic")
    if not isinstance(text, str) or (topic is not None and not isinstance(topic, str)):
        return web.json_response({"error": "'question' and 'topic' must be strings"}, status=400)
    conversation = body.get("conversation", "")
    if conversation != "" and not (
        isinstance(conversation, str) and CONVERSATION.fullmatch(conversation)
    ):
        return web.json_response(
            {"error": "'conversation' must be 16 to 64 letters, digits, '-' or '_'"}, status=400
        )
    if len(text) > webchat.MAX_QUESTION_CHARS:
        return web.json_response(
            {"error": f"'question' must be under {webchat.MAX_QUESTION_CHARS} characters"},
            status=413,
        )
    answered = answer(request, Question(text=text, channel="api", chosen_topic=topic), conversation)
    return web.json_response(reply_json(answered.reply))


BODY_READ_SECONDS = 10.0  # a real client sends a question in milliseconds


@web.middleware
async def read_body_in_time(request: web.Request, handler: Any) -> web.StreamResponse:
    """Read a request's body (at most MAX_BODY_BYTES) within BODY_READ_SECONDS, or answer 408:
    a client that trickles a body, or stops before its end, does not hold a connection and
    its buffer for ever. The handler then reads the body from memory."""
    if request.can_read_body:
        try:
            async with asyncio.timeout(BODY_READ_SECONDS):
                await request.read()
        except TimeoutError:
            raise web.HTTPRequestTimeout(
                text="The request's body took too long to arrive."
            ) from None
    response: web.StreamResponse = await handler(request)
    return response


@web.middleware
async def security_headers(request: web.Request, handler: Any) -> web.StreamResponse:
    """Add security headers to every response, errors included."""
    try:
        response: web.StreamResponse = await handler(request)
    except web.HTTPException as error:
        error.headers.update(SECURITY_HEADERS)
        raise
    except Exception as error:  # a bug: a plain 500 with the headers, the type logged
        logs.LOGGER.error(
            "request failed",
            extra={"event": "request_failed", "error_type": type(error).__name__},
        )
        response = web.Response(status=500, text="Something went wrong. Please try again.")
    response.headers.update(SECURITY_HEADERS)
    return response


def drain_context(service: ChatService) -> Callable[[web.Application], AsyncIterator[None]]:
    """At shutdown, let answers already under way finish (bounded) before storage closes."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        yield
        if service.recorder is not None:
            service.recorder.release()  # an answer waiting for the database is sent now
        await service.in_flight.drain(SHUTDOWN_GRACE_SECONDS)

    return context


def create_app(
    settings: Settings, bot: Bot | None = None, *, storage: Storage | None = None
) -> web.Application:
    """Build the web application: health, web chat, JSON API, Slack and Teams on one app.

    `bot` and `storage` default to what the settings name (the knowledge directory; SQLite or
    PostgreSQL)."""
    app = web.Application(
        client_max_size=MAX_BODY_BYTES, middlewares=[security_headers, read_body_in_time]
    )
    app[SETTINGS_KEY] = settings
    if storage is None:
        recorder = Recorder(open_storage(settings), settings.retention_days, open_storage(settings))
    else:
        recorder = Recorder(storage, settings.retention_days)
    service = ChatService(bot if bot is not None else build_bot(settings), recorder)
    app[SERVICE_KEY] = service
    app[RECORDER_KEY] = recorder
    app.cleanup_ctx.append(recorder_context(recorder))
    reloader = Reloader(service, bot_builder(settings), settings.knowledge_dir)
    app[RELOADER_KEY] = reloader
    app.cleanup_ctx.append(reloader.context(settings.knowledge_poll_seconds))
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/", chat_page)
    app.router.add_get("/static/chat.css", chat_css)
    app.router.add_post("/ask", chat_ask)
    app.router.add_post("/api/ask", api_ask)
    admin.mount(app, settings.admin_token)
    slack.mount(app, settings.slack, service)
    teams.setup(app, settings.teams, production=settings.production, service=service)
    # Registered last, so at shutdown it runs first: answers in flight finish while the
    # platforms' HTTP sessions and the database are still open.
    app.cleanup_ctx.append(drain_context(service))
    return app
