"""Microsoft Teams: botbuilder's CloudAdapter at `POST /api/messages`, Adaptive Card replies.

Every botbuilder and botframework import lives in this module. The Bot Framework SDK for Python
is archived upstream; moving to the Microsoft 365 Agents SDK must stay a one-module change.

The path of one Teams message: the connector posts an Activity with a signed token; the body is
checked here (400 when it is not an Activity), the token by the SDK behind `CleanAuthentication`
(401 for every bad token), `to_question` strips the bot's @mentions, `Bot.answer` replies and
`to_card` renders the reply, sent back to the activity's serviceUrl (in the question's thread in
channels) with bounded retries.
"""

from __future__ import annotations

import asyncio
import copy
import html
import ipaddress
import json
import re
import time
import types
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp
from aiohttp import web
from botbuilder.core import (
    ActivityHandler,
    CardFactory,
    MessageFactory,
    TurnContext,
)
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
    ConfigurationServiceClientCredentialFactory,
)
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    AttachmentLayoutTypes,
    ChannelAccount,
    ResourceResponse,
)
from botframework.connector.auth import (
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ServiceClientCredentialsFactory,
)
from multidict import CIMultiDict

from adapters import logs
from adapters.service import ChatService
from adapters.settings import TeamsSettings
from bot import Question, Reply
from bot.compose import (
    ASKED_FOR,
    PRIVACY_REMINDER,
    asked_to_choose,
    choice_now,
    choices_heading,
    contacts_first,
    now_lines,
    offered,
    plain_text,
    reach_line,
)
from bot.models import Contact
from bot.storage import RECORD_ID

CHANNEL = "teams"
MAX_TOPIC_ID_CHARS = 200
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.5"
THANKS = "Thanks: your feedback helps us improve the answers."
WELCOME = (
    "Hello. I give quick guidance on keeping children safe: signs of exploitation (CSE, county "
    "lines, online grooming and sextortion, trafficking, children going missing), what to do "
    "after a disclosure, and who to call.\n\n"
    "What I don't do: I am not a referral route. I don't alert anyone or record a concern, and "
    "I don't replace your designated safeguarding lead (DSL) or your local procedures.\n\n"
    "**If a child is in immediate danger, call 999 now.**\n\n"
    "Ask me here, or @mention me in a channel or group chat.\n\n"
    f"{PRIVACY_REMINDER}"
)
AUTH_OFF = (
    "Teams authentication is OFF (MicrosoftAppId is not set): /api/messages serves only "
    "callers on this machine whose serviceUrl is on this machine (a local emulator). "
    "For local testing only."
)
LOCAL_ONLY = (
    "Teams authentication is off (MicrosoftAppId is not set), so only a local emulator on this "
    "machine may use /api/messages"
)
TEAMS_OFF = (
    "Teams is off: MicrosoftAppId is not set, and production mode never serves "
    "/api/messages without authentication."
)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
SEND_TIMEOUT_SECONDS = 30.0
# How long a token from MSAL's cache is reused before asking MSAL again (which renews it five
# minutes before it expires, so a token reused this long is always still valid).
TOKEN_REUSE_SECONDS = 120.0
ANONYMOUS_SKILL_APP_ID = AuthenticationConstants.ANONYMOUS_SKILL_APP_ID


class AuthenticationUnavailable(Exception):
    """The token could not be checked because the OpenID metadata or keys could not be fetched."""


