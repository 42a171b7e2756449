"""The Slack adapter: the real bolt `AsyncApp` on the real aiohttp app, over HTTP on 127.0.0.1,
driven by requests signed with the signing secret, against a fake Slack Web API (tests/slack_peer)
that records what the bot sent."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml
from aiohttp.test_utils import TestClient, TestServer

from adapters import slack
from adapters.app import create_app
from adapters.logs import JsonFormatter
from adapters.recording import RECORDER_KEY
from adapters.settings import Settings, SettingsError, SlackSettings
from bot import Bot, Question
from bot.compose import CALL_999, EXAMPLE_LABEL, PRIVACY_REMINDER, PRIVACY_WARNING
from tests.conftest import SHIPPED
from tests.slack_peer import (
    BOT_ID,
    BOT_USER_ID,
    Scripted,
    SlackPeer,
    event_body,
    payload_body,
    signed_headers,
    slash_command,
)

T = TypeVar("T")
SECRET = "test-signing-secret"
URGENT = "she's just told me her uncle is hurting her"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Slack:
    """The running app and the fake Slack it talks to."""

    client: TestClient[Any, Any]
    peer: SlackPeer

    async def post(
        self,
        body: bytes,
        *,
        content_type: str = JSON,
        secret: str = SECRET,
        timestamp: int | None = None,
        extra: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        headers = signed_headers(body, secret, timestamp=timestamp, content_type=content_type)
        headers.update(extra or {})
        # A large body goes as a stream: aiohttp warns about big raw bytes.
        data = io.BytesIO(body) if len(body) > 512 * 1024 else body
        response = await self.client.post("/slack/events", data=data, headers=headers)
        return response.status, await response.text()

    async def event(self, event: dict[str, Any], event_id: str = "Ev0001", **kw: Any) -> int:
        status, _ = await self.post(event_body(event, event_id), **kw)
        return status


def with_slack(bot: Bot, use: Callable[[Slack], Awaitable[T]]) -> T:
    """Start the fake Slack and the real app (Slack configured to use it), run `use`, stop."""

    async def run() -> T:
        async with SlackPeer() as peer:
            settings = Settings(
                slack=SlackSettings(
                    bot_token="xoxb-test", signing_secret=SECRET, api_url=peer.api_url
                )
            )
            server = TestServer(create_app(settings, bot), host="127.0.0.1")
            async with TestClient(server) as client:
                return await asyncio.wait_for(use(Slack(client, peer)), timeout=30)

    return asyncio.run(run())


def dm(
    text: str, user: str = "U0001", ts: str = "1700000000.000100", **more: Any
) -> dict[str, Any]:
    return {
        "type": "message",
        "channel_type": "im",
        "channel": "D0001",
        "user": user,
        "text": text,
        "ts": ts,
        **more,
    }


def mention(text: str, ts: str = "1700000000.000200", **more: Any) -> dict[str, Any]:
    return {
        "type": "app_mention",
        "channel": "C0001",
        "user": "U0001",
        "text": f"<@{BOT_USER_ID}> {text}",
        "ts": ts,
        **more,
    }


def in_thread(text: str, ts: str, thread_ts: str) -> dict[str, Any]:
    """A message in a channel thread, with no mention of the bot."""
    return {
        "type": "message",
        "channel_type": "channel",
        "channel": "C0001",
        "user": "U0001",
        "text": text,
        "ts": ts,
        "thread_ts": thread_ts,
    }


def block_text(blocks: list[dict[str, Any]]) -> str:
    """All the text in some blocks, in order."""
    out: list[str] = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        for element in block.get("elements", []):
            text = element.get("text")
            out.append(text["text"] if isinstance(text, dict) else str(text))
    return "\n".join(out)


def as_blocks(value: Any) -> list[dict[str, Any]]:
    """Blocks as the SDK sent them (a list in JSON, or a JSON string in a form)."""
    return json.loads(value) if isinstance(value, str) else list(value)


async def barrier(s: Slack, already: int = 0) -> None:
    """Send a good DM and wait for its answer: anything sent before it has been handled."""
    assert await s.event(dm("who is the lado", channel="D0BARRIER"), "EvBARRIER") == 200
    await s.peer.wait_for("chat.postMessage", count=already + 1)


# ---------------------------------------------------------------------------------------------
# Settings


def test_slack_is_off_without_any_slack_variable() -> None:
    """With no Slack variable set, Slack is off and `/slack/events` does not exist."""
    assert not Settings.from_env({}).slack.enabled
    app = create_app(Settings(), Bot.from_directory(SHIPPED))
    assert all(
        r.resource is None or r.resource.canonical != "/slack/events" for r in app.router.routes()
    )


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_APP_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN"),
    ],
    ids=["token-without-secret", "secret-without-token", "app-token-without-token"],
)
def test_half_configured_slack_names_the_missing_variable(
    env: dict[str, str], missing: str
) -> None:
    """A token without a secret (or the reverse) is a SettingsError naming what is missing."""
    with pytest.raises(SettingsError, match=missing):
        Settings.from_env(env)


def test_slack_settings_read_all_four_variables_and_hide_secrets() -> None:
    """The four variables are read; SLACK_API_URL defaults to Slack; secrets are not in repr."""
    settings = Settings.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-secret-token",
            "SLACK_SIGNING_SECRET": "signing-secret-value",
            "SLACK_APP_TOKEN": "xapp-secret-app",
        }
    ).slack
    assert settings.events_api and settings.socket_mode
    assert settings.api_url == "https://slack.com/api/"
    assert "secret" not in repr(settings)
    custom = Settings.from_env(
        {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "SLACK_API_URL": "http://h/x"}
    ).slack
    assert custom.api_url == "http://h/x/" and custom.socket_mode and not custom.events_api


def test_malformed_slack_api_url_is_refused() -> None:
    """SLACK_API_URL must be an http(s) URL; the error names the variable."""
    with pytest.raises(SettingsError, match="SLACK_API_URL"):
        Settings.from_env(
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": "slack"}
        )


# ---------------------------------------------------------------------------------------------
# Translation and rendering


def test_to_question_strips_mentions_links_and_formatting() -> None:
    """Mentions, link markup, channel references, emphasis and entities are removed."""
    event = {
        "text": "<@U012AB3CD> *who* is the <https://x.org/lado|LADO> in <#C024BE7LR|general> "
        "&amp; _when_ do I call? <!here>"
    }
    question = slack.to_question(event)
    assert question.text == "who is the LADO in #general & when do I call?"
    assert question.channel == "slack"


def test_blocks_put_the_urgent_lead_first_then_the_privacy_warning(shipped_bot: Bot) -> None:
    """Urgent: the first block is the 999 instruction, marked; the privacy warning follows it."""
    reply = dataclasses.replace(
        shipped_bot.answer(Question(URGENT)), privacy_warning=PRIVACY_WARNING
    )
    blocks = slack.to_blocks(reply)
    assert CALL_999 in blocks[0]["text"]["text"]
    assert blocks[0]["text"]["text"].startswith(slack.URGENT_MARK)
    assert blocks[1]["type"] == "divider"
    assert blocks[2]["text"]["text"].startswith(slack.WARNING_MARK)
    assert "identifying details" in blocks[2]["text"]["text"]
    assert slack.to_text(reply).startswith("! " + CALL_999)


def test_long_answers_split_at_sentence_ends_never_mid_sentence() -> None:
    """Text over a section's 3,000 characters is split between sentences, losing nothing."""
    sentences = [
        f"Sentence number {i} says something useful about safeguarding." for i in range(120)
    ]
    text = " ".join(sentences)
    pieces = slack.split_text(text)
    assert len(pieces) > 1
    assert all(len(p) <= slack.SECTION_LIMIT for p in pieces)
    assert all(p.endswith("safeguarding.") for p in pieces)
    assert " ".join(pieces) == text


