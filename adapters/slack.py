"""Slack: slack-bolt's `AsyncApp` on the one aiohttp app, and Socket Mode when an app token is set.

Translation only: `to_question(event)` turns a Slack event into a `Question`; `to_blocks(reply)`
and `home_view(bot)` turn the core's values into Block Kit. The handlers answer direct messages,
mentions (in a thread under the question), thread replies where the bot was mentioned, the
`/safeguarding` slash command (ephemerally), topic buttons and "Was this helpful?" buttons.

Slack sees an acknowledgement at once (`process_before_response=False`: bolt acks, then runs the
handler as a task), so the 3-second limit holds whatever an answer costs. Each event is answered
once: its `event_id` is claimed (`EventClaims`, through the chat service's database) before the
handler runs, so Slack's retries are acknowledged and dropped. While the database is away, a
retry this instance has not seen may have been answered by another one: it is acknowledged, and
answered only once the database says nobody did (at most `recording.SETTLE_SECONDS` later), or at
once when the reply is urgent.

Nothing anyone typed reaches a log: our own records carry ids and outcomes, and the SDK's
records (which can quote request bodies) have their message withheld.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import AsyncConnectionErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from adapters import logs
from adapters.recording import Claim, ExpiringKeys
from adapters.service import Answered, ChatService
from adapters.settings import SlackSettings
from bot import Bot, Question, Reply
from bot.compose import (
    ASKED_FOR,
    PRIVACY_REMINDER,
    asked_to_choose,
    choice_now,
    choices_heading,
    contacts_first,
    example_label,
    now_lines,
    offered,
    plain_text,
)
from bot.models import Contact, Topic
from bot.storage import RECORD_ID

EVENTS_PATH = "/slack/events"
CHANNEL = "slack"

# Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks).
SECTION_LIMIT = 3000
HEADER_LIMIT = 150
BUTTON_TEXT_LIMIT = 75
MAX_BLOCKS = 50
MAX_HOME_BLOCKS = 100
TEXT_LIMIT = 39_000

# Rate limits: retry a 429 after Retry-After, at most this often and never waiting longer.
RATE_LIMIT_RETRIES = 2
MAX_RETRY_AFTER_SECONDS = 30.0

# How long an event id (or a thread the bot was asked in) is remembered. Slack retries an event
# three times within about five minutes.
SEEN_SECONDS = 60 * 60
REMEMBERED_THREADS_SECONDS = 7 * 24 * 60 * 60

# Where the claim middleware marks an UNSURE claim for the listener (bolt's context).
UNSURE_CLAIM = "safeguarding_unsure_claim"

TOPIC_ACTION = "topic:"
FEEDBACK_ACTION = "feedback:"
THANKS = "Thanks for telling us. It helps the safeguarding team improve the answers."

URGENT_MARK = ":rotating_light:"
WARNING_MARK = ":warning:"

HOME_DOES = (
    "Answers questions about child sexual exploitation and the harms around it (criminal "
    "exploitation and county lines, online grooming and sextortion, trafficking, children going "
    "missing) from published guidance for England, and cites its sources.",
    "Tells you who to contact: 999 in an emergency, your DSL, children's social care, the LADO, "
    "national helplines.",
    "Puts *call 999 now* first whenever a message describes a child in immediate danger.",
    "Says so when it is not sure, offers the nearest topics, and still gives the contacts.",
)
HOME_DOES_NOT = (
    "It is not a referral route: it alerts no one and records no concern. Concerns go to your "
    "DSL and through your organisation's safeguarding system.",
    "It does not replace your local procedures, your DSL's judgement, or training.",
)
HOME_HOW = (
    "Send me a direct message, mention me in a channel (I answer in a thread under your "
    "message), or type `/safeguarding your question` anywhere (only you see the answer)."
)

# --------------------------------------------------------------------------------------------
# Translation: Slack -> Question

_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
_CHANNEL_REF = re.compile(r"<#[CG][A-Z0-9]+(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(?:subteam\^[A-Z0-9]+|date\^[^|>]*|[a-z]+)(?:\|([^>]*))?>")
_EMPHASIS = re.compile(r"(?<![\w*_~`])[*_~`]+|[*_~`]+(?![\w*_~`])")


def to_question(event: Mapping[str, Any]) -> Question:
    """A Slack message event as a `Question`: mentions, links and formatting marks removed."""
    text = event.get("text")
    if not isinstance(text, str):
        text = ""
    text = _MENTION.sub(" ", text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = _CHANNEL_REF.sub(lambda m: f"#{m.group(1)}" if m.group(1) else " ", text)
    text = _SPECIAL.sub(lambda m: m.group(1) or " ", text)
    text = _EMPHASIS.sub("", text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return Question(text=" ".join(text.split()), channel=CHANNEL)


def conversation_key(
    event: Mapping[str, Any], context: Mapping[str, Any], thread_ts: str | None
) -> str:
    """One person's conversation with the bot in one place: a DM, or a thread, or the slash
    command in one channel. Follow-ups there are read with the messages before them."""
    team = context.get("team_id") or event.get("team_id") or event.get("team") or ""
    channel = event.get("channel") or event.get("channel_id") or ""
    user = event.get("user") or event.get("user_id") or ""
    return f"slack:{team}:{channel}:{thread_ts or ''}:{user}"


def mentions(event: Mapping[str, Any], user_id: str | None) -> bool:
    """True when the message mentions `user_id` (the bot)."""
    text = event.get("text")
    return bool(user_id) and isinstance(text, str) and f"<@{user_id}" in text


def is_from_a_person(event: Mapping[str, Any]) -> bool:
    """False for bots (this one included), edits, deletions and every other message subtype."""
    return (
        not event.get("subtype")
        and not event.get("bot_id")
        and not event.get("bot_profile")
        and isinstance(event.get("user"), str)
    )


# --------------------------------------------------------------------------------------------
# Rendering: Reply -> Block Kit


def escape(text: str) -> str:
    """Text for a mrkdwn field: Slack's three control characters escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+")


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Split `text` into pieces of at most `limit` characters, at paragraph breaks if it can,
    then line breaks, then sentence ends, and only for a single over-long sentence at spaces.
    Nothing is dropped: joining the pieces gives the text back (up to white space)."""
    return [piece for piece in _split(text.strip(), limit, 0) if piece.strip()]


def _split(text: str, limit: int, level: int) -> list[str]:
    if len(text) <= limit:
        return [text]
    if level == 0:
        parts, joiner = text.split("\n\n"), "\n\n"
    elif level == 1:
        parts, joiner = text.split("\n"), "\n"
    elif level == 2:
        parts, joiner = _SENTENCE_END.split(text), " "
    elif level == 3:
        parts, joiner = text.split(" "), " "
    else:  # one "word" longer than a whole section: nothing better than a hard cut
        return [text[i : i + limit] for i in range(0, len(text), limit)]
    chunks: list[str] = []
    current = ""
    for part in parts:
        candidate = f"{current}{joiner}{part}" if current else part
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current)
        if len(part) <= limit:
            current = part
        else:
            pieces = _split(part, limit, level + 1)
            chunks.extend(pieces[:-1])
            current = pieces[-1]
    if current:
        chunks.append(current)
    return chunks


def shorten(text: str, limit: int) -> str:
    """`text` cut at a word boundary to fit `limit` characters, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:-")
    return cut + "…"


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _sections(text: str) -> list[dict[str, Any]]:
    return [{"type": "section", "text": _mrkdwn(piece)} for piece in split_text(text)]


