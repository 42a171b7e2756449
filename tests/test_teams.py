"""Microsoft Teams through the real CloudAdapter over HTTP on 127.0.0.1.

A fake Bot Framework (tests/teams_peer.py) serves OpenID metadata and keys for the tokens these
tests sign, an HTTPS authority that issues the bot's outbound token, and the connector the bot
replies to.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import struct
import subprocess
import sys
import time
import zipfile
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import jwt
import pytest
from aiohttp.test_utils import TestClient
from botbuilder.schema import Activity

from adapters.app import create_app
from adapters.logs import JsonFormatter
from adapters.recording import RECORDER_KEY
from adapters.settings import Settings, SettingsError, TeamsSettings
from adapters.teams import (
    TEAMS_KEY,
    RetryPolicy,
    local_emulator,
    message_text,
    to_card,
    to_question,
)
from bot import Bot, Question
from bot.compose import CALL_999, EXAMPLE_LABEL, PRIVACY_REMINDER, PRIVACY_WARNING, plain_text
from bot.models import Outcome
from tests.conftest import ROOT, run_app
from tests.teams_peer import (
    APP_ID,
    APP_PASSWORD,
    OUTBOUND_TOKEN,
    Peer,
    new_key,
    self_signed_certificate,
)

T = TypeVar("T")
BOT_ID = f"28:{APP_ID}"
CARD = "application/vnd.microsoft.card.adaptive"


@pytest.fixture(scope="session")
def signing_key() -> Any:
    return new_key()


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path_factory.mktemp("teams-peer"))


@pytest.fixture
def peer(
    signing_key: Any, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Peer]:
    # MSAL (through requests) must trust the peer's self-signed certificate.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(certificate[0]))
    with Peer(signing_key=signing_key, cert=certificate) as running:
        yield running


def activity(peer: Peer, text: str = "who is the lado", **changes: Any) -> dict[str, Any]:
    """A personal-chat message as Teams sends it."""
    body: dict[str, Any] = {
        "type": "message",
        "id": "1700000000001",
        "channelId": "msteams",
        "serviceUrl": peer.service_url,
        "from": {"id": "29:staff", "name": "A member of staff"},
        "recipient": {"id": BOT_ID, "name": "Safeguarding Bot"},
        "conversation": {"id": "a:personal-chat", "conversationType": "personal"},
        "text": text,
    }
    body.update(changes)
    return body


def with_app(
    bot: Bot, env: dict[str, str], use: Callable[[TestClient[Any, Any]], Awaitable[T]]
) -> T:
    """Start the real app (built from `env`) on a loopback port, run `use` against it, stop it."""

    return run_app(lambda: create_app(Settings.from_env(env), bot), use, timeout=60)


def post(body: Any, token: str | None = None) -> Callable[[TestClient[Any, Any]], Awaitable[int]]:
    """A `use` that posts one activity (with `Bearer token` when given) and returns the status."""

    async def use(client: TestClient[Any, Any]) -> int:
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        data = body if isinstance(body, bytes) else json.dumps(body)
        response = await client.post("/api/messages", data=data, headers=headers)
        return response.status

    return use


def card_of(sent: dict[str, Any]) -> dict[str, Any]:
    attachments = sent["attachments"]
    assert attachments[0]["contentType"] == CARD
    content: dict[str, Any] = attachments[0]["content"]
    return content


def texts(card: dict[str, Any]) -> list[str]:
    """Every TextBlock's text in a card, in order, containers included."""
    found: list[str] = []
    for element in card["body"]:
        if element["type"] == "TextBlock":
            found.append(element["text"])
        for item in element.get("items", []):
            found.append(item["text"])
    return found


def buttons(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for e in card["body"] if e["type"] == "ActionSet" for a in e["actions"]]