def test_every_shipped_topic_renders_within_block_kit_limits(shipped_bot: Bot) -> None:
    """Every topic's reply fits Block Kit: 50 blocks, 3,000-character sections, 75-char buttons,
    150-char headers, unique action ids, and example contacts labelled."""
    for topic_id in shipped_bot.knowledge.topics:
        reply = shipped_bot.answer(Question("", chosen_topic=topic_id))
        blocks = slack.to_blocks(reply)
        assert len(blocks) <= slack.MAX_BLOCKS
        ids: list[str] = []
        for block in blocks:
            if block["type"] == "section":
                assert 0 < len(block["text"]["text"]) <= slack.SECTION_LIMIT
            if block["type"] == "header":
                assert len(block["text"]["text"]) <= slack.HEADER_LIMIT
            if block["type"] == "actions":
                for button in block["elements"]:
                    assert len(button["text"]["text"]) <= slack.BUTTON_TEXT_LIMIT
                    ids.append(button["action_id"])
        assert len(ids) == len(set(ids))
        text = block_text(blocks)
        for contact in reply.contacts:
            if contact.example:
                assert f"*{contact.name}*" in text.replace("&amp;", "&")
        if any(c.example for c in reply.contacts):
            assert EXAMPLE_LABEL in text
        assert blocks[-1] == {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": PRIVACY_REMINDER}],
        }