def _header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": _plain(shorten(text, HEADER_LIMIT))}


def answer_mrkdwn(answer: str) -> str:
    """A topic's answer (paragraphs and "- " bullets) as escaped mrkdwn."""
    lines = []
    for line in answer.strip().splitlines():
        stripped = line.strip()
        if stripped.startswith("- "):
            lines.append("• " + escape(stripped[2:]))
        else:
            lines.append(escape(stripped))
    return "\n".join(lines)


def contact_mrkdwn(contact: Contact, *, when: bool = False) -> str:
    """One contact: name, how to reach them, the example label when it is fictional."""
    line = f"*{escape(contact.name)}*: {escape(contact.reach)}"
    if contact.example:
        line += f" _({escape(example_label(contact))})_"
    if when and contact.when:
        line += f"\n{escape(contact.when.strip())}"
    return line


def _topic_buttons(topics: Iterable[Topic], numbered: Sequence[Topic]) -> dict[str, Any]:
    buttons = []
    for topic in topics:
        label = shorten(f"{numbered.index(topic) + 1}. {topic.title}", BUTTON_TEXT_LIMIT)
        buttons.append(
            {
                "type": "button",
                "text": _plain(label),
                "action_id": f"{TOPIC_ACTION}{topic.id}",
                "value": topic.id,
            }
        )
    return {"type": "actions", "elements": buttons[:25]}