# --- settings ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"MicrosoftAppId": APP_ID}, "MicrosoftAppPassword"),
        ({"MicrosoftAppPassword": "secret"}, "MicrosoftAppId"),
        ({"MicrosoftAppTenantId": "tenant"}, "MicrosoftAppId"),
        (
            {
                "MicrosoftAppId": APP_ID,
                "MicrosoftAppPassword": "p",
                "MicrosoftAppType": "SingleTenant",
            },
            "MicrosoftAppTenantId",
        ),
        (
            {"MicrosoftAppId": APP_ID, "MicrosoftAppType": "UserAssignedMSI"},
            "MicrosoftAppTenantId",
        ),
        (
            {"TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL": "https://example.org/openid"},
            "TO_CHANNEL_FROM_BOT_LOGIN_URL",
        ),
    ],
    ids=[
        "no-password",
        "no-app-id",
        "tenant-only",
        "single-no-tenant",
        "msi-no-tenant",
        "endpoints",
    ],
)
def test_half_configured_teams_names_the_missing_variable(
    env: dict[str, str], missing: str
) -> None:
    """A half-set Teams configuration is refused with the name of what is missing."""
    with pytest.raises(SettingsError, match=missing):
        TeamsSettings.from_env(env)


def test_unknown_app_type_is_refused() -> None:
    """MicrosoftAppType must be MultiTenant, SingleTenant or UserAssignedMSI."""
    with pytest.raises(SettingsError, match="MicrosoftAppType"):
        TeamsSettings.from_env({"MicrosoftAppId": APP_ID, "MicrosoftAppType": "Everyone"})


def test_bot_framework_settings_pass_through_to_the_sdk(peer: Peer) -> None:
    """Every endpoint setting the SDK reads passes through under its own name; the password is
    kept out of `repr`."""
    teams = TeamsSettings.from_env(peer.environment())
    passed = dict(teams.bot_framework)
    assert passed["TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL"] == peer.openid_url
    assert passed["TO_CHANNEL_FROM_BOT_LOGIN_URL"] == peer.authority
    assert passed["VALIDATE_AUTHORITY"] is False
    assert teams.app_type == "MultiTenant"
    assert APP_PASSWORD not in repr(teams)


# --- answering ------------------------------------------------------------------------------------


def test_message_is_answered_with_a_card_carrying_the_bots_token(
    shipped_bot: Bot, peer: Peer
) -> None:
    """A signed personal message is answered with an Adaptive Card sent to the serviceUrl,
    authenticated with the token the bot got from the authority."""
    status = with_app(shipped_bot, peer.environment(), post(activity(peer), peer.token()))
    assert status == 200
    [sent] = peer.sent
    assert sent.authorization == f"Bearer {OUTBOUND_TOKEN}"
    assert peer.token_requests[0]["client_id"] == APP_ID
    assert "Local authority designated officer (LADO)" in json.dumps(card_of(sent.activity))


def test_the_bots_token_is_fetched_once_for_many_replies(shipped_bot: Bot, peer: Peer) -> None:
    """Replies reuse the bot's token until it expires, instead of asking the authority (with a
    blocking call) for every message."""

    async def use(client: TestClient[Any, Any]) -> list[int]:
        return [await post(activity(peer, id=f"m{n}"), peer.token())(client) for n in range(3)]

    assert with_app(shipped_bot, peer.environment(), use) == [200, 200, 200]
    assert len(peer.sent) == 3
    assert len(peer.token_requests) == 1


def test_connector_clients_are_made_once_for_many_messages(shipped_bot: Bot, peer: Peer) -> None:
    """Replies to one service URL share one kept connector client (the SDK would build a new
    one, with its own HTTP session, for every message)."""

    async def use(client: TestClient[Any, Any]) -> int:
        for n in range(3):
            assert await post(activity(peer, id=f"c{n}"), peer.token())(client) == 200
        return len(client.server.app[TEAMS_KEY].connectors)

    assert with_app(shipped_bot, peer.environment(), use) == 2  # the connector and user tokens
    assert len(peer.sent) == 3


def test_reply_carries_the_plain_text_fallback(shipped_bot: Bot, peer: Peer) -> None:
    """The reply's summary and the card's fallbackText hold the whole reply as plain text."""
    with_app(shipped_bot, peer.environment(), post(activity(peer), peer.token()))
    sent = peer.sent[0].activity
    reply = shipped_bot.answer(Question("who is the lado"))
    assert sent["summary"] == plain_text(reply)
    assert card_of(sent)["fallbackText"] == plain_text(reply)


