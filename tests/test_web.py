"""The web application over real HTTP on 127.0.0.1: health, web chat page, JSON API."""

from __future__ import annotations

import asyncio
import html
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
from aiohttp.test_utils import TestClient

from adapters.app import create_app
from adapters.logs import JsonFormatter
from adapters.settings import Settings
from adapters.web import render_reply
from bot import Bot, Question, Reply
from bot.compose import CALL_999, ELSEWHERE, NO_LEAD
from tests.conftest import KnowledgeDir, run_app

T = TypeVar("T")


def with_client(bot: Bot, use: Callable[[TestClient[Any, Any]], Awaitable[T]]) -> T:
    """Start the real app on a loopback port, run `use` against it, stop it."""

    return run_app(lambda: create_app(Settings(), bot), use)


def test_healthz_says_ok(shipped_bot: Bot) -> None:
    """`GET /healthz` answers 200 while the process is alive."""

    async def use(client: TestClient[Any, Any]) -> tuple[int, Any]:
        response = await client.get("/healthz")
        return response.status, await response.json()

    assert with_client(shipped_bot, use) == (200, {"status": "ok"})


def test_chat_page_has_a_labelled_question_box(shipped_bot: Bot) -> None:
    """`GET /` is the web chat: a labelled text box and an Ask button, and the 999 banner."""

    async def use(client: TestClient[Any, Any]) -> str:
        response = await client.get("/")
        assert response.status == 200
        return await response.text()

    page = with_client(shipped_bot, use)
    assert '<label for="question">' in page
    assert '<button type="submit">Ask</button>' in page
    assert "call 999 now" in page


def test_asking_on_the_page_shows_answer_and_contacts(shipped_bot: Bot) -> None:
    """Posting a question returns the page with the answer, contacts and example labels."""

    async def use(client: TestClient[Any, Any]) -> str:
        response = await client.post("/ask", data={"question": "who is the lado"})
        assert response.status == 200
        return await response.text()

    page = with_client(shipped_bot, use)
    assert "Who to contact" in page
    assert "Local authority designated officer (LADO)" in page
    assert "example, not a real number" in page


def test_urgent_question_on_the_page_shows_999_before_the_answer(shipped_bot: Bot) -> None:
    """On the web page, the urgent lead comes before anything else in the answer."""

    async def use(client: TestClient[Any, Any]) -> str:
        response = await client.post(
            "/ask", data={"question": "she's just told me her uncle is hurting her"}
        )
        return await response.text()

    page = with_client(shipped_bot, use)
    answer = page[page.index('<section id="answer"') :]
    assert answer.index(CALL_999) < answer.index("<h2>")


def test_question_text_is_never_echoed_into_the_page(shipped_bot: Bot) -> None:
    """What was typed is not written back into the page at all, markup or not."""

    async def use(client: TestClient[Any, Any]) -> str:
        response = await client.post("/ask", data={"question": "<script>alert(1)</script> zq"})
        return await response.text()

    page = with_client(shipped_bot, use)
    assert "<script>" not in page and "alert(1)" not in page


def test_knowledge_text_is_escaped_in_the_page(knowledge_dir: KnowledgeDir) -> None:
    """An admin's title or answer holding markup is shown as text, never run as markup."""
    knowledge_dir.replace("topics/main.yaml", "title: Signs of exploitation", 'title: "Signs <b>&"')
    knowledge_dir.replace(
        "topics/main.yaml", "Look for changes in behaviour.", "<script>alert(1)</script> & more"
    )
    bot = Bot.from_directory(knowledge_dir.root)

    async def use(client: TestClient[Any, Any]) -> str:
        response = await client.post("/ask", data={"topic": "signs"})
        return await response.text()

    page = with_client(bot, use)
    assert "<script>" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page
    assert "Signs &lt;b&gt;&amp;" in page


def test_offered_topic_button_answers_that_topic(shipped_bot: Bot) -> None:
    """A topic button posts its id and gets that topic's answer."""

    async def use(client: TestClient[Any, Any]) -> str:
        response = await client.post("/ask", data={"topic": "whistleblowing"})
        return await response.text()

    assert "NSPCC Whistleblowing Advice Line" in with_client(shipped_bot, use)


MISSING = "LAC missing again"
WITH_EXPLOITERS = "she's 14 and we think shes with adults known for exploitation"


def carried_conversation(page: str) -> str:
    """The conversation id the page's question form sends back with the next question."""
    match = re.search(r'<input type="hidden" name="conversation" value="([^"]+)">', page)
    assert match is not None
    return match.group(1)


