"""The admin page over real HTTP on 127.0.0.1: login, sessions, CSRF, the report, the inbox, the
knowledge base's health and reloads."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml
from aiohttp.test_utils import TestClient

from adapters.admin import COOKIE_NAME, SESSION_SECONDS, AdminAuth, nice_top, yaml_item
from adapters.app import create_app
from adapters.logs import JsonFormatter
from adapters.settings import Settings, SettingsError
from bot import Bot
from bot.storage import SQLiteStorage
from tests.conftest import SHIPPED, KnowledgeDir
from tests.conftest import run_app as serve

T = TypeVar("T")
TOKEN = "correct-horse-battery-staple-42"
Client = TestClient[Any, Any]


@functools.cache
def shipped() -> Bot:
    return Bot.from_directory(SHIPPED)


IDENTIFYING = "my pupil Jayden Smith rang me on 07700 900123 about the weather in Leeds LS1 4AB"


def run_app(
    tmp_path: Path,
    use: Callable[[Client], Awaitable[T]],
    *,
    token: str = TOKEN,
    knowledge: Path = SHIPPED,
    bot: Bot | None = None,
) -> T:
    """Start the real app (SQLite in tmp_path, admin token set) on a loopback port and run `use`.

    The client keeps no cookies: each test sends the session cookie it means to send."""
    settings = Settings(knowledge_dir=knowledge, admin_token=token, knowledge_poll_seconds=0)
    bot = bot or (shipped() if knowledge == SHIPPED else Bot.from_directory(knowledge))

    storage = SQLiteStorage(tmp_path / "admin.sqlite3")
    return serve(lambda: create_app(settings, bot, storage=storage), use, keep_cookies=False)


async def log_in(client: Client, token: str = TOKEN) -> str:
    """Log in through the form; the session cookie's value."""
    response = await client.post("/admin/login", data={"token": token}, allow_redirects=False)
    assert response.status == 303, await response.text()
    return response.cookies[COOKIE_NAME].value


def cookie(session: str) -> dict[str, str]:
    return {"Cookie": f"{COOKIE_NAME}={session}"}


async def admin_page(client: Client, session: str, query: str = "") -> str:
    response = await client.get("/admin" + query, headers=cookie(session), allow_redirects=False)
    assert response.status == 200
    return await response.text()


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None, "no CSRF field on the page"
    return found.group(1)


async def ask(client: Client, *questions: str) -> None:
    for question in questions:
        response = await client.post("/api/ask", json={"question": question})
        assert response.status == 200


def test_admin_is_off_without_a_token(tmp_path: Path) -> None:
    """Without ADMIN_TOKEN every admin path is a 404, the Bearer reload included."""

    async def use(client: Client) -> list[int]:
        statuses = []
        for path in ("/admin", "/admin/login"):
            statuses.append((await client.get(path, allow_redirects=False)).status)
        for path in ("/admin/login", "/admin/reload"):
            response = await client.post(path, headers={"Authorization": "Bearer x" * 3})
            statuses.append(response.status)
        return statuses

    assert run_app(tmp_path, use, token="") == [404, 404, 404, 404]


def test_short_admin_token_is_refused_naming_the_variable() -> None:
    """An ADMIN_TOKEN under 16 characters is a SettingsError that names ADMIN_TOKEN."""
    with pytest.raises(SettingsError, match="ADMIN_TOKEN must be at least 16 characters"):
        Settings.from_env({"ADMIN_TOKEN": "short-token"})


def test_admin_token_is_read_from_the_environment_and_kept_out_of_repr() -> None:
    """ADMIN_TOKEN is read, and never shown when the settings are printed."""
    settings = Settings.from_env({"ADMIN_TOKEN": TOKEN})
    assert settings.admin_token == TOKEN
    assert TOKEN not in repr(settings)


def test_login_form_asks_for_the_token(tmp_path: Path) -> None:
    """`GET /admin/login` is a labelled password field posting to /admin/login."""

    async def use(client: Client) -> str:
        response = await client.get("/admin/login")
        assert response.status == 200
        return await response.text()

    page = run_app(tmp_path, use)
    assert '<form method="post" action="/admin/login">' in page
    assert '<label for="token">' in page
    assert 'type="password"' in page