# ---------------------------------------------------------------------------------------------
# Answering over HTTP


def test_direct_message_is_answered_in_the_dm_with_blocks_and_text(shipped_bot: Bot) -> None:
    """A DM gets one chat.postMessage in that DM: Block Kit, a text fallback, contacts."""

    async def use(s: Slack) -> list[Any]:
        assert await s.event(dm("who is the lado")) == 200
        return await s.peer.wait_for("chat.postMessage")

    [call] = with_slack(shipped_bot, use)
    assert call.params["channel"] == "D0001"
    assert call.token == "xoxb-test"
    text = block_text(as_blocks(call.params["blocks"]))
    assert "Who to contact" in text and "LADO" in text
    assert "LADO" in call.params["text"]
    assert "Was this helpful?" in text


def test_urgent_message_is_answered_with_999_first(shipped_bot: Bot) -> None:
    """A message describing a child in danger gets the 999 instruction as its first block."""

    async def use(s: Slack) -> list[Any]:
        await s.event(dm(URGENT))
        return await s.peer.wait_for("chat.postMessage")

    [call] = with_slack(shipped_bot, use)
    blocks = as_blocks(call.params["blocks"])
    assert CALL_999 in blocks[0]["text"]["text"]
    assert call.params["text"].startswith("! " + CALL_999)


def test_mention_in_a_channel_is_answered_in_a_thread_under_it(shipped_bot: Bot) -> None:
    """An app_mention is answered in a thread under the question, never at the top level."""

    async def use(s: Slack) -> list[Any]:
        assert await s.event(mention(URGENT, ts="1700000000.000300")) == 200
        return await s.peer.wait_for("chat.postMessage")

    [call] = with_slack(shipped_bot, use)
    assert call.params["channel"] == "C0001"
    assert call.params["thread_ts"] == "1700000000.000300"


def test_reply_in_a_thread_where_the_bot_was_mentioned_is_answered(shipped_bot: Bot) -> None:
    """After a mention, a later message in the same thread (no mention) is answered there;
    a message in another thread is not."""

    async def use(s: Slack) -> list[Any]:
        await s.event(mention("who is the lado", ts="1700000000.000400"), "Ev1")
        await s.peer.wait_for("chat.postMessage", count=1)
        follow = in_thread("and what about out of hours?", "1700000000.000500", "1700000000.000400")
        elsewhere = {**follow, "ts": "1700000000.000600", "thread_ts": "1700000000.000001"}
        await s.event(elsewhere, "Ev2")
        await s.event(follow, "Ev3")
        await s.peer.wait_for("chat.postMessage", count=2)
        await barrier(s, already=2)
        return s.peer.made("chat.postMessage")

    calls = with_slack(shipped_bot, use)
    assert [c.params.get("thread_ts") for c in calls[:2]] == ["1700000000.000400"] * 2
    assert len(calls) == 3


MISSING = "LAC missing again"
WITH_EXPLOITERS = "she's 14 and we think shes with adults known for exploitation"


def test_follow_up_in_a_dm_is_read_with_the_message_before(shipped_bot: Bot) -> None:
    """Each message alone is calm; together they describe a missing 14-year-old with known
    exploiters, so the second reply starts with 999. Another person's DM is not read with it."""

    async def use(s: Slack) -> list[Any]:
        await s.event(dm(MISSING, ts="1700000000.000700"), "Ev1")
        await s.peer.wait_for("chat.postMessage", count=1)
        await s.event(dm(WITH_EXPLOITERS, user="U0002", channel="D0002"), "Ev2")
        await s.peer.wait_for("chat.postMessage", count=2)
        await s.event(dm(WITH_EXPLOITERS, ts="1700000000.000800"), "Ev3")
        return await s.peer.wait_for("chat.postMessage", count=3)

    first, other, follow_up = with_slack(shipped_bot, use)
    assert not first.params["text"].startswith("! " + CALL_999)
    assert not other.params["text"].startswith("! " + CALL_999)
    assert follow_up.params["channel"] == "D0001"
    assert follow_up.params["text"].startswith("! " + CALL_999)