def test_follow_up_on_the_page_is_read_with_the_question_before(shipped_bot: Bot) -> None:
    """The page carries its conversation id in the question form, so the next question is a
    follow-up: together these two describe a missing 14-year-old with known exploiters."""

    async def use(client: TestClient[Any, Any]) -> tuple[str, str]:
        empty = await (await client.get("/")).text()
        conversation = carried_conversation(empty)
        first = await client.post("/ask", data={"question": MISSING, "conversation": conversation})
        page = await first.text()
        assert carried_conversation(page) == conversation
        second = await client.post(
            "/ask", data={"question": WITH_EXPLOITERS, "conversation": conversation}
        )
        return page, await second.text()

    first, follow_up = with_client(shipped_bot, use)
    assert CALL_999 not in first[first.index('<section id="answer"') :]
    answer = follow_up[follow_up.index('<section id="answer"') :]
    assert answer.index(CALL_999) < answer.index("<h2>")


def test_question_from_a_new_page_is_not_read_with_another_pages(shipped_bot: Bot) -> None:
    async def use(client: TestClient[Any, Any]) -> str:
        one = carried_conversation(await (await client.get("/")).text())
        two = carried_conversation(await (await client.get("/")).text())
        assert one != two
        await client.post("/ask", data={"question": MISSING, "conversation": one})
        response = await client.post(
            "/ask", data={"question": WITH_EXPLOITERS, "conversation": two}
        )
        return await response.text()

    page = with_client(shipped_bot, use)
    assert CALL_999 not in page[page.index('<section id="answer"') :]


def test_api_follow_up_with_the_same_conversation_is_read_with_the_one_before(
    shipped_bot: Bot,
) -> None:
    conversation = "api-conversation-0001"

    async def use(client: TestClient[Any, Any]) -> list[Any]:
        replies = []
        for text in (MISSING, WITH_EXPLOITERS):
            response = await client.post(
                "/api/ask", json={"question": text, "conversation": conversation}
            )
            assert response.status == 200
            replies.append(await response.json())
        return replies

    first, follow_up = with_client(shipped_bot, use)
    assert not first["urgent"] and follow_up["urgent"]


def test_api_and_web_chat_conversations_with_the_same_id_are_kept_apart(shipped_bot: Bot) -> None:
    conversation = "shared-conversation-0001"

    async def use(client: TestClient[Any, Any]) -> Any:
        await client.post("/ask", data={"question": MISSING, "conversation": conversation})
        response = await client.post(
            "/api/ask", json={"question": WITH_EXPLOITERS, "conversation": conversation}
        )
        return await response.json()

    assert not with_client(shipped_bot, use)["urgent"]


def test_too_long_question_is_refused_clearly(shipped_bot: Bot) -> None:
    """A question over 10,000 characters gets a 413 page that says why."""

    async def use(client: TestClient[Any, Any]) -> tuple[int, str]:
        response = await client.post("/ask", data={"question": "a" * 10_001})
        return response.status, await response.text()

    status, page = with_client(shipped_bot, use)
    assert status == 413
    assert "10,001 characters" in page


def test_pages_carry_security_headers(shipped_bot: Bot) -> None:
    """Every page forbids framing and inline scripts, and is not cached."""

    async def use(client: TestClient[Any, Any]) -> dict[str, str]:
        response = await client.get("/")
        return dict(response.headers)

    headers = with_client(shipped_bot, use)
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Cache-Control"] == "no-store"


def test_pages_carry_strict_transport_security_and_no_server_versions(shipped_bot: Bot) -> None:
    """Browsers are told to come back over HTTPS only, and the Server header names no versions
    of the software behind it."""

    async def use(client: TestClient[Any, Any]) -> dict[str, str]:
        response = await client.get("/")
        return dict(response.headers)

    headers = with_client(shipped_bot, use)
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert headers["Server"] == "safeguarding-bot"


class BrokenBot(Bot):
    """A bot with a bug: every answer raises."""

    def answer(self, question: Question) -> Reply:
        raise RuntimeError("a bug, with " + question.text)