def _feedback(record_id: str | None) -> list[dict[str, Any]]:
    value = record_id or "none"
    buttons = [
        {
            "type": "button",
            "text": _plain(label),
            "action_id": f"{FEEDBACK_ACTION}{answer}",
            "value": value,
        }
        for label, answer in (("Yes", "yes"), ("No", "no"))
    ]
    return [
        {"type": "section", "text": _mrkdwn("*Was this helpful?*")},
        {"type": "actions", "block_id": "feedback", "elements": buttons},
    ]


def to_blocks(reply: Reply, record_id: str | None = None) -> list[dict[str, Any]]:
    """A reply as Block Kit, in the core's order: the 999 lead first and marked, the privacy
    warning, the contacts asked for, the contacts when urgent, the answer (or notice), choices,
    the contacts when not urgent, related topics, sources, feedback (whose buttons carry the
    kept record's id), and the privacy reminder as context."""
    numbered = offered(reply)
    blocks: list[dict[str, Any]] = []
    if reply.urgent_lead:
        lead = "\n".join(f"{URGENT_MARK} *{escape(line)}*" for line in reply.urgent_lead)
        blocks.extend(_sections(lead))
        blocks.append({"type": "divider"})
    if reply.privacy_warning:
        blocks.extend(_sections(f"{WARNING_MARK} {escape(reply.privacy_warning)}"))
    if reply.asked_for:
        lines = "\n".join(contact_mrkdwn(c, when=asked_to_choose(reply)) for c in reply.asked_for)
        blocks.extend(_sections(f"*{ASKED_FOR}*\n{lines}"))
    lines = "\n".join(contact_mrkdwn(c) for c in reply.contacts)
    contacts = _sections(f"*Who to contact*\n{lines}")
    if reply.contacts and contacts_first(reply):
        blocks.extend(contacts)
    if reply.notice:
        blocks.extend(_sections(escape(reply.notice)))
    if reply.topic is not None:
        blocks.append(_header(reply.topic.title))
        for line in now_lines(reply):
            blocks.extend(_sections(f"*{escape(line)}*"))
        blocks.extend(_sections(answer_mrkdwn(reply.topic.answer)))
    if reply.choices:
        heading = choices_heading(reply)
        blocks.append({"type": "section", "text": _mrkdwn(f"*{heading}*")})
        previews = [
            f"*{numbered.index(t) + 1}. {escape(t.title)}*\n{escape(choice_now(reply, t))}"
            for t in reply.choices
            if choice_now(reply, t)
        ]
        if previews:
            blocks.extend(_sections("\n".join(previews)))
        blocks.append(_topic_buttons(reply.choices, numbered))
    if reply.contacts and not contacts_first(reply):
        blocks.extend(contacts)
    related = [t for t in reply.related if t not in reply.choices]
    if related:
        blocks.append({"type": "section", "text": _mrkdwn("*More on this*")})
        blocks.append(_topic_buttons(related, numbered))
    if reply.topic is not None and reply.topic.sources:
        links = "\n".join(
            f"• <{s.url.replace('|', '%7C').replace('>', '%3E')}|{escape(s.title)}>"
            if s.url
            else f"• {escape(s.title)}"
            for s in reply.topic.sources
        )
        blocks.extend(_sections(f"*Sources*\n{links}"))
    blocks.extend(_feedback(record_id))
    blocks.append({"type": "context", "elements": [_mrkdwn(escape(reply.privacy_reminder))]})
    return blocks


def to_text(reply: Reply) -> str:
    """The notification and accessibility fallback: the whole reply as plain text (999 first)."""
    return split_text(escape(plain_text(reply)), TEXT_LIMIT)[0]


def home_view(bot: Bot) -> dict[str, Any]:
    """The App Home tab: what the bot does and does not do, how to ask, and every contact."""
    blocks: list[dict[str, Any]] = [
        _header("Safeguarding guidance"),
        {
            "type": "section",
            "text": _mrkdwn(f"{URGENT_MARK} *If a child is in immediate danger, call 999 now.*"),
        },
        {"type": "divider"},
        {"type": "section", "text": _mrkdwn("*What it does*\n" + _bullets(HOME_DOES))},
        {"type": "section", "text": _mrkdwn("*What it does not do*\n" + _bullets(HOME_DOES_NOT))},
        {"type": "section", "text": _mrkdwn("*How to ask*\n" + HOME_HOW)},
        _header("Who to contact"),
    ]
    contacts = "\n\n".join(contact_mrkdwn(c, when=True) for c in bot.knowledge.contacts.values())
    blocks.extend(_sections(contacts)[: MAX_HOME_BLOCKS - len(blocks) - 1])
    blocks.append({"type": "context", "elements": [_mrkdwn(escape(PRIVACY_REMINDER))]})
    return {"type": "home", "blocks": blocks}