def test_wrong_token_is_refused_with_401_and_the_form_again(tmp_path: Path) -> None:
    """A wrong token gets a 401, the form again, and no session cookie."""

    async def use(client: Client) -> tuple[int, str, bool]:
        response = await client.post(
            "/admin/login", data={"token": TOKEN + "x"}, allow_redirects=False
        )
        return response.status, await response.text(), COOKIE_NAME in response.cookies

    status, page, got_cookie = run_app(tmp_path, use)
    assert status == 401
    assert "That token is not right." in page
    assert 'action="/admin/login"' in page
    assert not got_cookie


def test_wrong_tokens_in_parallel_are_answered_one_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Guesses sent together wait their turn (each wrong token holds its answer for the delay,
    one after another), and beyond a queue of a few the rest are refused at once with 429: a
    token cannot be guessed faster by guessing in parallel. The right token never waits."""
    monkeypatch.setattr("adapters.admin.FAILED_LOGIN_DELAY_SECONDS", 0.05)
    monkeypatch.setattr("adapters.admin.MAX_WAITING_FAILURES", 5)

    async def use(client: Client) -> tuple[list[int], float]:
        async def guess(n: int) -> int:
            data = {"token": f"{TOKEN}-wrong-{n}"}
            response = await client.post("/admin/login", data=data, allow_redirects=False)
            return response.status

        started = time.monotonic()
        statuses = await asyncio.gather(*(guess(n) for n in range(8)))
        elapsed = time.monotonic() - started
        await log_in(client)  # the right token still logs in
        return sorted(statuses), elapsed

    statuses, elapsed = run_app(tmp_path, use)
    assert statuses == [401] * 5 + [429] * 3
    assert elapsed >= 5 * 0.05 * 0.9  # five delays in turn, not side by side


def test_right_token_sets_a_secure_httponly_strict_cookie_for_8_hours(tmp_path: Path) -> None:
    """The session cookie is Secure, HttpOnly, SameSite=Strict, Path=/admin and expires in 8 h;
    the login redirects to /admin."""

    async def use(client: Client) -> tuple[int, str, str]:
        response = await client.post("/admin/login", data={"token": TOKEN}, allow_redirects=False)
        return response.status, response.headers["Location"], response.headers["Set-Cookie"]

    status, location, header = run_app(tmp_path, use)
    assert (status, location) == (303, "/admin")
    morsel = SimpleCookie(header)[COOKIE_NAME]
    assert morsel["secure"] is True
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Strict"
    assert morsel["path"] == "/admin"
    assert morsel["max-age"] == str(SESSION_SECONDS) == str(8 * 3600)


def test_admin_page_without_a_session_redirects_to_login(tmp_path: Path) -> None:
    """`GET /admin` with no cookie shows no data: a redirect to the login form."""

    async def use(client: Client) -> tuple[int, str, str]:
        response = await client.get("/admin", allow_redirects=False)
        return response.status, response.headers.get("Location", ""), await response.text()

    status, location, body = run_app(tmp_path, use)
    assert (status, location) == (303, "/admin/login")
    assert "Questions" not in body


def test_forged_session_cookie_is_refused(tmp_path: Path) -> None:
    """A cookie whose expiry was pushed forward, or signed with another key, is no session."""

    async def use(client: Client) -> list[int]:
        real = await log_in(client)
        expires, nonce, signature = real.split(".")
        forged = [
            f"{int(expires) + 3600}.{nonce}.{signature}",
            AdminAuth("some-other-token-of-16+chars").new_session(),
            "anything",
            "",
            f"{'9' * 4_400}.{nonce}.{signature}",  # more digits than int() will read
            f"\u00b2.{nonce}.{signature}",  # a digit to isdigit(), not to int()
        ]
        statuses = []
        for value in forged:
            response = await client.get("/admin", headers=cookie(value), allow_redirects=False)
            statuses.append(response.status)
        return statuses

    assert run_app(tmp_path, use) == [303] * 6


@pytest.mark.parametrize("days", ["\u00b2", "1" * 5_000, "-3", "0", "abc"])
def test_a_days_value_that_is_no_small_number_shows_the_default_report(
    tmp_path: Path, days: str
) -> None:
    """`?days=` that is not a whole number from 1 to the maximum shows the default period."""

    async def use(client: Client) -> int:
        session = await log_in(client)
        response = await client.get("/admin", params={"days": days}, headers=cookie(session))
        return response.status

    assert run_app(tmp_path, use) == 200


def test_expired_session_cookie_is_refused(tmp_path: Path) -> None:
    """A correctly signed session past its expiry is refused."""
    expired = AdminAuth(TOKEN).new_session(now=time.time() - SESSION_SECONDS - 1)

    async def use(client: Client) -> int:
        response = await client.get("/admin", headers=cookie(expired), allow_redirects=False)
        return response.status

    assert run_app(tmp_path, use) == 303


def test_a_session_works_on_every_instance_with_the_same_token(tmp_path: Path) -> None:
    """The session is stateless: another instance with the same ADMIN_TOKEN accepts it."""

    async def first(client: Client) -> str:
        return await log_in(client)

    async def second(client: Client) -> int:
        response = await client.get("/admin", headers=cookie(session), allow_redirects=False)
        return response.status

    session = run_app(tmp_path, first)
    assert run_app(tmp_path / "other", second) == 200


def test_changing_the_token_logs_everyone_out(tmp_path: Path) -> None:
    """A session made under the old ADMIN_TOKEN is refused once the token changes."""

    async def first(client: Client) -> str:
        return await log_in(client)

    async def second(client: Client) -> int:
        response = await client.get("/admin", headers=cookie(session), allow_redirects=False)
        return response.status

    session = run_app(tmp_path, first)
    assert run_app(tmp_path, second, token=TOKEN + "-rotated") == 303


@pytest.mark.parametrize("path", ["/admin/reload", "/admin/logout", "/admin/example"])
@pytest.mark.parametrize("csrf", ["missing", "wrong", "another session's"])
def test_form_post_without_its_csrf_token_is_403(tmp_path: Path, path: str, csrf: str) -> None:
    """Every admin form POST needs the CSRF token bound to the session, or it is a 403."""

    async def use(client: Client) -> int:
        session = await log_in(client)
        data = {"question": "a question", "topic": "whistleblowing"}
        if csrf == "wrong":
            data["csrf"] = "not-the-token"
        elif csrf == "another session's":
            other = await log_in(client)
            data["csrf"] = csrf_of(await admin_page(client, other))
        response = await client.post(path, data=data, headers=cookie(session))
        return response.status

    assert run_app(tmp_path, use) == 403


@pytest.mark.parametrize("path", ["/admin/reload", "/admin/logout", "/admin/example"])
def test_form_post_without_a_session_is_401(tmp_path: Path, path: str) -> None:
    """A form POST with no session cookie is refused, whatever CSRF value it carries."""

    async def use(client: Client) -> int:
        session = await log_in(client)
        csrf = csrf_of(await admin_page(client, session))
        response = await client.post(path, data={"csrf": csrf}, allow_redirects=False)
        return response.status

    assert run_app(tmp_path, use) == 401


def test_bearer_reload_with_the_token_reloads_and_answers_json(tmp_path: Path) -> None:
    """`POST /admin/reload` with `Authorization: Bearer <ADMIN_TOKEN>`: 200 and JSON."""

    async def use(client: Client) -> tuple[int, Any]:
        response = await client.post("/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"})
        return response.status, await response.json()

    assert run_app(tmp_path, use) == (200, {"reloaded": True, "problems": []})


@pytest.mark.parametrize(
    "header", ["Bearer wrong-token-but-long-enough", f"Basic {TOKEN}", "Bearer ", None]
)
def test_reload_without_the_bearer_token_or_a_session_is_401(
    tmp_path: Path, header: str | None
) -> None:
    """A wrong or missing Bearer token (and no session) reloads nothing: 401."""

    async def use(client: Client) -> int:
        headers = {"Authorization": header} if header is not None else {}
        response = await client.post("/admin/reload", headers=headers)
        return response.status

    assert run_app(tmp_path, use) == 401


def test_rejected_reload_shows_its_problems(tmp_path: Path, knowledge_dir: KnowledgeDir) -> None:
    """A broken edit: the Bearer reload says so with path:line problems, and the admin page
    shows them, both as the last rejected edit and in the check of the files on disk."""

    async def use(client: Client) -> tuple[Any, str]:
        knowledge_dir.replace("topics/main.yaml", "contacts: [dsl]", "contacts: [nobody]")
        response = await client.post("/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"})
        body = await response.json()
        page = await admin_page(client, await log_in(client))
        return body, page

    body, page = run_app(tmp_path, use, knowledge=knowledge_dir.root)
    assert body["reloaded"] is False
    line = knowledge_dir.line_of("topics/main.yaml", "contacts: [nobody]")
    problem = next(p for p in body["problems"] if "nobody" in p)
    assert f"main.yaml:{line}:" in problem
    assert "The last rejected edit" in page
    assert page.count("nobody") >= 2  # the rejected edit, and the check of the files now


def test_reload_form_reloads_and_returns_to_the_admin_page(tmp_path: Path) -> None:
    """The "Reload knowledge now" form reloads and redirects back to /admin, which says so."""

    async def use(client: Client) -> tuple[int, str, str]:
        session = await log_in(client)
        csrf = csrf_of(await admin_page(client, session))
        response = await client.post(
            "/admin/reload", data={"csrf": csrf}, headers=cookie(session), allow_redirects=False
        )
        location = response.headers["Location"]
        return response.status, location, await admin_page(client, session, location[6:])

    status, location, page = run_app(tmp_path, use)
    assert (status, location) == (303, "/admin?reload=ok")
    assert "Reloaded:" in page
    assert re.search(r"Reloads</th><td>1<", page)


def test_admin_page_shows_the_report_and_an_accessible_chart(tmp_path: Path) -> None:
    """Totals, the urgent count, outcomes, channels, topics, and an SVG chart of questions per
    day with a title, a description and a data table."""

    async def use(client: Client) -> str:
        await ask(
            client,
            "who is the lado",
            "she's just told me her uncle is hurting her",
            "what colour should the staffroom kettle be",
        )
        await client.post("/ask", data={"question": "who is the lado"})
        return await admin_page(client, await log_in(client))

    page = run_app(tmp_path, use)
    figures = dict(
        (label, int(n.replace(",", "")))
        for n, label in re.findall(r"<li><strong>([\d,]+)</strong>([^<]+)</li>", page)
    )
    assert figures["Questions"] == 4
    assert figures["Urgent (999 first)"] == 1
    assert figures["Not sure"] >= 1
    assert re.search(r'<th scope="row">api</th><td class="n">3</td>', page)
    assert re.search(r'<th scope="row">web</th><td class="n">1</td>', page)
    assert 'role="img" aria-labelledby="chart-title chart-desc"' in page
    assert '<title id="chart-title">Questions per day, by outcome</title>' in page
    assert "<rect" in page
    assert "<caption>Questions per day (the chart's figures)</caption>" in page


def test_inbox_shows_only_redacted_text_and_a_topic_picker(tmp_path: Path) -> None:
    """A not-sure question full of identifiers appears in the inbox redacted, with a POST form
    to pick the topic it should have matched."""

    async def use(client: Client) -> str:
        await ask(client, IDENTIFYING)
        return await admin_page(client, await log_in(client))

    page = run_app(tmp_path, use)
    inbox = page[page.index('id="inbox-h"') :]
    for identifier in ("Jayden", "Smith", "07700", "900123", "LS1 4AB"):
        assert identifier not in page
    assert "[NAME]" in inbox
    assert "[PHONE]" in inbox
    assert '<form method="post" action="/admin/example">' in inbox
    assert '<option value="whistleblowing"' in inbox


def test_each_inbox_control_names_the_question_it_acts_on(tmp_path: Path) -> None:
    """A screen reader moving from control to control hears which question a topic picker or
    button is for: each is described by its question."""

    async def use(client: Client) -> str:
        await ask(client, IDENTIFYING)
        return await admin_page(client, await log_in(client))

    page = run_app(tmp_path, use)
    inbox = page[page.index('id="inbox-h"') :]
    assert '<blockquote id="question-1">' in inbox
    assert '<select id="topic-1" name="topic" required aria-describedby="question-1">' in inbox
    assert '<button type="submit" aria-describedby="question-1">' in inbox


def test_copying_a_question_shows_the_yaml_snippet_and_its_file(tmp_path: Path) -> None:
    """Picking a topic for an inbox question shows the `- question` line to paste under that
    topic's examples, indented as in its file, and the file it lives in."""
    bot = shipped()
    topic = bot.knowledge.topics["whistleblowing"]
    assert topic.where is not None

    async def use(client: Client) -> tuple[int, str]:
        await ask(client, IDENTIFYING)
        session = await log_in(client)
        page = await admin_page(client, session)
        question = re.search(r'name="question" value="([^"]+)"', page)
        assert question is not None
        response = await client.post(
            "/admin/example",
            data={"csrf": csrf_of(page), "question": question.group(1), "topic": topic.id},
            headers=cookie(session),
        )
        return response.status, await response.text()

    status, page = run_app(tmp_path, use, bot=bot)
    assert status == 200
    snippet = re.search(r'<pre class="snippet"><code>([^<]+)</code></pre>', page)
    assert snippet is not None
    assert snippet.group(1).startswith("      - ")
    assert "[NAME]" in snippet.group(1)
    assert "Jayden" not in page
    assert topic.where.path in page