def test_follow_up_in_a_thread_is_read_with_the_mention_before(shipped_bot: Bot) -> None:
    async def use(s: Slack) -> list[Any]:
        await s.event(mention(MISSING, ts="1700000000.000900"), "Ev1")
        await s.peer.wait_for("chat.postMessage", count=1)
        await s.event(in_thread(WITH_EXPLOITERS, "1700000000.001000", "1700000000.000900"), "Ev2")
        return await s.peer.wait_for("chat.postMessage", count=2)

    _, follow_up = with_slack(shipped_bot, use)
    assert follow_up.params["thread_ts"] == "1700000000.000900"
    assert follow_up.params["text"].startswith("! " + CALL_999)


@pytest.mark.parametrize(
    "event",
    [
        dm("who is the lado", user=BOT_USER_ID, bot_id=BOT_ID),
        dm("who is the lado", bot_id="B0OTHER", subtype="bot_message"),
        dm("who is the lado", subtype="message_changed"),
        dm("", subtype="message_deleted"),
    ],
    ids=["own-message", "other-bot", "edit", "deletion"],
)
def test_bot_messages_edits_and_deletions_are_ignored(
    shipped_bot: Bot, event: dict[str, Any]
) -> None:
    """The bot's own messages, other bots', edits and deletions are acknowledged, not answered."""

    async def use(s: Slack) -> list[Any]:
        assert await s.event(event, "EvIGNORED") == 200
        await barrier(s)
        return s.peer.made("chat.postMessage")

    [call] = with_slack(shipped_bot, use)
    assert call.params["channel"] == "D0BARRIER"


def test_slash_command_is_acknowledged_and_answered_ephemerally(shipped_bot: Bot) -> None:
    """`/safeguarding QUESTION` gets an empty 200 at once, then an ephemeral answer posted to
    the command's response_url."""

    async def use(s: Slack) -> tuple[int, str, list[Any]]:
        body = slash_command("who is the lado", s.peer.response_url())
        status, text = await s.post(body, content_type=FORM)
        return status, text, await s.peer.wait_for("response_url")

    status, text, [call] = with_slack(shipped_bot, use)
    assert (status, text) == (200, "")
    assert call.params["response_type"] == "ephemeral"
    assert "LADO" in block_text(call.params["blocks"])


def test_a_replayed_slash_command_is_answered_once(shipped_bot: Bot) -> None:
    """Slack never resends a slash command; the same signed request twice (a replay within the
    five minutes the signature allows) is acknowledged and dropped. A new command is answered."""

    async def use(s: Slack) -> list[Any]:
        url = s.peer.response_url()
        stamp = int(time.time())
        body = slash_command("who is the lado", url)
        first = await s.post(body, content_type=FORM, timestamp=stamp)
        await s.peer.wait_for("response_url")
        again = await s.post(body, content_type=FORM, timestamp=stamp)
        await s.post(slash_command("what is cse", url), content_type=FORM, timestamp=stamp)
        assert first[0] == again[0] == 200
        return await s.peer.wait_for("response_url", count=2)

    first, second = with_slack(shipped_bot, use)
    assert "LADO" in block_text(first.params["blocks"])
    assert "LADO" not in block_text(second.params["blocks"])  # the new command, not the replay


def test_topic_button_answers_that_topic_in_the_same_thread(shipped_bot: Bot) -> None:
    """Clicking a topic button posts that topic's answer in the thread the button was in."""

    async def use(s: Slack) -> list[Any]:
        payload = {
            "type": "block_actions",
            "user": {"id": "U0001"},
            "team": {"id": "T0001"},
            "channel": {"id": "C0001"},
            "message": {"ts": "1700000000.000900", "thread_ts": "1700000000.000800"},
            "container": {"type": "message", "channel_id": "C0001"},
            "response_url": s.peer.response_url(),
            "trigger_id": "1.2.3",
            "api_app_id": "A0001",
            "actions": [
                {
                    "type": "button",
                    "action_id": "topic:whistleblowing",
                    "block_id": "b1",
                    "value": "whistleblowing",
                    "action_ts": "1700000001.0",
                }
            ],
        }
        status, _ = await s.post(payload_body(payload), content_type=FORM)
        assert status == 200
        return await s.peer.wait_for("chat.postMessage")

    [call] = with_slack(shipped_bot, use)
    assert call.params["thread_ts"] == "1700000000.000800"
    assert "NSPCC Whistleblowing Advice Line" in block_text(as_blocks(call.params["blocks"]))