def test_channel_question_is_answered_in_its_thread(shipped_bot: Bot, peer: Peer) -> None:
    """In a channel, the reply goes to the question's thread (reply-to the question's id)."""
    thread = "19:abc@thread.tacv2;messageid=1700000000001"
    body = activity(
        peer,
        text="<at>Safeguarding Bot</at> who is the lado",
        conversation={"id": thread, "conversationType": "channel"},
    )
    with_app(shipped_bot, peer.environment(), post(body, peer.token()))
    [sent] = peer.sent
    assert sent.path.endswith("/activities/1700000000001")
    assert sent.activity["replyToId"] == "1700000000001"
    assert sent.activity["conversation"]["id"] == thread


def test_follow_up_is_read_with_the_message_before_in_the_same_chat(
    shipped_bot: Bot, peer: Peer
) -> None:
    """Each message alone is calm; together they describe a missing 14-year-old with known
    exploiters, so the follow-up starts with 999. Someone else's chat is not read with it."""
    missing = "LAC missing again"
    with_exploiters = "she's 14 and we think shes with adults known for exploitation"
    elsewhere = {"id": "a:another-chat", "conversationType": "personal"}

    async def use(client: TestClient[Any, Any]) -> None:
        for body in (
            activity(peer, text=missing, id="f1"),
            activity(peer, text=with_exploiters, id="f2", conversation=elsewhere),
            activity(peer, text=with_exploiters, id="f3"),
        ):
            assert await post(body, peer.token())(client) == 200

    with_app(shipped_bot, peer.environment(), use)
    first, other, follow_up = (sent.activity for sent in peer.sent)
    assert not texts(card_of(first))[0].startswith(CALL_999)
    assert not texts(card_of(other))[0].startswith(CALL_999)
    assert texts(card_of(follow_up))[0].startswith(CALL_999)


def test_card_topic_submit_is_answered_as_that_topic(shipped_bot: Bot, peer: Peer) -> None:
    """A topic button's submit (value with a topic id) gets that topic's answer."""
    body = activity(peer, text="", value={"action": "topic", "topic": "whistleblowing"})
    with_app(shipped_bot, peer.environment(), post(body, peer.token()))
    assert "NSPCC Whistleblowing Advice Line" in json.dumps(card_of(peer.sent[0].activity))


def test_feedback_vote_reaches_storage_and_is_thanked(shipped_bot: Bot, peer: Peer) -> None:
    """A "Was this helpful?" submit on an answer keeps the vote against that answer's record,
    and says thanks."""

    async def use(client: TestClient[Any, Any]) -> Any:
        question = activity(peer, text="who is the lado")
        assert await post(question, peer.token())(client) == 200
        [no] = [
            b["data"]
            for b in buttons(card_of(peer.sent[0].activity))
            if b["data"]["action"] == "feedback" and b["data"]["helpful"] is False
        ]
        vote = activity(peer, text="", id="vote-1", value=no)
        assert await post(vote, peer.token())(client) == 200
        storage = client.server.app[RECORDER_KEY].storage
        return await asyncio.to_thread(storage.activity, 1)

    kept = with_app(shipped_bot, peer.environment(), use)
    assert list(kept.feedback) == [("allegations-lado", False, 1)]
    assert peer.sent[1].activity["text"].startswith("Thanks")


def test_welcome_is_sent_once_when_the_bot_is_added(shipped_bot: Bot, peer: Peer) -> None:
    """When the bot is added, one welcome says what it does and does not do, and the privacy
    reminder."""
    body = activity(
        peer,
        type="conversationUpdate",
        text=None,
        membersAdded=[{"id": "29:staff"}, {"id": BOT_ID}],
    )
    with_app(shipped_bot, peer.environment(), post(body, peer.token()))
    [sent] = peer.sent
    assert "not a referral route" in sent.activity["text"]
    assert PRIVACY_REMINDER in sent.activity["text"]


def test_no_welcome_when_someone_else_is_added(shipped_bot: Bot, peer: Peer) -> None:
    """A person joining a conversation the bot is already in gets no welcome."""
    body = activity(peer, type="conversationUpdate", text=None, membersAdded=[{"id": "29:new"}])
    status = with_app(shipped_bot, peer.environment(), post(body, peer.token()))
    assert (status, peer.sent) == (200, [])