def test_snippet_for_an_unknown_topic_is_a_400(tmp_path: Path) -> None:
    """A topic id that is not in the knowledge base gets a plain 400 page."""

    async def use(client: Client) -> int:
        session = await log_in(client)
        csrf = csrf_of(await admin_page(client, session))
        response = await client.post(
            "/admin/example",
            data={"csrf": csrf, "question": "a question", "topic": "no-such-topic"},
            headers=cookie(session),
        )
        return response.status

    assert run_app(tmp_path, use) == 400


@pytest.mark.parametrize(
    "question",
    ["what's the rule: can I tell the parents?", "- a dash first", "#hashtag question", "yes"],
)
def test_yaml_item_is_one_list_item_that_reads_back_as_the_question(question: str) -> None:
    """The snippet line is valid YAML giving back exactly the question, quoted when needed."""
    line = yaml_item(question)
    assert line.startswith("- ")
    assert yaml.safe_load(line) == [question]


def test_logout_expires_the_cookie(tmp_path: Path) -> None:
    """Logging out tells the browser to drop the cookie and goes back to the login form."""

    async def use(client: Client) -> tuple[int, str, str]:
        session = await log_in(client)
        csrf = csrf_of(await admin_page(client, session))
        response = await client.post(
            "/admin/logout", data={"csrf": csrf}, headers=cookie(session), allow_redirects=False
        )
        return response.status, response.headers["Location"], response.headers["Set-Cookie"]

    status, location, header = run_app(tmp_path, use)
    assert (status, location) == (303, "/admin/login")
    morsel = SimpleCookie(header)[COOKIE_NAME]
    assert morsel.value == ""
    assert morsel["max-age"] == "0"
    assert morsel["path"] == "/admin"