def test_feedback_button_vote_reaches_storage_and_is_thanked(shipped_bot: Bot) -> None:
    """'Was this helpful?' -> No on an answer: the vote is kept against that answer's record,
    and the person is thanked ephemerally."""

    async def use(s: Slack) -> tuple[list[Any], Any]:
        assert await s.event(dm("who is the lado"), "EvFEEDBACK") == 200
        [answer] = await s.peer.wait_for("chat.postMessage")
        [no] = [
            element
            for block in as_blocks(answer.params["blocks"])
            if block.get("block_id") == "feedback"
            for element in block["elements"]
            if element["action_id"] == "feedback:no"
        ]
        payload = {
            "type": "block_actions",
            "user": {"id": "U0001"},
            "team": {"id": "T0001"},
            "channel": {"id": "D0001"},
            "message": {"ts": "1700000000.000900"},
            "response_url": s.peer.response_url(),
            "trigger_id": "1.2.3",
            "api_app_id": "A0001",
            "actions": [
                {
                    "type": "button",
                    "action_id": "feedback:no",
                    "block_id": "feedback",
                    "value": no["value"],
                    "action_ts": "1700000001.0",
                }
            ],
        }
        status, _ = await s.post(payload_body(payload), content_type=FORM)
        assert status == 200
        thanks = await s.peer.wait_for("response_url")
        storage = s.client.server.app[RECORDER_KEY].storage
        return thanks, await asyncio.to_thread(storage.activity, 1)

    [call], activity = with_slack(shipped_bot, use)
    assert call.params["response_type"] == "ephemeral"
    assert call.params["text"].startswith("Thanks")
    assert list(activity.feedback) == [("allegations-lado", False, 1)]


def test_app_home_explains_the_bot_and_lists_the_contacts(shipped_bot: Bot) -> None:
    """Opening the App Home publishes a home view: 999 first, what it does and does not do,
    and every contact, example contacts labelled."""

    async def use(s: Slack) -> list[Any]:
        event = {"type": "app_home_opened", "user": "U0001", "channel": "D0001", "tab": "home"}
        assert await s.event(event) == 200
        return await s.peer.wait_for("views.publish")

    [call] = with_slack(shipped_bot, use)
    assert call.params["user_id"] == "U0001"
    view = call.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["type"] == "home"
    assert len(view["blocks"]) <= slack.MAX_HOME_BLOCKS
    text = block_text(view["blocks"])
    assert text.index("call 999 now") < text.index("What it does")
    assert "What it does not do" in text and "not a referral route" in text
    assert EXAMPLE_LABEL in text
    for contact in shipped_bot.knowledge.contacts.values():
        assert contact.name.replace("&", "&amp;") in text


def test_url_verification_challenge_is_answered(shipped_bot: Bot) -> None:
    """Slack's signed url_verification request gets its challenge back (app set-up)."""

    async def use(s: Slack) -> tuple[int, str]:
        body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "t"})
        return await s.post(body.encode())

    status, text = with_slack(shipped_bot, use)
    assert status == 200 and "abc123" in text


# ---------------------------------------------------------------------------------------------
# Exactly once


