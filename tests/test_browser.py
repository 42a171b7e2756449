"""The admin page and the web chat page in a real headless Chromium, against a real server.

See tests/browser.py: Debian's Chromium, a fresh profile, no network but the server under test.
These tests skip on a machine without Chromium and fail in CI (CI=true) without it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import pytest

from adapters.app import create_app
from adapters.settings import Settings
from bot import Bot
from bot.compose import CALL_999
from bot.storage import SQLiteStorage
from tests.browser import chromium, chromium_path, serving
from tests.conftest import SHIPPED

if TYPE_CHECKING:
    from playwright.async_api import Page

T = TypeVar("T")
TOKEN = "browser-test-admin-token-0123456789"
TEST_SECONDS = 120
MAX_TABS = 30


@pytest.fixture(autouse=True)
def _needs_chromium() -> None:
    chromium_path()


def in_browser(
    tmp_path: Path,
    shipped_bot: Bot,
    use: Callable[[Page, str], Awaitable[T]],
    *,
    token: str = TOKEN,
) -> T:
    """Serve the real app on 127.0.0.1 and run `use(page, base_url)` in headless Chromium."""
    settings = Settings(knowledge_dir=SHIPPED, admin_token=token, knowledge_poll_seconds=0)

    async def run() -> T:
        app = create_app(settings, shipped_bot, storage=SQLiteStorage(tmp_path / "b.sqlite3"))
        async with serving(app) as base, chromium(tmp_path / "profile", base) as context:
            page = await context.new_page()
            console: list[str] = []
            page.on("console", lambda message: console.append(message.text))
            result = await use(page, base)
        # The pages need no inline script or style: nothing broke the Content Security Policy.
        assert not [text for text in console if "Content Security Policy" in text], console
        return result

    return asyncio.run(asyncio.wait_for(run(), timeout=TEST_SECONDS))


async def focused_id(page: Page) -> str:
    return str(await page.evaluate("document.activeElement ? document.activeElement.id : ''"))


async def tab_to(page: Page, element_id: str) -> None:
    """Press Tab (a bounded number of times) until the element with `element_id` has focus."""
    for _ in range(MAX_TABS):
        if await focused_id(page) == element_id:
            return
        await page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id}")


async def tab_to_button(page: Page, text: str) -> None:
    """Press Tab (bounded) until a button reading `text` has focus."""
    for _ in range(MAX_TABS):
        await page.keyboard.press("Tab")
        focused = await page.evaluate(
            "document.activeElement && document.activeElement.tagName === 'BUTTON'"
            " ? document.activeElement.textContent.trim() : ''"
        )
        if focused == text:
            return
    raise AssertionError(f"Tab never reached the {text!r} button")


async def ask_with_keyboard(page: Page, base: str, question: str) -> None:
    """Open the chat page and ask with the keyboard alone: Tab to the box, type, Tab to Ask,
    press Space."""
    await page.goto(base + "/")
    await tab_to(page, "question")
    await page.keyboard.type(question)
    await tab_to_button(page, "Ask")
    async with page.expect_navigation():
        await page.keyboard.press("Space")


async def log_in(page: Page, base: str, token: str = TOKEN) -> None:
    """Open /admin (sent to the login form), type the token, press Enter."""
    await page.goto(base + "/admin")
    assert page.url == base + "/admin/login"
    await page.fill("#token", token)
    async with page.expect_navigation():
        await page.press("#token", "Enter")


def test_admin_logs_in_and_sees_the_chart_and_the_inbox(tmp_path: Path, shipped_bot: Bot) -> None:
    """Log in with the token: the report's chart is drawn (with its data table) and the inbox
    shows the redacted not-sure question; picking a topic shows the YAML snippet."""

    async def use(page: Page, base: str) -> dict[str, object]:
        for question in (
            "who is the lado",
            "my pupil Jayden Smith rang me on 07700 900123 about the weather in Leeds LS1 4AB",
            "she's just told me her uncle is hurting her",
        ):
            response = await page.request.post(base + "/api/ask", data={"question": question})
            assert response.ok
        await log_in(page, base)
        seen: dict[str, object] = {"url": page.url}
        chart = page.locator("svg.chart")
        box = await chart.bounding_box()
        seen["chart_box"] = box
        seen["bars"] = await chart.locator("rect[fill='#6a1b9a']").count()
        seen["chart_label"] = await chart.get_attribute("aria-labelledby")
        seen["table"] = await page.locator("table.chart-data").inner_text()
        seen["inbox"] = await page.locator("section.inbox").inner_text()
        seen["body"] = await page.locator("body").inner_text()
        await page.screenshot(path=str(tmp_path / "admin.png"), full_page=True)
        await page.locator("section.inbox select").first.select_option("whistleblowing")
        async with page.expect_navigation():
            await page.locator("section.inbox button").first.click()
        seen["snippet"] = await page.locator("pre.snippet").inner_text()
        await page.screenshot(path=str(tmp_path / "snippet.png"), full_page=True)
        return seen

    seen = in_browser(tmp_path, shipped_bot, use)
    assert str(seen["url"]).endswith("/admin")
    box = seen["chart_box"]
    assert isinstance(box, dict) and box["width"] > 300 and box["height"] > 100
    assert isinstance(seen["bars"], int) and seen["bars"] >= 1
    assert seen["chart_label"] == "chart-title chart-desc"
    assert "Total" in str(seen["table"])
    assert "[NAME]" in str(seen["inbox"]) and "[PHONE]" in str(seen["inbox"])
    assert "Jayden" not in str(seen["body"]) and "07700" not in str(seen["body"])
    assert str(seen["snippet"]).strip().startswith("- ")
    assert "[NAME]" in str(seen["snippet"])


def test_admin_page_refuses_a_browser_without_the_token(tmp_path: Path, shipped_bot: Bot) -> None:
    """Without logging in, /admin shows the login form only; a wrong token is refused and
    still shows no report."""

    async def use(page: Page, base: str) -> tuple[str, int, str, int]:
        await page.goto(base + "/admin")
        url = page.url
        charts_before = await page.locator("svg.chart").count()
        await page.fill("#token", "not-the-admin-token-at-all")
        async with page.expect_navigation():
            await page.press("#token", "Enter")
        return (
            url,
            charts_before,
            await page.locator("body").inner_text(),
            (await page.locator("svg.chart").count()),
        )

    url, charts_before, body, charts_after = in_browser(tmp_path, shipped_bot, use)
    assert url.endswith("/admin/login")
    assert (charts_before, charts_after) == (0, 0)
    assert "That token is not right." in body


def test_admin_page_is_not_there_without_admin_token(tmp_path: Path, shipped_bot: Bot) -> None:
    """With ADMIN_TOKEN unset, a browser gets a 404 at /admin."""

    async def use(page: Page, base: str) -> int:
        response = await page.goto(base + "/admin")
        assert response is not None
        return response.status

    assert in_browser(tmp_path, shipped_bot, use, token="") == 404


def test_logout_in_the_browser_ends_the_session(tmp_path: Path, shipped_bot: Bot) -> None:
    """After "Log out", /admin sends the browser back to the login form."""

    async def use(page: Page, base: str) -> str:
        await log_in(page, base)
        async with page.expect_navigation():
            await page.get_by_role("button", name="Log out").click()
        await page.goto(base + "/admin")
        return page.url

    assert in_browser(tmp_path, shipped_bot, use).endswith("/admin/login")


def test_chat_with_the_keyboard_only_shows_the_answer_and_contacts(
    tmp_path: Path, shipped_bot: Bot
) -> None:
    """Tab to the box, type, Tab to Ask and press Space: the answer and who to contact show,
    with example contacts labelled."""

    async def use(page: Page, base: str) -> tuple[str, list[str]]:
        await ask_with_keyboard(page, base, "who is the lado")
        answer = page.locator("section.answer")
        await page.screenshot(path=str(tmp_path / "chat.png"), full_page=True)
        return await answer.inner_text(), await answer.locator("ul.contacts li").all_inner_texts()

    text, contacts = in_browser(tmp_path, shipped_bot, use)
    assert "Who to contact" in text
    assert any("Local authority designated officer (LADO)" in c for c in contacts)
    assert "example, not a real number" in text


def test_after_asking_focus_is_on_the_answer_and_the_title_says_what_came_back(
    tmp_path: Path, shipped_bot: Bot
) -> None:
    """A screen reader starts at the reply, not back in the empty question box above it: after
    asking (and after picking a topic), focus is on the answer, and the page title names it."""

    async def use(page: Page, base: str) -> tuple[str, str, str, str, bool]:
        await ask_with_keyboard(page, base, "she's just told me her uncle is hurting her")
        # The browser moves focus (to the fragment's target, or to an autofocus box) once it
        # has laid the page out, a moment after the load event: wait for it, boundedly.
        await page.wait_for_function("document.activeElement.id === 'answer'", timeout=5_000)
        urgent = (await focused_id(page), await page.title())
        await ask_with_keyboard(page, base, "who is the lado")
        lado = await page.title()
        await page.goto(base + "/")
        await page.wait_for_function("document.activeElement.id === 'question'", timeout=5_000)
        blank_focus = await focused_id(page)
        return urgent[0], urgent[1], lado, blank_focus, "autofocus" in await page.content()

    focused, urgent_title, lado_title, blank_focus, autofocus = in_browser(
        tmp_path, shipped_bot, use
    )
    assert focused == "answer"
    assert urgent_title.startswith("Urgent: call 999")
    assert lado_title.startswith("Allegations against staff, the LADO")
    assert (blank_focus, autofocus) == ("question", True)  # the empty page: straight to typing


def test_focus_ring_and_source_links_meet_wcag_contrast_and_target_size(
    tmp_path: Path, shipped_bot: Bot
) -> None:
    """The keyboard focus ring is dark enough to see on the page (3:1, WCAG 1.4.11) and each
    source link is at least 24 CSS pixels tall (WCAG 2.5.8)."""

    async def use(page: Page, base: str) -> tuple[str, list[float]]:
        await ask_with_keyboard(page, base, "who is the lado")
        await tab_to_button(page, "Ask")
        ring = str(await page.evaluate("getComputedStyle(document.activeElement).outlineColor"))
        heights = [
            box["height"]
            for link in await page.locator(".sources a").all()
            if (box := await link.bounding_box()) is not None
        ]
        return ring, heights

    ring, heights = in_browser(tmp_path, shipped_bot, use)
    red, green, blue = (int(v) for v in ring[ring.index("(") + 1 : ring.index(")")].split(",")[:3])
    assert contrast((red, green, blue), (0xF6, 0xF6, 0xF4)) >= 3.0, ring
    assert heights and min(heights) >= 24, heights


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG's contrast ratio of two sRGB colours."""

    def luminance(rgb: tuple[int, int, int]) -> float:
        channels = [c / 255 for c in rgb]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_chat_urgent_question_shows_999_first_in_the_browser(
    tmp_path: Path, shipped_bot: Bot
) -> None:
    """An urgent question typed with the keyboard gets the 999 instruction as the first thing in
    the answer, drawn above everything else in it."""

    async def use(page: Page, base: str) -> tuple[str, str, float, float]:
        await ask_with_keyboard(page, base, "she's just told me her uncle is hurting her")
        answer = page.locator("section.answer")
        first = answer.locator(":scope > *").first
        urgent_box = await answer.locator(".urgent").bounding_box()
        heading_box = await answer.locator("h2").first.bounding_box()
        assert urgent_box is not None and heading_box is not None
        await page.screenshot(path=str(tmp_path / "urgent.png"), full_page=True)
        return (
            str(await first.get_attribute("class")),
            await first.inner_text(),
            urgent_box["y"],
            heading_box["y"],
        )

    first_class, first_text, urgent_y, heading_y = in_browser(tmp_path, shipped_bot, use)
    assert first_class == "urgent"
    assert CALL_999 in first_text
    assert urgent_y < heading_y