def _bullets(lines: Iterable[str]) -> str:
    return "\n".join(f"• {line}" for line in lines)


# --------------------------------------------------------------------------------------------
# Exactly once: a small store of keys seen recently


class KeyStore(Protocol):
    """Keys remembered for a while. A database implementation must make `add` atomic (an
    insert that fails on a duplicate key), so two instances never both claim one event."""

    async def add(self, key: str) -> bool:
        """Remember `key`; True if it was not already remembered (the caller claimed it)."""
        ...

    async def has(self, key: str) -> bool:
        """True if `key` is remembered and not expired."""
        ...


class EventClaims(Protocol):
    """Which instance answers each event. A database implementation must make a claim atomic
    (an insert that fails on a duplicate key), so two instances never both claim one event."""

    async def claim(self, key: str, *, redelivery: bool) -> Claim:
        """Claim one delivery of the event `key`; `redelivery` for Slack's retries."""
        ...

    async def settle(self, key: str, *, urgent: bool) -> bool:
        """For an UNSURE claim: whether to answer after all."""
        ...


class ServiceClaims:
    """Event claims through the chat service, so every instance sharing the database agrees
    which one answers an event (this process's memory decides while the database is away)."""

    def __init__(self, service: ChatService) -> None:
        self._service = service

    async def claim(self, key: str, *, redelivery: bool) -> Claim:
        return await self._service.claim_delivery(key, redelivery=redelivery)

    async def settle(self, key: str, *, urgent: bool) -> bool:
        return await self._service.settle(key, urgent=urgent)