def test_a_bug_is_a_plain_500_with_the_security_headers(
    shipped_bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    """An unexpected error is a 500 page that quotes nothing, carries the same security headers
    as every other response, and is logged by its type only."""
    broken = BrokenBot(shipped_bot.knowledge)

    async def use(client: TestClient[Any, Any]) -> tuple[int, dict[str, str], str]:
        response = await client.post("/ask", data={"question": "my pupil Jayden said"})
        return response.status, dict(response.headers), await response.text()

    with caplog.at_level(logging.ERROR):
        status, headers, text = with_client(broken, use)
    assert status == 500
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "Jayden" not in text
    failed = [r for r in caplog.records if getattr(r, "event", "") == "request_failed"]
    assert [getattr(r, "error_type", "") for r in failed] == ["RuntimeError"]


def test_a_body_that_stops_arriving_gets_408_not_a_held_connection(
    shipped_bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client that announces a body and sends only part of it is answered 408 once the
    body's time is up: it cannot hold the server's memory for ever."""
    monkeypatch.setattr("adapters.app.BODY_READ_SECONDS", 0.5, raising=False)

    async def use(client: TestClient[Any, Any]) -> bytes:
        host, port = client.server.host, client.server.port
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(
            b"POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
            b'{"question":'
        )
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), timeout=10)
        writer.close()
        await writer.wait_closed()
        return status_line

    assert with_client(shipped_bot, use).startswith(b"HTTP/1.1 408")


def test_the_chat_page_has_landmarks_and_a_described_question_box(shipped_bot: Bot) -> None:
    """The 999 line sits in the page's header landmark, and the question box is described by
    the instruction not to type names, so a screen reader reads it on reaching the box."""

    async def use(client: TestClient[Any, Any]) -> str:
        return await (await client.get("/")).text()

    page = with_client(shipped_bot, use)
    assert '<header><p class="banner">If a child is in immediate danger, call 999' in page
    assert 'aria-describedby="ask-help"' in page
    help_text = page[page.index('<p id="ask-help">') :]
    assert help_text.index("without names or identifying details") < help_text.index("</p>")


def test_real_numbers_are_links_to_call_and_example_numbers_are_not(shipped_bot: Bot) -> None:
    """On a phone, a tap on 999 or a national line calls it; a fictional example number is
    shown, labelled, and not a link."""

    async def use(client: TestClient[Any, Any]) -> str:
        response = await client.post("/ask", data={"question": "she is being hurt right now"})
        return await response.text()

    page = with_client(shipped_bot, use)
    assert '<a href="tel:999">999</a>' in page
    assert "01632 960001" in page and "tel:01632" not in page


def test_api_ask_returns_the_documented_json(shipped_bot: Bot) -> None:
    """`POST /api/ask` returns the same JSON as `ask --json`."""

    async def use(client: TestClient[Any, Any]) -> Any:
        response = await client.post("/api/ask", json={"question": "who is the lado"})
        assert response.status == 200
        return await response.json()

    reply = with_client(shipped_bot, use)
    assert set(reply) == {"outcome", "urgent", "topic", "choices", "score", "contacts", "text"}


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 400),
        (b"[" * 100_000 + b"]" * 100_000, 400),
        (b"[1, 2]", 400),
        (b'{"question": 5}', 400),
        (b'{"question": "who is the lado", "conversation": "short"}', 400),
        (b'{"question": "who is the lado", "conversation": 12345678901234567890}', 400),
    ],
    ids=[
        "malformed",
        "nested-too-deep",
        "not-an-object",
        "wrong-type",
        "short-conversation",
        "conversation-not-text",
    ],
)
def test_api_ask_rejects_bad_bodies_with_400(shipped_bot: Bot, body: bytes, status: int) -> None:
    """A body that is not a JSON object with a string question is a 400, not a 500."""

    async def use(client: TestClient[Any, Any]) -> int:
        response = await client.post(
            "/api/ask", data=body, headers={"Content-Type": "application/json"}
        )
        return response.status

    assert with_client(shipped_bot, use) == status


def test_question_text_never_reaches_the_logs(
    shipped_bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    """The log of an answer holds ids, outcome and timing, never what was typed."""
    secret = "my pupil Jayden Smith told me about his uncle"

    async def use(client: TestClient[Any, Any]) -> None:
        await client.post("/ask", data={"question": secret})
        await client.post("/api/ask", json={"question": secret})

    with caplog.at_level(logging.DEBUG):
        with_client(shipped_bot, use)
    formatter = JsonFormatter()
    lines = [formatter.format(record) for record in caplog.records]
    answered = [json.loads(line) for line in lines if '"answered"' in line]
    assert len(answered) == 2
    for word in ("Jayden", "Smith", "uncle", "pupil"):
        assert all(word not in line for line in lines)


def test_each_note_of_a_reply_is_its_own_paragraph_on_the_page(shipped_bot: Bot) -> None:
    """Not sure, no safeguarding lead, outside England: three notes, three paragraphs."""
    reply = shipped_bot.answer(
        Question("im a childminder in cardiff, who do i tell about a 4yo with bruises")
    )
    page_html = render_reply(reply)
    for note in (NO_LEAD, ELSEWHERE):
        assert f"<p>{html.escape(note, quote=True)}</p>" in page_html