def test_admin_responses_carry_security_headers(tmp_path: Path) -> None:
    """The login form, the refusal, the page and the style sheet all forbid framing, inline
    script and caching."""

    async def use(client: Client) -> list[dict[str, str]]:
        session = await log_in(client)
        responses = [
            await client.get("/admin/login"),
            await client.get("/admin", allow_redirects=False),
            await client.get("/admin", headers=cookie(session)),
            await client.post("/admin/login", data={"token": "nope"}),
            await client.get("/static/admin.css"),
        ]
        return [dict(r.headers) for r in responses]

    for headers in run_app(tmp_path, use):
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "default-src 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Cache-Control"] == "no-store"


def test_no_question_text_in_admin_urls_or_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The inbox posts questions (never in a link or form action), and no admin log line holds
    question text or the token."""

    async def use(client: Client) -> str:
        await ask(client, IDENTIFYING)
        await client.post("/admin/login", data={"token": "wrong-token-1234567"})
        session = await log_in(client)
        page = await admin_page(client, session)
        question = re.search(r'name="question" value="([^"]+)"', page)
        assert question is not None
        await client.post(
            "/admin/example",
            data={"csrf": csrf_of(page), "question": question.group(1), "topic": "whistleblowing"},
            headers=cookie(session),
        )
        return page

    with caplog.at_level(logging.DEBUG):
        page = run_app(tmp_path, use)
    targets = re.findall(r'(?:href|action|src)="([^"]*)"', page)
    assert targets and all("weather" not in t and "NAME" not in t for t in targets)
    lines = [JsonFormatter().format(record) for record in caplog.records]
    assert any(json.loads(line).get("event") == "admin_login" for line in lines)
    for word in ("weather", "Leeds", "NAME", TOKEN, "wrong-token-1234567"):
        assert all(word not in line for line in lines)


@pytest.mark.parametrize(
    ("largest", "top"), [(0, 2), (1, 2), (3, 4), (7, 8), (10, 10), (13, 20), (45, 60), (901, 1000)]
)
def test_chart_scale_is_an_even_round_number_above_the_busiest_day(largest: int, top: int) -> None:
    """The chart's axis runs to an even round number, so its 0 / half / top ticks are whole."""
    assert nice_top(largest) == top