def test_retried_event_is_answered_once(shipped_bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    """Slack's retry of an event (same event_id, X-Slack-Retry-Num) is acknowledged with 200
    and not answered again."""

    async def use(s: Slack) -> tuple[int, list[Any]]:
        assert await s.event(dm("who is the lado"), "EvSAME") == 200
        status = await s.event(
            dm("who is the lado"),
            "EvSAME",
            extra={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
        )
        await barrier(s, already=1)
        return status, s.peer.made("chat.postMessage")

    with caplog.at_level(logging.INFO):
        status, calls = with_slack(shipped_bot, use)
    assert status == 200
    assert [c.params["channel"] for c in calls] == ["D0001", "D0BARRIER"]
    assert any(getattr(r, "event", None) == "slack_duplicate_dropped" for r in caplog.records)


def test_memory_key_store_claims_once_and_forgets_after_expiry() -> None:
    """The in-memory store claims a key once, and lets it be claimed again after expiry."""
    now = [0.0]
    store = slack.MemoryKeyStore(ttl_seconds=60, clock=lambda: now[0])

    async def run() -> list[bool]:
        first, second = await store.add("e1"), await store.add("e1")
        now[0] = 61
        return [first, second, await store.has("e1"), await store.add("e1")]

    assert asyncio.run(run()) == [True, False, False, True]


# ---------------------------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize(
    "how",
    ["wrong-secret", "missing-signature", "stale-timestamp", "garbage-timestamp"],
)
def test_bad_signatures_get_401_and_nothing_is_answered(shipped_bot: Bot, how: str) -> None:
    """A bad, missing or stale signature is a 401, and the event is never answered."""

    async def use(s: Slack) -> tuple[int, list[Any]]:
        body = event_body(dm(URGENT), "EvBAD")
        if how == "wrong-secret":
            status, _ = await s.post(body, secret="not-the-secret")
        elif how == "stale-timestamp":
            status, _ = await s.post(body, timestamp=int(time.time()) - 10 * 60)
        elif how == "garbage-timestamp":
            headers = signed_headers(body, SECRET, content_type=JSON)
            headers["X-Slack-Request-Timestamp"] = "yesterday"
            response = await s.client.post("/slack/events", data=body, headers=headers)
            status = response.status
        else:
            response = await s.client.post(
                "/slack/events", data=body, headers={"Content-Type": JSON}
            )
            status = response.status
        await barrier(s)
        return status, s.peer.made("chat.postMessage")

    status, calls = with_slack(shipped_bot, use)
    assert status == 401
    assert [c.params["channel"] for c in calls] == ["D0BARRIER"]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"type": "event_callback", "event": ', JSON),
        (b"[1, 2, 3]", JSON),
        (b"[" * 100_000 + b"]" * 100_000, JSON),
        (b"payload=%7Bnot+json", FORM),
    ],
    ids=["truncated-json", "json-array", "nested-too-deep", "bad-payload-field"],
)
def test_malformed_signed_body_gets_400(shipped_bot: Bot, body: bytes, content_type: str) -> None:
    """A correctly signed body that is not a Slack request is a 400, not a 500."""

    async def use(s: Slack) -> int:
        status, _ = await s.post(body, content_type=content_type)
        return status

    assert with_slack(shipped_bot, use) == 400


def test_body_over_one_mebibyte_gets_413(shipped_bot: Bot) -> None:
    """A body over 1 MiB is refused with 413 before anything reads it as an event."""

    async def use(s: Slack) -> int:
        status, _ = await s.post(event_body(dm("a" * (1024 * 1024 + 10))))
        return status

    assert with_slack(shipped_bot, use) == 413


def test_unknown_event_type_gets_200_and_is_ignored(shipped_bot: Bot) -> None:
    """An event type the bot does not handle is acknowledged (200) and nothing is posted."""

    async def use(s: Slack) -> tuple[int, list[Any]]:
        event = {"type": "reaction_added", "user": "U0001", "reaction": "thumbsup"}
        status = await s.event(event, "EvUNKNOWN")
        await barrier(s)
        return status, s.peer.made("chat.postMessage")

    status, calls = with_slack(shipped_bot, use)
    assert status == 200
    assert [c.params["channel"] for c in calls] == ["D0BARRIER"]


# ---------------------------------------------------------------------------------------------
# The Web API misbehaving


def test_rate_limited_post_is_retried_after_retry_after(shipped_bot: Bot) -> None:
    """A 429 from chat.postMessage is retried once Retry-After has passed, and the answer gets
    through."""

    async def use(s: Slack) -> list[Any]:
        s.peer.script(
            "chat.postMessage",
            Scripted(
                status=429, body={"ok": False, "error": "ratelimited"}, headers={"Retry-After": "1"}
            ),
        )
        await s.event(dm("who is the lado"))
        return await s.peer.wait_for("chat.postMessage", count=2)

    first, second = with_slack(shipped_bot, use)
    assert first.params["blocks"] == second.params["blocks"]
    assert second.at - first.at >= 0.9  # it waited as told