def test_unknown_activity_type_is_accepted_and_ignored(shipped_bot: Bot, peer: Peer) -> None:
    """An activity type the bot does not handle gets 200 and no reply."""
    body = activity(peer, type="somethingNew")
    status = with_app(shipped_bot, peer.environment(), post(body, peer.token()))
    assert (status, peer.sent) == (200, [])


# --- mentions ------------------------------------------------------------------------------------


def _message(text: str, mentions: list[tuple[str, str]] = ()) -> Activity:  # type: ignore[assignment]
    entities = [
        {"type": "mention", "text": t, "mentioned": {"id": i, "name": "x"}} for t, i in mentions
    ]
    return Activity().deserialize(
        {
            "type": "message",
            "text": text,
            "recipient": {"id": BOT_ID, "name": "Safeguarding Bot"},
            "entities": entities,
        }
    )


@pytest.mark.parametrize(
    ("text", "mentions"),
    [
        ("<at>Safeguarding Bot</at> what is cse", [("<at>Safeguarding Bot</at>", BOT_ID)]),
        (
            "<at>Safeguarding</at> <at>Bot</at> what is cse",
            [("<at>Safeguarding</at>", BOT_ID), ("<at>Bot</at>", BOT_ID)],
        ),
        ("<at>Safeguarding&nbsp;Bot</at>&nbsp;what is cse", []),
        ("<at>SafeBot</at> what is cse", [("<at>SafeBot</at>", BOT_ID)]),
        ("<p><at>Safeguarding Bot</at> what&nbsp;is <b>cse</b></p>", []),
    ],
    ids=["one-mention", "split-name", "html-entities", "renamed-bot", "html-markup"],
)
def test_bot_mentions_and_markup_are_stripped(text: str, mentions: list[tuple[str, str]]) -> None:
    """Every @mention of the bot, split names and HTML entities included, is removed."""
    assert message_text(_message(text, mentions)) == "what is cse"


def test_other_peoples_mentions_keep_their_text() -> None:
    """A mention of someone else stays in the question as plain text."""
    activity_ = _message(
        "<at>Safeguarding Bot</at> ask <at>Sam Lee</at>",
        [("<at>Safeguarding Bot</at>", BOT_ID), ("<at>Sam Lee</at>", "29:sam")],
    )
    assert to_question(activity_).text == "ask Sam Lee"


# --- rendering -----------------------------------------------------------------------------------


def test_urgent_lead_comes_first_in_the_card(shipped_bot: Bot) -> None:
    """When a message is urgent, the card opens with 999 in the attention style."""
    reply = shipped_bot.answer(Question("she's just told me her uncle is hurting her"))
    first = to_card(reply)["body"][0]
    assert first["style"] == "attention"
    assert first["items"][0]["text"] == CALL_999


def test_privacy_warning_comes_right_after_the_urgent_lead(shipped_bot: Bot) -> None:
    """A privacy warning is the first thing after the urgent lead."""
    reply = dataclasses.replace(
        shipped_bot.answer(Question("she's just told me her uncle is hurting her")),
        privacy_warning=PRIVACY_WARNING,
    )
    assert to_card(reply)["body"][1]["text"] == PRIVACY_WARNING


def test_card_labels_example_contacts_in_the_facts(shipped_bot: Bot) -> None:
    """Example contacts carry the example label in the contacts FactSet."""
    card = to_card(shipped_bot.answer(Question("who is the lado")))
    [facts] = [e["facts"] for e in card["body"] if e["type"] == "FactSet"]
    lado = next(f for f in facts if f["title"] == "Local authority designated officer (LADO)")
    assert EXAMPLE_LABEL in lado["value"]