class KeptConnectors:
    """Connector clients kept for the life of the app, one per (bot, service URL, audience).

    The SDK builds a new client, with its own HTTP session and retry policy, for every message
    and never closes it; building one costs more than answering. Kept clients reuse their
    connections, and are closed once, when the app stops. Replies go out through one aiohttp
    session (`LeanConnector`)."""

    def __init__(self) -> None:
        self._clients: dict[tuple[str, str, str], asyncio.Future[Any]] = {}
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        """The HTTP session replies are sent with (made on first use, in the running loop)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=SEND_TIMEOUT_SECONDS)
            )
        return self._session

    async def get(self, key: tuple[str, str, str], make: Callable[[], Awaitable[Any]]) -> Any:
        """The client for `key`, made once even when many messages arrive at the same time."""
        if key not in self._clients:
            self._clients[key] = asyncio.ensure_future(make())
        try:
            return await asyncio.shield(self._clients[key])
        except Exception:
            self._clients.pop(key, None)  # not kept: the next message tries again
            raise

    def __len__(self) -> int:
        return len(self._clients)

    async def close(self) -> None:
        made, self._clients = list(self._clients.values()), {}
        for future in made:
            if future.done() and not future.exception():
                client = future.result()
                if hasattr(client, "__aexit__"):
                    await client.__aexit__(None, None, None)
        if self._session is not None:
            await self._session.close()
            self._session = None


class ConnectorRefused(Exception):
    """The connector answered a send with an error status (`response.status_code`, and
    `response.headers` for Retry-After), as the SDK's errors carry them."""

    def __init__(self, status: int, headers: Any) -> None:
        super().__init__(f"the connector answered {status}")
        self.response = types.SimpleNamespace(status_code=status, headers=headers)


class ConnectorUnreachable(Exception):
    """The connector could not be reached, or did not answer in time."""


def activity_json(activity: Activity) -> dict[str, Any]:
    """The SDK's JSON of an activity, with each attachment's content (our card: plain JSON
    already) put in as it is. msrest would walk every value of the card, one call each: that
    costs more than finding the answer."""
    attachments = list(activity.attachments or [])
    contents = [attachment.content for attachment in attachments]
    try:
        for attachment in attachments:
            attachment.content = None
        body: dict[str, Any] = activity.serialize()
    finally:
        for attachment, content in zip(attachments, contents, strict=True):
            attachment.content = content
    for serialized, content in zip(body.get("attachments", []), contents, strict=True):
        if content is not None:
            serialized["content"] = content
    return body


class LeanConnector:
    """A kept SDK connector client whose replies are posted with aiohttp, on the event loop.

    The SDK sends with `requests` in a worker thread, after serialising the whole card with
    msrest; both cost more than answering. The request is the SDK's: the same URL, headers and
    JSON, with the bot's token from the same (kept) credentials. Everything else is the SDK
    client's."""

    def __init__(self, inner: Any, connectors: KeptConnectors) -> None:
        self._inner = inner
        self.conversations = _LeanConversations(inner, connectors)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def __aexit__(self, *exc: object) -> None:
        if hasattr(self._inner, "__aexit__"):
            await self._inner.__aexit__(*exc)


class _LeanConversations:
    def __init__(self, inner: Any, connectors: KeptConnectors) -> None:
        self._inner = inner
        self._connectors = connectors
        self._token: tuple[str, float] | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner.conversations, name)

    async def reply_to_activity(
        self, conversation_id: str, activity_id: str, activity: Activity, **_: Any
    ) -> ResourceResponse:
        path = f"v3/conversations/{quote(conversation_id, safe='')}/activities/"
        return await self._post(path + quote(activity_id, safe=""), conversation_id, activity)

    async def send_to_conversation(
        self, conversation_id: str, activity: Activity, **_: Any
    ) -> ResourceResponse:
        path = f"v3/conversations/{quote(conversation_id, safe='')}/activities"
        return await self._post(path, conversation_id, activity)

    async def _authorization(self) -> str | None:
        """ "Bearer <token>" as the SDK's credentials sign a request, or None when they sign
        none (authentication off). The token comes from MSAL's cache (renewed by MSAL before
        it expires); it is asked for in a worker thread, since renewing it is a blocking HTTPS
        call, and reused for at most `TOKEN_REUSE_SECONDS`."""
        credentials = getattr(self._inner.config, "credentials", None)
        app_id = getattr(credentials, "microsoft_app_id", None)
        if credentials is None or not app_id or app_id == ANONYMOUS_SKILL_APP_ID:
            return None
        now = time.monotonic()
        if self._token is None or self._token[1] <= now:
            token = await asyncio.to_thread(credentials.get_access_token)
            self._token = (token, now + TOKEN_REUSE_SECONDS)
        return f"Bearer {self._token[0]}"

    async def _post(self, path: str, conversation_id: str, activity: Activity) -> ResourceResponse:
        url = self._inner.config.base_url.rstrip("/") + "/" + path
        headers = {
            "Accept": "application/json",
            "Content-Type": "application/json; charset=utf-8",
            "x-ms-conversation-id": conversation_id,
        }
        authorization = await self._authorization()
        if authorization is not None:
            headers["Authorization"] = authorization
        data = json.dumps(activity_json(activity)).encode("utf-8")
        try:
            async with self._connectors.session().post(url, data=data, headers=headers) as sent:
                body = await sent.read()
                if sent.status not in (200, 201, 202):
                    raise ConnectorRefused(sent.status, CIMultiDict(sent.headers))
        except (aiohttp.ClientError, TimeoutError) as error:
            raise ConnectorUnreachable(type(error).__name__) from None
        try:
            answer = json.loads(body) if body else {}
        except ValueError:
            answer = {}
        resource = answer.get("id") if isinstance(answer, dict) else None
        return ResourceResponse(id=resource if isinstance(resource, str) else None)