def test_rate_limit_retries_are_bounded_and_the_failure_logged(
    shipped_bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    """A Web API that answers 429 forever gets 1 + RATE_LIMIT_RETRIES attempts, the failure
    is logged without text, and the app keeps answering."""

    async def use(s: Slack) -> int:
        s.peer.script(
            "chat.postMessage",
            *[
                Scripted(
                    status=429,
                    body={"ok": False, "error": "ratelimited"},
                    headers={"Retry-After": "0"},
                )
                for _ in range(1 + slack.RATE_LIMIT_RETRIES)
            ],
        )
        await s.event(dm("my pupil Jayden Smith told me about his uncle"), "EvLIMITED")
        await s.peer.wait_for("chat.postMessage", count=1 + slack.RATE_LIMIT_RETRIES)
        await barrier(s, already=1 + slack.RATE_LIMIT_RETRIES)
        return len(s.peer.made("chat.postMessage"))

    with caplog.at_level(logging.DEBUG):
        assert with_slack(shipped_bot, use) == 2 + slack.RATE_LIMIT_RETRIES
    failed = [r for r in caplog.records if getattr(r, "event", None) == "slack_call_failed"]
    assert [(r.method, r.slack_error) for r in failed] == [("chat.postMessage", "ratelimited")]  # type: ignore[attr-defined]
    lines = [JsonFormatter().format(r) for r in caplog.records]
    assert all("Jayden" not in line and "uncle" not in line for line in lines)


def test_failed_post_is_logged_and_the_app_stays_up(
    shipped_bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    """An error from chat.postMessage is logged (method and Slack's error code, no text) and
    the next event is still answered."""

    async def use(s: Slack) -> int:
        s.peer.script(
            "chat.postMessage", Scripted(body={"ok": False, "error": "channel_not_found"})
        )
        await s.event(dm("who is the lado"), "EvFAILS")
        await s.peer.wait_for("chat.postMessage", count=1)
        await barrier(s, already=1)
        health = await s.client.get("/healthz")
        return health.status

    with caplog.at_level(logging.INFO):
        assert with_slack(shipped_bot, use) == 200
    failed = [r for r in caplog.records if getattr(r, "event", None) == "slack_call_failed"]
    assert [r.slack_error for r in failed] == ["channel_not_found"]  # type: ignore[attr-defined]


def test_question_text_never_reaches_the_logs(
    shipped_bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    """At DEBUG level, with the SDK logging too, nothing typed in Slack reaches a log line."""
    secret = "my pupil Jayden Smith told me about his uncle"

    async def use(s: Slack) -> None:
        await s.event(dm(secret), "EvSECRET1")
        await s.event(mention(secret), "EvSECRET2")
        await s.event({"type": "reaction_added", "text": secret}, "EvSECRET3")
        await s.peer.wait_for("chat.postMessage", count=2)

    with caplog.at_level(logging.DEBUG):
        with_slack(shipped_bot, use)
    lines = [JsonFormatter().format(r) for r in caplog.records]
    assert any('"answered"' in line for line in lines)
    for word in ("Jayden", "Smith", "uncle", "pupil"):
        assert all(word not in line for line in lines)


# ---------------------------------------------------------------------------------------------
# Socket Mode


def with_socket_mode(bot: Bot, use: Callable[[Slack], Awaitable[T]]) -> T:
    """The real app with an app token and no signing secret: it opens a Socket Mode connection
    to the fake Slack's WebSocket when it starts, and closes it when it stops."""

    async def run() -> T:
        async with SlackPeer() as peer:
            settings = Settings(
                slack=SlackSettings(
                    bot_token="xoxb-test", app_token="xapp-test", api_url=peer.api_url
                )
            )
            server = TestServer(create_app(settings, bot), host="127.0.0.1")
            async with TestClient(server) as client:
                return await asyncio.wait_for(use(Slack(client, peer)), timeout=30)

    return asyncio.run(run())


def envelope(event: dict[str, Any], envelope_id: str, event_id: str) -> dict[str, Any]:
    return {
        "envelope_id": envelope_id,
        "type": "events_api",
        "accepts_response_payload": False,
        "retry_attempt": 0,
        "retry_reason": "",
        "payload": json.loads(event_body(event, event_id)),
    }


def test_socket_mode_answers_events_from_the_websocket(shipped_bot: Bot) -> None:
    """With SLACK_APP_TOKEN, the app opens a connection (apps.connections.open with the app
    token), acknowledges each envelope, and answers through the Web API; there is no
    /slack/events route."""

    async def use(s: Slack) -> tuple[list[Any], list[Any], list[Any], int]:
        await s.peer.socket_outbox.put(envelope(mention(URGENT), "env-1", "EvSOCKET"))
        acks = await s.peer.wait_for("socket_ack")
        posts = await s.peer.wait_for("chat.postMessage")
        status = (await s.client.post("/slack/events", data=b"{}")).status
        return s.peer.made("apps.connections.open"), acks, posts, status

    opened, acks, [post], status = with_socket_mode(shipped_bot, use)
    assert opened[0].token == "xapp-test"
    assert acks[0].params["envelope_id"] == "env-1"
    assert post.params["thread_ts"] == "1700000000.000200"
    assert CALL_999 in as_blocks(post.params["blocks"])[0]["text"]["text"]
    assert status in (404, 405)


def test_socket_mode_redelivery_is_answered_once(shipped_bot: Bot) -> None:
    """An event delivered again over the socket (same event_id, a new envelope) is
    acknowledged and not answered twice."""

    async def use(s: Slack) -> list[Any]:
        await s.peer.socket_outbox.put(envelope(dm("who is the lado"), "env-1", "EvSAME"))
        await s.peer.wait_for("socket_ack", count=1)
        again = envelope(dm("who is the lado"), "env-2", "EvSAME")
        again["retry_attempt"] = 1
        await s.peer.socket_outbox.put(again)
        await s.peer.socket_outbox.put(
            envelope(dm("who is the lado", channel="D0BARRIER"), "env-3", "EvBARRIER")
        )
        await s.peer.wait_for("socket_ack", count=3)
        await s.peer.wait_for("chat.postMessage", count=2)
        return s.peer.made("chat.postMessage")

    calls = with_socket_mode(shipped_bot, use)
    assert [c.params["channel"] for c in calls] == ["D0001", "D0BARRIER"]


def test_sdk_log_records_never_carry_their_message(
    shipped_bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    """When the SDK logs (here: auth.test refused, so bolt logs an error quoting the reply),
    the record keeps its level and logger but its message is withheld."""
    secret = "my pupil Jayden Smith told me about his uncle"

    async def use(s: Slack) -> int:
        s.peer.always("auth.test", Scripted(body={"ok": False, "error": "invalid_auth"}))
        status = await s.event(dm(secret), "EvAUTH")
        await s.peer.wait_for("auth.test")
        return status

    with caplog.at_level(logging.DEBUG):
        with_slack(shipped_bot, use)
    sdk = [r for r in caplog.records if r.name.startswith(("slack_bolt", "safeguarding_bot.slack"))]
    assert any(r.levelno >= logging.ERROR for r in sdk)
    assert all(r.getMessage().startswith("slack sdk log record (message withheld") for r in sdk)
    lines = [JsonFormatter().format(r) for r in caplog.records]
    assert all("Jayden" not in line and "invalid_auth" not in line for line in lines)


def test_response_url_never_reaches_the_log(
    shipped_bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    """Answering a slash command posts to its response_url, a short-lived capability to write
    to the channel; the SDK's webhook client logs it at DEBUG, so its record is withheld too."""

    async def use(s: Slack) -> str:
        url = s.peer.response_url()
        await s.post(slash_command("who is the lado", url), content_type=FORM)
        await s.peer.wait_for("response_url")
        return url

    with caplog.at_level(logging.DEBUG):
        url = with_slack(shipped_bot, use)
    webhook = [r for r in caplog.records if r.name.startswith("slack_sdk.webhook")]
    assert webhook  # the client did log: the filter, not silence, keeps the URL out
    assert all(url not in JsonFormatter().format(r) for r in caplog.records)


def test_manifest_subscribes_to_what_the_bot_handles() -> None:
    """slack/manifest.yaml points every URL at /slack/events, declares /safeguarding, the
    App Home tab, and the events and scopes the handlers need."""
    manifest = yaml.safe_load((ROOT / "slack" / "manifest.yaml").read_text(encoding="utf-8"))
    settings = manifest["settings"]
    assert settings["event_subscriptions"]["request_url"].endswith(slack.EVENTS_PATH)
    assert settings["interactivity"]["request_url"].endswith(slack.EVENTS_PATH)
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/safeguarding" and command["url"].endswith(slack.EVENTS_PATH)
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert set(settings["event_subscriptions"]["bot_events"]) >= {
        "app_home_opened",
        "app_mention",
        "message.im",
        "message.channels",
    }
    assert set(manifest["oauth_config"]["scopes"]["bot"]) >= {
        "app_mentions:read",
        "im:history",
        "chat:write",
        "commands",
    }