def test_choices_are_submit_buttons_with_topic_ids(shipped_bot: Bot) -> None:
    """Each offered choice is an Action.Submit button carrying its topic id."""
    topics = list(shipped_bot.knowledge.topics.values())[:2]
    reply = dataclasses.replace(
        shipped_bot.answer(Question("")), outcome=Outcome.AMBIGUOUS, choices=tuple(topics)
    )
    submitted = [b["data"].get("topic") for b in buttons(to_card(reply))]
    assert [t.id for t in reply.choices] == submitted[: len(reply.choices)]
    assert all(b["type"] == "Action.Submit" for b in buttons(to_card(reply)))


def test_answer_card_asks_was_this_helpful(shipped_bot: Bot) -> None:
    """An answered topic ends with Yes/No feedback buttons and the privacy reminder."""
    card = to_card(shipped_bot.answer(Question("who is the lado")))
    feedback = [b["data"] for b in buttons(card) if b["data"]["action"] == "feedback"]
    assert [f["helpful"] for f in feedback] == [True, False]
    assert "Was this helpful?" in texts(card)
    assert texts(card)[-1] == PRIVACY_REMINDER
    assert card["version"] == "1.5"


# --- token checks kept ---------------------------------------------------------------------------


@pytest.fixture
def token_decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every token the SDK decodes (PyJWT's `decode`, which the SDK calls to check one)."""
    decoded: list[str] = []
    real = jwt.decode

    def counting(token: str, *args: Any, **kwargs: Any) -> Any:
        decoded.append(token)
        return real(token, *args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counting)
    return decoded


def test_a_token_that_passed_is_not_checked_again_for_the_next_messages(
    shipped_bot: Bot, peer: Peer, token_decodes: list[str]
) -> None:
    """The Bot Framework sends one token with many activities; its signature is checked for
    the first, not again for each one after (about 0.5 ms of CPU a message)."""
    token = peer.token()

    async def use(client: TestClient[Any, Any]) -> tuple[list[int], int, int]:
        first = await post(activity(peer, id="k0"), token)(client)
        checked = len(token_decodes)
        rest = [await post(activity(peer, id=f"k{n}"), token)(client) for n in range(1, 4)]
        return [first, *rest], checked, len(token_decodes)

    statuses, after_first, after_all = with_app(shipped_bot, peer.environment(), use)
    assert statuses == [200, 200, 200, 200]
    assert after_first > 0 and after_all == after_first
    assert len(peer.sent) == 4


def test_a_passed_token_from_another_service_url_is_checked_again_and_refused(
    shipped_bot: Bot, peer: Peer
) -> None:
    """A kept check holds only for the service URL the token names: the same token on an
    activity from elsewhere is checked afresh, and refused."""
    token = peer.token()

    async def use(client: TestClient[Any, Any]) -> list[int]:
        good = await post(activity(peer, id="s0"), token)(client)
        moved = activity(peer, id="s1", serviceUrl="http://127.0.0.1:1/")
        return [good, await post(moved, token)(client)]

    assert with_app(shipped_bot, peer.environment(), use) == [200, 401]
    assert len(peer.sent) == 1


def test_a_kept_check_ends_when_the_token_expires(
    shipped_bot: Bot, peer: Peer, token_decodes: list[str]
) -> None:
    """After the token's expiry the SDK checks it again (it allows some clock skew itself)."""
    token = peer.token(expires_in=1)
    expires = jwt.decode(token, options={"verify_signature": False})["exp"]

    async def use(client: TestClient[Any, Any]) -> tuple[int, int, int]:
        first = await post(activity(peer, id="e0"), token)(client)
        checked = len(token_decodes)
        while time.time() <= expires + 0.05:  # bounded: the token expires within 1 s
            await asyncio.sleep(0.05)
        second = await post(activity(peer, id="e1"), token)(client)
        return first, second, len(token_decodes) - checked

    first, second, checks_after = with_app(shipped_bot, peer.environment(), use)
    assert (first, second) == (200, 200)
    assert checks_after > 0


def test_a_refused_token_is_checked_every_time(
    shipped_bot: Bot, peer: Peer, token_decodes: list[str]
) -> None:
    """Only checks that passed are kept: a bad token is refused again on every activity."""
    token = peer.token(key=new_key())

    async def use(client: TestClient[Any, Any]) -> tuple[list[int], int, int]:
        first = await post(activity(peer, id="r0"), token)(client)
        checked = len(token_decodes)
        second = await post(activity(peer, id="r1"), token)(client)
        return [first, second], checked, len(token_decodes)

    statuses, after_first, after_second = with_app(shipped_bot, peer.environment(), use)
    assert statuses == [401, 401]
    assert after_second > after_first


# --- bad input -----------------------------------------------------------------------------------

BAD_TOKENS: dict[str, Callable[[Peer], str | None]] = {
    "missing-header": lambda peer: None,
    "not-a-jwt": lambda peer: "not.a-jwt",
    "wrong-signing-key": lambda peer: peer.token(key=new_key()),
    "unknown-key-id": lambda peer: peer.token(kid="someone-elses-key"),
    "expired": lambda peer: peer.token(expires_in=-3600),
    "wrong-audience": lambda peer: peer.token(audience="another-bot"),
    "wrong-issuer": lambda peer: peer.token(issuer="https://issuer.example.org"),
    "wrong-serviceurl": lambda peer: peer.token(service_url="http://127.0.0.1:1/"),
}


@pytest.mark.parametrize("case", list(BAD_TOKENS))
def test_bad_token_is_refused_with_401(shipped_bot: Bot, peer: Peer, case: str) -> None:
    """Every bad token is a 401 (not a 500) and the bot sends nothing."""
    status = with_app(shipped_bot, peer.environment(), post(activity(peer), BAD_TOKENS[case](peer)))
    assert (status, peer.sent) == (401, [])


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[" * 100_000 + b"]" * 100_000,
        [1, 2],
        {"text": "no type"},
        {"type": "message", "conversation": {"id": "a"}},
        {"type": "message", "serviceUrl": "http://127.0.0.1:1/", "conversation": "a"},
        {
            "type": "message",
            "serviceUrl": "http://127.0.0.1:1/",
            "conversation": {"id": "a"},
            "timestamp": "yesterday",
        },
    ],
    ids=[
        "malformed",
        "nested-too-deep",
        "not-an-object",
        "no-type",
        "no-service-url",
        "bad-conversation",
        "bad-field",
    ],
)
def test_body_that_is_not_an_activity_is_refused_with_400(
    shipped_bot: Bot, peer: Peer, body: Any
) -> None:
    """A body that is not a Bot Framework Activity is a 400, before any token is checked."""
    assert with_app(shipped_bot, peer.environment(), post(body, peer.token())) == 400