def test_chat_topic_button_works_from_the_keyboard(tmp_path: Path, shipped_bot: Bot) -> None:
    """When the bot offers topics, Tab to one and press Enter: that topic's answer shows."""

    async def use(page: Page, base: str) -> tuple[str, str]:
        await ask_with_keyboard(page, base, "i have a concern")
        button = page.locator("section.answer .choices button").first
        label = (await button.inner_text()).split(". ", 1)[1]
        await tab_to_button(page, await button.inner_text())
        async with page.expect_navigation():
            await page.keyboard.press("Enter")
        return label, await page.locator("section.answer h2").first.inner_text()

    label, heading = in_browser(tmp_path, shipped_bot, use)
    assert heading == label


def test_chat_follow_up_typed_after_an_answer_is_read_with_the_question_before(
    tmp_path: Path, shipped_bot: Bot
) -> None:
    """Ask, then type a follow-up in the box on the answer page: the page sends its
    conversation back, so the two together (a missing 14-year-old with known exploiters) get
    the 999 instruction first."""

    async def use(page: Page, base: str) -> tuple[int, str]:
        await ask_with_keyboard(page, base, "LAC missing again")
        first = await page.locator("section.answer .urgent").count()
        await page.locator("#question").fill(
            "she's 14 and we think shes with adults known for exploitation"
        )
        async with page.expect_navigation():
            await page.locator("form.ask button").click()
        lead = page.locator("section.answer > *").first
        return first, await lead.inner_text()

    first, lead = in_browser(tmp_path, shipped_bot, use)
    assert first == 0
    assert CALL_999 in lead