class MemoryKeyStore:
    """A `KeyStore` in this process's memory, with expiry and a bound on its size."""

    def __init__(
        self,
        ttl_seconds: float = SEEN_SECONDS,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._keys = ExpiringKeys(ttl_seconds, max_keys, clock)

    async def add(self, key: str) -> bool:
        return self._keys.add(key)

    async def has(self, key: str) -> bool:
        return self._keys.has(key)


# --------------------------------------------------------------------------------------------
# The Web API client: bounded retries, logs that never hold text


class _WithholdText(logging.Filter):
    """Replaces the message of every SDK log record: bolt and slack_sdk log request bodies,
    which hold what staff typed. The level, logger name and exception type still show."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = "slack sdk log record (message withheld: it may quote what someone typed)"
        record.args = ()
        if record.exc_info and record.exc_info[0] is not None:
            # The type only: the exception's message and traceback may quote a request.
            record.error_type = record.exc_info[0].__name__
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True


SDK_LOGGER = logging.getLogger("safeguarding_bot.slack_sdk")
SDK_LOGGER.addFilter(_WithholdText())
# Clients bolt makes itself, with the SDK's own logger: `respond` posts to the response_url (a
# short-lived capability) and logs that URL at DEBUG, and at INFO when it retries.
SDK_OWN_LOGGERS = ("slack_sdk.webhook.async_client", "slack_sdk.webhook.client")
for _name in SDK_OWN_LOGGERS:
    logging.getLogger(_name).addFilter(_WithholdText())


class RateLimitRetry(AsyncRetryHandler):
    """Retries a 429 after its Retry-After (capped), a bounded number of times."""

    def __init__(
        self,
        max_retry_count: int = RATE_LIMIT_RETRIES,
        max_wait_seconds: float = MAX_RETRY_AFTER_SECONDS,
    ) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait_seconds = max_wait_seconds

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code == 429

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        wait = 1.0
        if response is not None:
            for name, values in response.headers.items():
                if name.lower() == "retry-after" and values:
                    with contextlib.suppress(ValueError):
                        wait = float(values[0])
        state.next_attempt_requested = True
        logs.LOGGER.warning(
            "slack_rate_limited",
            extra={"event": "slack_rate_limited", "retry_after": wait},
        )
        await asyncio.sleep(min(max(wait, 0.0), self.max_wait_seconds))
        state.increment_current_attempt()


def web_client(settings: SlackSettings) -> AsyncWebClient:
    """The Web API client every call goes through: SLACK_API_URL, bounded 429 retries."""
    return AsyncWebClient(
        token=settings.bot_token,
        base_url=settings.api_url,
        logger=SDK_LOGGER,
        retry_handlers=[RateLimitRetry(), AsyncConnectionErrorRetryHandler()],
    )


async def call(method: str, send: Awaitable[Any]) -> bool:
    """Await one Web API (or response_url) call; log a failure without any text, never raise."""
    try:
        await send
    except SlackApiError as error:
        code = error.response.get("error") if hasattr(error.response, "get") else None
        logs.LOGGER.error(
            "slack_call_failed",
            extra={
                "event": "slack_call_failed",
                "method": method,
                "slack_error": code if isinstance(code, str) else None,
                "error_type": type(error).__name__,
            },
        )
        return False
    except (SlackClientError, aiohttp.ClientError, TimeoutError, ValueError) as error:
        logs.LOGGER.error(
            "slack_call_failed",
            extra={
                "event": "slack_call_failed",
                "method": method,
                "error_type": type(error).__name__,
            },
        )
        return False
    return True


# --------------------------------------------------------------------------------------------
# Handlers


def build_bolt_app(
    settings: SlackSettings,
    service: ChatService,
    *,
    seen: EventClaims | None = None,
    threads: KeyStore | None = None,
) -> AsyncApp:
    """The bolt app with every listener: messages, mentions, the slash command, buttons, home."""
    seen = seen if seen is not None else ServiceClaims(service)
    threads = threads if threads is not None else MemoryKeyStore(REMEMBERED_THREADS_SECONDS)
    app = AsyncApp(
        logger=SDK_LOGGER,
        name="safeguarding-bot",
        client=web_client(settings),
        signing_secret=settings.signing_secret,
        request_verification_enabled=bool(settings.signing_secret),
        # Bolt acknowledges before the handler runs, so Slack's 3 seconds always hold.
        process_before_response=False,
    )

    async def once_per_event(
        body: dict[str, Any],
        request: AsyncBoltRequest,
        context: dict[str, Any],
        next: Callable[[], Awaitable[None]],
    ) -> BoltResponse | None:
        """Claim each event id; a retry or a second delivery is acknowledged and dropped. A
        retry nobody can vouch for yet (the database is away) goes on, marked UNSURE: the
        listener settles it before answering, after the acknowledgement."""
        event_id = body.get("event_id")
        signature = request.headers.get("x-slack-signature", [None])[0]
        if not (isinstance(event_id, str) and event_id) and signature:
            # A slash command or a button click has no event id, and Slack never resends one:
            # the same signed request twice is a replay (accepted for five minutes by the
            # signature check), so it is dropped.
            if await seen.claim(f"signed:{signature}", redelivery=False) is Claim.SEEN:
                logs.LOGGER.info(
                    "slack_duplicate_dropped",
                    extra={"event": "slack_duplicate_dropped", "retry_num": None},
                )
                return BoltResponse(status=200, body="")
        elif isinstance(event_id, str) and event_id:
            retry = request.headers.get("x-slack-retry-num", [None])[0]
            key = f"event:{event_id}"
            claim = await seen.claim(key, redelivery=retry is not None)
            if claim is Claim.SEEN:
                logs.LOGGER.info(
                    "slack_duplicate_dropped",
                    extra={"event": "slack_duplicate_dropped", "retry_num": retry},
                )
                return BoltResponse(status=200, body="")
            if claim is Claim.UNSURE:
                context[UNSURE_CLAIM] = key
        await next()
        return None

    app.middleware(once_per_event)

    async def settled(context: dict[str, Any], question: Question) -> bool:
        """Whether to answer: False only for a retry another instance turned out to have
        answered (decided after the database returned)."""
        key = context.get(UNSURE_CLAIM)
        if not isinstance(key, str):
            return True
        urgent = service.bot.answer(question).urgent
        answer = await seen.settle(key, urgent=urgent)
        if not answer:
            logs.LOGGER.info(
                "slack_duplicate_dropped",
                extra={"event": "slack_duplicate_dropped", "status": "settled"},
            )
        return answer

    async def post_reply(
        client: AsyncWebClient, channel: str, answered: Answered, thread_ts: str | None
    ) -> None:
        blocks = to_blocks(answered.reply, answered.record_id)
        kwargs: dict[str, Any] = {"channel": channel, "blocks": blocks}
        if thread_ts:
            kwargs["thread_ts"] = thread_ts
        await call(
            "chat.postMessage", client.chat_postMessage(text=to_text(answered.reply), **kwargs)
        )

    async def respond_ephemeral(respond: Callable[..., Awaitable[Any]], answered: Answered) -> None:
        """Answer through a response_url, so only the person who asked sees it."""
        await call(
            "response_url",
            respond(
                response_type="ephemeral",
                replace_original=False,
                text=to_text(answered.reply),
                blocks=to_blocks(answered.reply, answered.record_id),
            ),
        )

    @app.event("app_mention")
    @service.in_flight.track
    async def on_mention(
        event: dict[str, Any], context: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """A mention in a channel: answer in a thread under the question, never top level."""
        if not is_from_a_person(event) or not isinstance(event.get("channel"), str):
            return
        thread_ts = event.get("thread_ts") or event.get("ts")
        if not isinstance(thread_ts, str):
            return
        await threads.add(f"thread:{event['channel']}:{thread_ts}")
        conversation = conversation_key(event, context, thread_ts)
        question = service.in_conversation(to_question(event), conversation)
        if await settled(context, question):
            answered = service.answer(question, conversation)
            await post_reply(client, event["channel"], answered, thread_ts)

    @app.event("message")
    @service.in_flight.track
    async def on_message(
        event: dict[str, Any], context: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """A direct message, or a reply in a thread where the bot was mentioned earlier."""
        channel = event.get("channel")
        if not is_from_a_person(event) or not isinstance(channel, str):
            return
        thread_ts = event.get("thread_ts")
        if event.get("channel_type") != "im" and not (
            isinstance(thread_ts, str)
            and thread_ts != event.get("ts")
            and not mentions(event, context.get("bot_user_id"))  # app_mention answers those
            and await threads.has(f"thread:{channel}:{thread_ts}")
        ):
            return
        conversation = conversation_key(
            event, context, thread_ts if isinstance(thread_ts, str) else None
        )
        question = service.in_conversation(to_question(event), conversation)
        if await settled(context, question):
            answered = service.answer(question, conversation)
            await post_reply(client, channel, answered, thread_ts)

    @app.command("/safeguarding")
    @service.in_flight.track
    async def on_command(
        ack: Callable[..., Awaitable[Any]],
        command: dict[str, Any],
        respond: Callable[..., Awaitable[Any]],
    ) -> None:
        """`/safeguarding QUESTION`: acknowledged at once, answered so only the asker sees it."""
        await ack()
        conversation = conversation_key(command, {}, "command")
        question = service.in_conversation(to_question(command), conversation)
        answered = service.answer(question, conversation)
        await respond_ephemeral(respond, answered)

    @app.action(re.compile(f"^{re.escape(TOPIC_ACTION)}"))
    @service.in_flight.track
    async def on_topic(
        ack: Callable[..., Awaitable[Any]],
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        respond: Callable[..., Awaitable[Any]],
    ) -> None:
        """A topic button: answer that topic in the same thread (or ephemerally, if the
        button was on an ephemeral answer)."""
        await ack()
        topic_id = action.get("value")
        if not isinstance(topic_id, str):
            return
        answered = service.answer(Question(text="", channel=CHANNEL, chosen_topic=topic_id))
        message = body.get("message")
        channel = (body.get("channel") or {}).get("id")
        if not isinstance(message, dict) or not isinstance(channel, str):
            await respond_ephemeral(respond, answered)
            return
        thread_ts = message.get("thread_ts")
        if not thread_ts and not channel.startswith("D"):
            thread_ts = message.get("ts")  # in a channel, never at the top level
        await post_reply(client, channel, answered, thread_ts)

    @app.action(re.compile(f"^{re.escape(FEEDBACK_ACTION)}"))
    @service.in_flight.track
    async def on_feedback(
        ack: Callable[..., Awaitable[Any]],
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        respond: Callable[..., Awaitable[Any]],
    ) -> None:
        """'Was this helpful?': keep the vote against the kept reply; thank."""
        await ack()
        record_id = action.get("value")
        helpful = action.get("action_id") == f"{FEEDBACK_ACTION}yes"
        if isinstance(record_id, str) and RECORD_ID.fullmatch(record_id):
            await service.feedback(record_id, helpful)
        if body.get("response_url"):
            await call(
                "response_url",
                respond(response_type="ephemeral", replace_original=False, text=THANKS),
            )
            return
        channel = (body.get("channel") or {}).get("id")
        user = (body.get("user") or {}).get("id")
        if isinstance(channel, str) and isinstance(user, str):
            await call(
                "chat.postEphemeral",
                client.chat_postEphemeral(channel=channel, user=user, text=THANKS),
            )

    @app.event("app_home_opened")
    @service.in_flight.track
    async def on_home(event: dict[str, Any], client: AsyncWebClient) -> None:
        """The App Home tab: what the bot does and does not do, and the contacts."""
        user = event.get("user")
        if event.get("tab", "home") != "home" or not isinstance(user, str):
            return
        await call("views.publish", client.views_publish(user_id=user, view=home_view(service.bot)))

    return app


# --------------------------------------------------------------------------------------------
# HTTP: POST /slack/events on the one aiohttp app


def events_handler(
    bolt: AsyncApp, signing_secret: str
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """The aiohttp handler for `POST /slack/events`: signature and body checked before bolt sees
    the request, so bad input is a 4xx and never a 500. The app has already read the body,
    within its size and time limits (413 and 408: `adapters.app`)."""
    verifier = SignatureVerifier(signing_secret)

    async def handle(request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            signed = verifier.is_valid(
                body=raw,
                timestamp=request.headers.get("X-Slack-Request-Timestamp"),
                signature=request.headers.get("X-Slack-Signature"),
            )
        except ValueError:  # a timestamp that is not a number
            signed = False
        if not signed:
            return web.json_response({"error": "invalid request signature"}, status=401)
        try:
            bolt_request = AsyncBoltRequest(
                body=raw.decode("utf-8"),
                query=request.query_string,
                headers=dict(request.headers),
            )
        except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError):
            return web.json_response({"error": "the body is not a Slack request"}, status=400)
        if not isinstance(bolt_request.body, dict):
            return web.json_response({"error": "the body is not a Slack request"}, status=400)
        retry = request.headers.get("X-Slack-Retry-Num")
        if retry is not None:
            logs.LOGGER.info(
                "slack_retry_received", extra={"event": "slack_retry_received", "retry_num": retry}
            )
        response = await bolt.async_dispatch(bolt_request)
        if response.status == 404:
            # An event or action type no listener handles: acknowledged, ignored.
            return web.Response(status=200)
        return await to_aiohttp_response(response)

    return handle


SLACK_APP_KEY = web.AppKey("slack_app", AsyncApp)


def mount(app: web.Application, settings: SlackSettings, service: ChatService) -> None:
    """Add Slack to the aiohttp app when it is configured: `POST /slack/events` with a signing
    secret, and a Socket Mode connection (opened and closed with the app) with an app token."""
    if not settings.enabled:
        return
    bolt = build_bolt_app(settings, service)
    app[SLACK_APP_KEY] = bolt
    app.cleanup_ctx.append(_shared_session(bolt))
    if settings.events_api:
        app.router.add_post(EVENTS_PATH, events_handler(bolt, settings.signing_secret))
    if settings.socket_mode:
        app.cleanup_ctx.append(_socket_mode(bolt, settings))


def _shared_session(bolt: AsyncApp) -> Callable[[web.Application], AsyncIterator[None]]:
    """One HTTP session (and its kept-alive connections) for every Web API call, opened and
    closed with the app; without it the SDK opens a new connection for each call."""

    async def session(app: web.Application) -> AsyncIterator[None]:
        async with aiohttp.ClientSession() as shared:
            bolt.client.session = shared
            yield
            bolt.client.session = None

    return session


def _socket_mode(
    bolt: AsyncApp, settings: SlackSettings
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def connect(app: web.Application) -> AsyncIterator[None]:
        # Imported here: only a Socket Mode deployment needs the WebSocket client.
        from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

        handler = AsyncSocketModeHandler(
            bolt, settings.app_token, logger=SDK_LOGGER, web_client=bolt.client
        )
        await handler.connect_async()  # type: ignore[no-untyped-call]
        logs.LOGGER.info("slack_socket_mode_connected", extra={"event": "slack_socket_mode"})
        try:
            yield
        finally:
            await handler.close_async()  # type: ignore[no-untyped-call]

    return connect