# --- connector errors ---------------------------------------------------------------------------


def test_throttled_send_is_retried(shipped_bot: Bot, peer: Peer) -> None:
    """A 429 then a 503 from the connector are retried, honouring Retry-After; the reply lands."""
    peer.fail_with = [(429, {"Retry-After": "1"}), (503, {"Retry-After": "0"})]
    status = with_app(shipped_bot, peer.environment(), post(activity(peer), peer.token()))
    assert (status, peer.attempts, len(peer.sent)) == (200, 3, 1)
    first, second, _ = peer.attempt_times
    assert second - first >= 0.9  # it waited as told


def test_send_that_keeps_failing_is_logged_and_the_bot_stays_up(
    shipped_bot: Bot, peer: Peer, caplog: pytest.LogCaptureFixture
) -> None:
    """After bounded retries a failed send is logged without text; the bot still answers."""
    attempts = RetryPolicy().attempts
    peer.fail_with = [(503, {"Retry-After": "0"})] * attempts

    async def use(client: TestClient[Any, Any]) -> tuple[int, int]:
        first = await post(activity(peer, text="my pupil Jayden told me"), peer.token())(client)
        second = await post(activity(peer), peer.token())(client)
        return first, second

    with caplog.at_level(logging.INFO):
        assert with_app(shipped_bot, peer.environment(), use) == (200, 200)
    [failed] = [r for r in caplog.records if getattr(r, "event", "") == "send_failed"]
    assert (failed.__dict__["status"], failed.__dict__["attempts"]) == (503, attempts)
    assert len(peer.sent) == 1
    lines = [JsonFormatter().format(record) for record in caplog.records]
    assert all("Jayden" not in line and "pupil" not in line for line in lines)