class _KeptConnectorFactory:
    """The SDK's connector factory, answering from `KeptConnectors`."""

    def __init__(self, inner: Any, connectors: KeptConnectors, bot: str) -> None:
        self._inner = inner
        self._connectors = connectors
        self._bot = bot

    async def create(self, service_url: str, audience: str | None = None) -> Any:
        key = (self._bot, service_url, audience or "")

        async def make() -> LeanConnector:
            inner = await self._inner.create(service_url, audience)
            return LeanConnector(inner, self._connectors)

        return await self._connectors.get(key, make)


class CleanAuthentication(BotFrameworkAuthentication):  # type: ignore[misc]
    """The SDK's authentication, refusing every bad token with `PermissionError` (so 401).

    The raw SDK lets a token that is not a JWT, is signed with another key, names an unknown key
    or has expired escape as some other exception (a 500). Network failures fetching the OpenID
    metadata are not the caller's fault: they become `AuthenticationUnavailable` (a 503).

    The Bot Framework sends one token with many activities until it nears expiry, and the SDK
    decodes it four times and checks its RS256 signature for every one: about 0.5 ms of CPU a
    message, a tenth of what a Teams message costs. A check that passed is kept for the same
    token, channel and service URL (everything the SDK's check reads from the request) until
    the token expires, and at most `KEEP_SECONDS` (so a withdrawn signing key stops working
    within that time); a refused token is never kept.
    """

    KEEP_SECONDS = 300.0
    KEEP_AT_MOST = 256

    def __init__(
        self,
        inner: BotFrameworkAuthentication,
        connectors: KeptConnectors,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._inner = inner
        self._connectors = connectors
        self._clock = clock
        self._passed: dict[tuple[str, str, str], tuple[float, Any]] = {}

    async def authenticate_request(self, activity: Activity, auth_header: str) -> Any:
        key = (auth_header or "", str(activity.channel_id), str(activity.service_url))
        now = self._clock()
        kept = self._passed.get(key) if auth_header else None
        if kept is not None and now < kept[0]:
            return copy.copy(kept[1])
        try:
            result = await self._inner.authenticate_request(activity, auth_header or None)
        except PermissionError:
            raise
        except OSError as error:  # requests' errors are OSErrors: metadata or keys unreachable
            raise AuthenticationUnavailable from error
        except Exception as error:  # any other failure to validate is a refused token
            raise PermissionError("the token was refused") from error
        # The connector factory of a request is where the SDK builds its client for replies.
        if getattr(result, "connector_factory", None) is not None:
            result.connector_factory = self._kept(result.connector_factory, result.claims_identity)
        if auth_header:
            self._keep(key, result, now)
        return result

    def _keep(self, key: tuple[str, str, str], result: Any, now: float) -> None:
        """Keep a passed check until the token's expiry (`exp`), at most KEEP_SECONDS."""
        claims = getattr(getattr(result, "claims_identity", None), "claims", None) or {}
        expires = claims.get("exp")
        if isinstance(expires, bool) or not isinstance(expires, int | float) or expires <= now:
            return
        self._passed.pop(key, None)
        while len(self._passed) >= self.KEEP_AT_MOST:
            del self._passed[next(iter(self._passed))]  # the oldest
        self._passed[key] = (min(float(expires), now + self.KEEP_SECONDS), copy.copy(result))

    def _kept(self, factory: Any, claims_identity: Any) -> _KeptConnectorFactory:
        claims = getattr(claims_identity, "claims", None) or {}
        return _KeptConnectorFactory(factory, self._connectors, str(claims.get("aud", "")))

    async def authenticate_streaming_request(self, auth_header: str, channel_id: str) -> Any:
        raise PermissionError("streaming connections are not accepted")

    def create_connector_factory(self, claims_identity: Any) -> Any:
        return self._kept(self._inner.create_connector_factory(claims_identity), claims_identity)

    async def create_user_token_client(self, claims_identity: Any) -> Any:
        # Made per message by the SDK (and costly to make); the bot never uses user tokens, so
        # one per bot is kept.
        claims = getattr(claims_identity, "claims", None) or {}
        key = ("user-token", str(claims.get("aud", "")), "")
        return await self._connectors.get(
            key, lambda: self._inner.create_user_token_client(claims_identity)
        )

    def create_bot_framework_client(self) -> Any:
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> Any:
        return self._inner.get_originating_audience()

    async def authenticate_channel_request(self, auth_header: str) -> Any:
        try:
            return await self._inner.authenticate_channel_request(auth_header)
        except PermissionError:
            raise
        except OSError as error:
            raise AuthenticationUnavailable from error
        except Exception as error:
            raise PermissionError("the token was refused") from error


def sdk_configuration(settings: TeamsSettings) -> types.SimpleNamespace:
    """The configuration object `ConfigurationBotFrameworkAuthentication` reads, by its names."""
    return types.SimpleNamespace(
        APP_ID=settings.app_id,
        APP_PASSWORD=settings.app_password,
        APP_TYPE=settings.app_type,
        APP_TENANTID=settings.tenant_id,
        **dict(settings.bot_framework),
    )


# --- from Teams to the core -------------------------------------------------------------------

_AT = re.compile(r"<at\b[^>]*>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


def _plain(markup: str) -> str:
    """Markup as comparable plain text: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(_TAG.sub(" ", markup)).split()).casefold()


def _bot_mentions(activity: Activity) -> set[str]:
    """The plain text of every mention entity that names the bot (the activity's recipient)."""
    bot_id = activity.recipient.id if activity.recipient else None
    found: set[str] = set()
    for entity in activity.entities or []:
        if str(getattr(entity, "type", "")).lower() != "mention":
            continue
        props = getattr(entity, "additional_properties", None) or {}
        mentioned = props.get("mentioned")
        text = props.get("text")
        if (
            bot_id
            and isinstance(mentioned, dict)
            and mentioned.get("id") == bot_id
            and isinstance(text, str)
        ):
            found.add(_plain(text))
    return found


def message_text(activity: Activity) -> str:
    """The text of a message without the bot's @mentions, markup or HTML entities.

    A mention is the bot's when a mention entity for the bot carries that text, or when its words
    are all words of the bot's name (Teams may split "Safeguarding Bot" into two mentions).
    Other people's mentions keep their text.
    """
    text = activity.text or ""
    mentions = _bot_mentions(activity)
    name = activity.recipient.name if activity.recipient and activity.recipient.name else ""
    name_words = set(_plain(name).split())

    def replace(match: re.Match[str]) -> str:
        inner = _plain(match.group(1))
        words = set(inner.split())
        if inner in mentions or (words and words <= name_words):
            return " "
        return f" {html.unescape(_TAG.sub(' ', match.group(1)))} "

    text = _AT.sub(replace, text)
    text = html.unescape(_TAG.sub(" ", text))
    return " ".join(text.split())


def _submitted(activity: Activity) -> dict[str, Any]:
    value = activity.value
    return value if isinstance(value, dict) else {}


def _topic_id(value: Any) -> str | None:
    if isinstance(value, str) and 0 < len(value) <= MAX_TOPIC_ID_CHARS:
        return value
    return None


def to_question(activity: Activity) -> Question:
    """A Teams message as a `Question`: a card's topic button is answered as that topic."""
    value = _submitted(activity)
    topic = _topic_id(value.get("topic"))
    if value.get("action") == "topic" and topic:
        return Question(text="", channel=CHANNEL, chosen_topic=topic)
    return Question(text=message_text(activity), channel=CHANNEL)


def conversation_key(activity: Activity) -> str:
    """One person's conversation with the bot: a personal chat, or a channel conversation
    (thread). Follow-ups there are read with the messages before them."""
    conversation = activity.conversation.id if activity.conversation else ""
    person = activity.from_property.id if activity.from_property else ""
    return f"teams:{conversation}:{person}"


# --- from the core to Teams -------------------------------------------------------------------


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _heading(text: str) -> dict[str, Any]:
    return _text(text, weight="Bolder", size="Medium", spacing="Medium")


def _topic_buttons(topics: list[tuple[int, str, str]]) -> dict[str, Any]:
    return {
        "type": "ActionSet",
        "actions": [
            {
                "type": "Action.Submit",
                "title": f"{number}. {title}",
                "data": {"action": "topic", "topic": topic_id},
            }
            for number, topic_id, title in topics
        ],
    }


def _facts(contacts: Sequence[Contact], *, when: bool = False) -> list[dict[str, str]]:
    """Contacts as a FactSet's facts: name, how to reach, the example label when fictional;
    with `when`, when to use each."""
    return [
        {
            "title": contact.name,
            "value": f"{reach_line(contact)}\n\nWhen: {' '.join(contact.when.split())}"
            if when and contact.when
            else reach_line(contact),
        }
        for contact in contacts
    ]


def to_card(reply: Reply, record_id: str | None = None) -> dict[str, Any]:
    """A reply as an Adaptive Card: the urgent lead first (attention colour), then the privacy
    warning, the contacts asked for, the answer or notice, choices, contacts, related topics,
    sources, the "Was this helpful?" buttons and the privacy reminder."""
    numbered = offered(reply)
    body: list[dict[str, Any]] = []
    if reply.urgent_lead:
        body.append(
            {
                "type": "Container",
                "style": "attention",
                "items": [
                    _text(line, weight="Bolder", color="Attention") for line in reply.urgent_lead
                ],
            }
        )
    if reply.privacy_warning:
        body.append(_text(reply.privacy_warning, color="Warning", weight="Bolder"))
    if reply.asked_for:
        body.append(_heading(ASKED_FOR))
        body.append(
            {"type": "FactSet", "facts": _facts(reply.asked_for, when=asked_to_choose(reply))}
        )
    contacts = [_heading("Who to contact"), {"type": "FactSet", "facts": _facts(reply.contacts)}]
    if reply.contacts and contacts_first(reply):
        body.extend(contacts)
    if reply.notice:
        body.append(_text(reply.notice))
    if reply.topic is not None:
        body.append(_text(reply.topic.title, weight="Bolder", size="Large"))
        body.extend(_text(line, weight="Bolder") for line in now_lines(reply))
        body.extend(
            _text(part.strip()) for part in reply.topic.answer.split("\n\n") if part.strip()
        )
    if reply.choices:
        heading = choices_heading(reply)
        body.append(_heading(heading))
        for topic in reply.choices:
            if choice_now(reply, topic):
                number = numbered.index(topic) + 1
                body.append(_text(f"{number}. {topic.title}", weight="Bolder"))
                body.append(_text(choice_now(reply, topic)))
        body.append(_topic_buttons([(numbered.index(t) + 1, t.id, t.title) for t in reply.choices]))
    if reply.contacts and not contacts_first(reply):
        body.extend(contacts)
    related = [t for t in reply.related if t not in reply.choices]
    if related:
        body.append(_heading("More on this"))
        body.append(_topic_buttons([(numbered.index(t) + 1, t.id, t.title) for t in related]))
    if reply.topic is not None and reply.topic.sources:
        links = "\n".join(
            f"- [{s.title}]({s.url})" if s.url else f"- {s.title}" for s in reply.topic.sources
        )
        body.append(_text(f"Sources:\n{links}", isSubtle=True, size="Small"))
    if reply.topic is not None:
        body.append(_text("Was this helpful?", spacing="Medium"))
        body.append(
            {
                "type": "ActionSet",
                "actions": [
                    {
                        "type": "Action.Submit",
                        "title": title,
                        "data": {
                            "action": "feedback",
                            "answer": record_id or "",
                            "topic": reply.topic.id,
                            "helpful": helpful,
                        },
                    }
                    for title, helpful in (("Yes", True), ("No", False))
                ],
            }
        )
    body.append(_text(reply.privacy_reminder, isSubtle=True, size="Small", spacing="Medium"))
    return {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "body": body,
        "fallbackText": plain_text(reply),
        "msteams": {"width": "Full"},
    }


class ReplyActivity(Activity):  # type: ignore[misc]
    """A reply whose attachments' content (our card, never changed once made) is shared, not
    copied, when the activity is deep-copied: the SDK deep-copies every activity it sends, and
    copying a whole card value by value costs about as much as matching the question."""

    def __deepcopy__(self, memo: dict[int, Any]) -> ReplyActivity:
        for attachment in self.attachments or []:
            memo[id(attachment.content)] = attachment.content
        copied = self.__class__.__new__(self.__class__)
        memo[id(self)] = copied
        for name, value in self.__dict__.items():
            copied.__dict__[name] = copy.deepcopy(value, memo)
        return copied


def reply_activity(reply: Reply, record_id: str | None = None) -> Activity:
    """The message that carries a reply: the card, with the plain text as its fallback.

    The plain text goes in `summary` (what Bot Framework shows where a card cannot be rendered,
    and in notifications) and the card's `fallbackText`, not in `text`: Teams shows `text` above
    the card, so the whole answer would appear twice.
    """
    activity = ReplyActivity(  # as MessageFactory.attachment makes it
        type=ActivityTypes.message,
        attachment_layout=AttachmentLayoutTypes.list,
        attachments=[CardFactory.adaptive_card(to_card(reply, record_id))],
    )
    activity.summary = plain_text(reply)
    return activity


# --- sending, with bounded retries --------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a send the connector refused for now (429, 5xx)."""

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait after failed attempt `attempt` (1-based): Retry-After when the
        connector gave one, else exponential backoff; never more than `max_delay`."""
        wanted = retry_after if retry_after is not None else self.base_delay * 2 ** (attempt - 1)
        return max(0.0, min(wanted, self.max_delay))


def _status(error: Exception) -> int | None:
    status = getattr(getattr(error, "response", None), "status_code", None)
    return status if isinstance(status, int) else None


def _retry_after(error: Exception) -> float | None:
    headers = getattr(getattr(error, "response", None), "headers", None) or {}
    raw = headers.get("Retry-After") if hasattr(headers, "get") else None
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None


def _retryable(error: Exception) -> bool:
    status = _status(error)
    if status is not None:
        return status in RETRY_STATUSES
    # No HTTP response at all: the connector could not be reached (msrest's ClientRequestError).
    return isinstance(error, ConnectorUnreachable) or type(error).__name__ == "ClientRequestError"


async def send_with_retry(
    turn_context: TurnContext, activity: Activity, policy: RetryPolicy
) -> bool:
    """Send one activity; retry connector errors with bounded backoff. A final failure is logged
    (status and error type only, never text) and swallowed, so the bot stays up."""
    for attempt in range(1, policy.attempts + 1):
        try:
            await turn_context.send_activity(activity)
            return True
        except Exception as error:
            if attempt < policy.attempts and _retryable(error):
                await asyncio.sleep(policy.delay(attempt, _retry_after(error)))
                continue
            logs.LOGGER.error(
                "send_failed",
                extra={
                    "event": "send_failed",
                    "channel": CHANNEL,
                    "status": _status(error),
                    "error_type": type(error).__name__,
                    "attempts": attempt,
                },
            )
            return False
    return False


class CachedCredentials(ServiceClientCredentialsFactory):  # type: ignore[misc]
    """The bot's outbound credentials, made once per (app id, scope, login endpoint) and kept.

    The SDK makes new credentials for every message, each with an empty token cache, so every
    reply would fetch a new token from the authority, with a blocking call on the event loop.
    Kept credentials keep MSAL's token cache, which renews the token only when it expires."""

    def __init__(self, inner: ServiceClientCredentialsFactory) -> None:
        self._inner = inner
        self._made: dict[tuple[str, str, str, bool], Any] = {}

    async def is_valid_app_id(self, app_id: str) -> bool:
        return bool(await self._inner.is_valid_app_id(app_id))

    async def is_authentication_disabled(self) -> bool:
        return bool(await self._inner.is_authentication_disabled())

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> Any:
        key = (app_id, oauth_scope, login_endpoint, validate_authority)
        if key not in self._made:
            self._made[key] = await self._inner.create_credentials(
                app_id, oauth_scope, login_endpoint, validate_authority
            )
        return self._made[key]


# --- the bot ----------------------------------------------------------------------------------


class TeamsBot(ActivityHandler):  # type: ignore[misc]
    """Answers messages and card submits, records feedback, welcomes once when added."""

    def __init__(self, service: ChatService, retry: RetryPolicy) -> None:
        super().__init__()
        self._service = service
        self._retry = retry

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        value = _submitted(turn_context.activity)
        if value.get("action") == "feedback":
            await self._feedback(turn_context, value)
            return
        conversation = conversation_key(turn_context.activity)
        question = self._service.in_conversation(to_question(turn_context.activity), conversation)
        answered = self._service.answer(question, conversation)
        activity = reply_activity(answered.reply, answered.record_id)
        await send_with_retry(turn_context, activity, self._retry)

    async def _feedback(self, turn_context: TurnContext, value: dict[str, Any]) -> None:
        record_id = value.get("answer")
        helpful = value.get("helpful")
        # Only a well-formed record id is used: a crafted submit must not smuggle text anywhere.
        if (
            isinstance(record_id, str)
            and RECORD_ID.fullmatch(record_id)
            and isinstance(helpful, bool)
        ):
            await self._service.feedback(record_id, helpful)
        await send_with_retry(turn_context, MessageFactory.text(THANKS), self._retry)

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        recipient = turn_context.activity.recipient
        bot_id = recipient.id if recipient else None
        if bot_id and any(member.id == bot_id for member in members_added or []):
            logs.LOGGER.info("welcomed", extra={"event": "welcomed", "channel": CHANNEL})
            await send_with_retry(turn_context, MessageFactory.text(WELCOME), self._retry)


async def _on_turn_error(turn_context: TurnContext, error: Exception) -> None:
    # The type only: an exception's message may quote what was typed.
    logs.LOGGER.error(
        "turn_failed",
        extra={"event": "turn_failed", "channel": CHANNEL, "error_type": type(error).__name__},
    )


# --- the HTTP endpoint --------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamsEndpoint:
    """What `POST /api/messages` needs: the SDK's adapter and the bot."""

    adapter: Any
    bot: TeamsBot
    authenticated: bool
    connectors: KeptConnectors


TEAMS_KEY = web.AppKey("teams", TeamsEndpoint)


def parse_activity(body: Any) -> Activity | None:
    """The Activity in a request body, or None when the body is not one."""
    if not isinstance(body, dict):
        return None
    kind, service_url = body.get("type"), body.get("serviceUrl")
    conversation = body.get("conversation")
    if not isinstance(kind, str) or not kind:
        return None
    if not isinstance(service_url, str) or urlsplit(service_url).scheme not in ("http", "https"):
        return None
    if not isinstance(conversation, dict) or not isinstance(conversation.get("id"), str):
        return None
    try:
        return Activity().deserialize(body)
    except Exception:  # the SDK's DeserializationError: a field of the wrong type
        return None


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def local_emulator(remote: str | None, service_url: str | None) -> bool:
    """Whether a request may be served without authentication: it comes from this machine and
    its replies go back to this machine, as from the Bot Framework Emulator."""
    return _is_loopback(remote) and _is_loopback(urlsplit(service_url or "").hostname)


def _refused(status: int, error: str) -> web.Response:
    logs.LOGGER.warning("refused", extra={"event": "refused", "channel": CHANNEL, "status": status})
    return web.json_response({"error": error}, status=status)


async def messages(request: web.Request) -> web.StreamResponse:
    """`POST /api/messages`: one activity from the Bot Framework connector."""
    endpoint = request.app[TEAMS_KEY]
    try:
        body = json.loads(await request.read())
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: deep nesting
        return _refused(400, "the body must be a JSON Bot Framework Activity")
    activity = parse_activity(body)
    if activity is None:
        return _refused(400, "the body must be a JSON Bot Framework Activity")
    if not endpoint.authenticated and not local_emulator(request.remote, activity.service_url):
        # Without a token to check, the bot would post wherever serviceUrl says: anyone who can
        # reach the endpoint could make it send requests to any address it can reach.
        return _refused(403, LOCAL_ONLY)
    header = request.headers.get("Authorization", "")
    try:
        invoke = await endpoint.adapter.process_activity(header, activity, endpoint.bot.on_turn)
    except PermissionError:
        return _refused(401, "unauthorized")
    except AuthenticationUnavailable:
        return _refused(503, "cannot check the token now; try again")
    if invoke is not None:
        return web.json_response(invoke.body, status=invoke.status)
    return web.Response(status=200)


def create_endpoint(
    settings: TeamsSettings,
    *,
    service: ChatService,
    retry: RetryPolicy | None = None,
) -> TeamsEndpoint:
    """The SDK's CloudAdapter, configured from the settings, and the bot behind it."""
    configuration = sdk_configuration(settings)
    connectors = KeptConnectors()
    authentication = CleanAuthentication(
        ConfigurationBotFrameworkAuthentication(
            configuration,
            credentials_factory=CachedCredentials(
                ConfigurationServiceClientCredentialFactory(configuration)
            ),
        ),
        connectors,
    )
    adapter = CloudAdapter(authentication)
    adapter.on_turn_error = _on_turn_error
    bot = TeamsBot(service, retry or RetryPolicy())
    return TeamsEndpoint(
        adapter=adapter, bot=bot, authenticated=settings.authenticated, connectors=connectors
    )


def setup(
    app: web.Application,
    settings: TeamsSettings,
    *,
    production: bool,
    service: ChatService,
) -> None:
    """Add `POST /api/messages` to the app, and announce at start how Teams is authenticated.

    Without MicrosoftAppId, authentication is off: served in development (with a warning at
    start), never in production.
    """
    if production and not settings.authenticated:
        app.cleanup_ctx.append(_announce_off)
        return
    app[TEAMS_KEY] = create_endpoint(settings, service=service)
    app.router.add_post("/api/messages", messages)
    app.cleanup_ctx.append(_announce)


async def _announce(app: web.Application) -> AsyncIterator[None]:
    if app[TEAMS_KEY].authenticated:
        logs.LOGGER.info("teams_ready", extra={"event": "teams_ready", "path": "/api/messages"})
    else:
        logs.LOGGER.warning(AUTH_OFF, extra={"event": "teams_auth_off", "path": "/api/messages"})
    yield
    await app[TEAMS_KEY].connectors.close()


async def _announce_off(app: web.Application) -> AsyncIterator[None]:
    logs.LOGGER.warning(TEAMS_OFF, extra={"event": "teams_off"})
    yield