def test_backoff_is_bounded() -> None:
    """Backoff doubles from the base delay, honours Retry-After, and never exceeds the cap."""
    policy = RetryPolicy(attempts=4, base_delay=0.5, max_delay=8.0)
    assert [policy.delay(n, None) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]
    assert policy.delay(1, 3600) == 8.0
    assert policy.delay(1, 0) == 0.0


# --- authentication off -------------------------------------------------------------------------


def test_without_app_id_authentication_is_off_and_said_loudly(
    shipped_bot: Bot, peer: Peer, caplog: pytest.LogCaptureFixture
) -> None:
    """With no MicrosoftAppId, an unsigned activity is answered and a warning says auth is off."""
    with caplog.at_level(logging.INFO):
        status = with_app(shipped_bot, {}, post(activity(peer)))
    assert status == 200
    assert peer.sent[0].authorization == ""
    [warning] = [r for r in caplog.records if getattr(r, "event", "") == "teams_auth_off"]
    assert warning.levelno == logging.WARNING


def test_without_app_id_a_reply_address_off_this_machine_is_refused(
    shipped_bot: Bot, peer: Peer
) -> None:
    """With authentication off nothing vouches for serviceUrl, and the bot posts its reply
    there: an activity asking it to reply anywhere but this machine is refused, so no one who
    can reach the endpoint can make the bot send requests to other addresses."""
    body = activity(peer, serviceUrl="http://metadata.invalid/internal?x=1#")
    status = with_app(shipped_bot, {}, post(body))
    assert (status, peer.sent) == (403, [])


@pytest.mark.parametrize(
    ("remote", "service_url", "allowed"),
    [
        ("127.0.0.1", "http://127.0.0.1:3978/", True),
        ("::1", "http://localhost:50000", True),
        ("127.0.0.1", "http://[::1]:50000/", True),
        ("203.0.113.7", "http://127.0.0.1:3978/", False),  # a caller elsewhere
        ("127.0.0.1", "http://169.254.169.254/latest/", False),  # a cloud metadata service
        ("127.0.0.1", "http://10.0.0.5/admin", False),
        ("127.0.0.1", "https://smba.trafficmanager.net/uk/", False),
        (None, "http://127.0.0.1/", False),
        ("127.0.0.1", None, False),
    ],
)
def test_only_a_local_emulator_is_served_without_authentication(
    remote: str | None, service_url: str | None, allowed: bool
) -> None:
    """Without MicrosoftAppId, the caller and the reply address must both be this machine."""
    assert local_emulator(remote, service_url) is allowed


def test_production_never_serves_teams_without_authentication(shipped_bot: Bot, peer: Peer) -> None:
    """In production mode without MicrosoftAppId, /api/messages is not served at all."""
    status = with_app(shipped_bot, {"SAFEGUARDING_MODE": "production"}, post(activity(peer)))
    assert (status, peer.sent) == (404, [])


# --- the app package -----------------------------------------------------------------------------


def test_teams_package_holds_the_filled_manifest_and_icons(tmp_path: Path) -> None:
    """`teams/package.py` zips manifest.json (placeholders filled) and the 192 and 32 px icons
    at the root of the archive."""
    out = tmp_path / "teams.zip"
    env = {
        "PATH": "/usr/bin:/bin",
        "MicrosoftAppId": APP_ID,
        "TEAMS_ORGANISATION": "Northmoor Council",
        "TEAMS_WEBSITE_URL": "https://example.org/safeguarding",
    }
    subprocess.run(
        [sys.executable, str(ROOT / "teams" / "package.py"), str(out)],
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        sizes = {
            name: struct.unpack(">II", archive.read(name)[16:24])
            for name in ("color.png", "outline.png")
        }
    assert manifest["bots"][0]["botId"] == APP_ID
    assert "{{" not in json.dumps(manifest)
    assert sizes == {"color.png": (192, 192), "outline.png": (32, 32)}


def test_teams_package_names_a_missing_variable(tmp_path: Path) -> None:
    """Without MicrosoftAppId the package is not built and the message names the variable."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "teams" / "package.py"), str(tmp_path / "teams.zip")],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, "MicrosoftAppId" in result.stderr) == (2, True)
