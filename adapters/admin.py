"""The admin page at `/admin`: the report, the not-sure inbox and the knowledge base's health.

Off (every `/admin` path is a 404) unless `ADMIN_TOKEN` is set. An admin logs in with that token
(compared in constant time) and gets a session cookie: Secure, HttpOnly, SameSite=Strict,
Path=/admin, for 8 hours. The session is stateless and signed with a key derived from the token,
so every instance accepts it and changing the token logs everyone out. Every form carries a CSRF
token bound to the session. Scripts reload the knowledge base with
`POST /admin/reload` and `Authorization: Bearer <ADMIN_TOKEN>`.

Server-rendered, no script and no inline style (the app's CSP forbids both): the chart is inline
SVG drawn with presentation attributes, with a data table beside it. Question text only ever
travels in POST bodies, never in a URL, and is never logged. The knowledge base stays in files:
the inbox shows the YAML snippet to paste, it writes nothing.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import html
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import yaml
from aiohttp import web

from adapters import logs
from adapters import web as webchat
from adapters.recording import RECORDER_KEY
from adapters.reload import RELOADER_KEY
from bot.knowledge import check
from bot.models import Topic
from bot.report import Report, build_report

COOKIE_NAME = "sgbot_admin"
COOKIE_PATH = "/admin"
SESSION_SECONDS = 8 * 3600
FAILED_LOGIN_DELAY_SECONDS = 0.5
DEFAULT_DAYS = 30
DAY_CHOICES = (7, 30, 90)
MAX_DAYS = 366
REPORT_FLUSH_SECONDS = 1.0
OUTCOMES = (
    ("answered", "Answered", "#2e7d32"),
    ("ambiguous", "Ambiguous (asked which)", "#b35c00"),
    ("not_sure", "Not sure", "#6a1b9a"),
)
RELOAD_FLASH = {
    "ok": ("ok", "Reloaded: the bot now answers from the files on disk."),
    "rejected": ("bad", "Reload rejected: the bot kept the last good knowledge base (below)."),
}
_SESSION_CONTEXT = b"safeguarding-bot admin session v1"
_CSRF_CONTEXT = b"safeguarding-bot admin csrf v1"

CSS = (
    webchat.CSS
    + """
main.admin { max-width: 68rem; }
header.admin { display: flex; flex-wrap: wrap; justify-content: space-between;
  align-items: center; gap: .5rem; }
header.admin form { margin: 0; }
section.card { background: #fff; border: 1px solid var(--line); padding: 1rem; margin-top: 1rem; }
.figures { display: flex; flex-wrap: wrap; gap: 1rem; list-style: none; padding: 0; margin: 0; }
.figures li { border: 1px solid var(--line); padding: .5rem .9rem; min-width: 9rem; }
.figures strong { display: block; font-size: 1.6rem; }
table { border-collapse: collapse; margin: .5rem 0; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { border-bottom: 1px solid var(--line); padding: .25rem .6rem; text-align: left; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
svg.chart { width: 100%; height: auto; max-width: 60rem; display: block; }
.inbox li { margin-bottom: 1rem; }
.inbox blockquote { margin: .25rem 0; padding: .25rem .75rem; border-left: 4px solid var(--line);
  background: #fafafa; }
.meta { color: var(--muted); font-size: .9rem; }
.problems li { font-family: ui-monospace, monospace; font-size: .9rem; }
pre.snippet { background: #1b1b1b; color: #f6f6f4; padding: 1rem; overflow-x: auto; }
.ok { color: #2e7d32; font-weight: 600; }
.bad { color: var(--urgent); font-weight: 600; }
nav.days a { margin-right: .75rem; }
label.inline { margin-right: .5rem; }
input[type="password"] { font: inherit; padding: .4rem; width: 100%; max-width: 28rem; }
select { font: inherit; padding: .3rem; max-width: 100%; }
"""
)


# ---------------------------------------------------------------------------------------------
# Sessions, CSRF and the bearer token


def _derive(token: str, context: bytes) -> bytes:
    return hmac.new(token.encode("utf-8"), context, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


@dataclass(frozen=True)
class AdminAuth:
    """Signs and checks sessions and CSRF tokens with keys derived from ADMIN_TOKEN."""

    token: str

    def _token_digest(self) -> bytes:
        return hashlib.sha256(self.token.encode("utf-8")).digest()

    def token_matches(self, given: str) -> bool:
        """Constant-time comparison (of digests, so not even the length leaks)."""
        given_digest = hashlib.sha256(given.encode("utf-8")).digest()
        return hmac.compare_digest(given_digest, self._token_digest())

    def new_session(self, now: float | None = None) -> str:
        """A signed session value, expiring SESSION_SECONDS from `now`."""
        expires = int((time.time() if now is None else now) + SESSION_SECONDS)
        return self.sign_session(expires, secrets.token_urlsafe(16))

    def sign_session(self, expires: int, nonce: str) -> str:
        """`expires.nonce.signature`: the signature covers the rest."""
        body = f"{expires}.{nonce}"
        mac = hmac.new(_derive(self.token, _SESSION_CONTEXT), body.encode(), hashlib.sha256)
        return f"{body}.{_b64(mac.digest())}"

    def session_valid(self, value: str, now: float | None = None) -> bool:
        """True for an unexpired session signed with this token's key."""
        parts = value.split(".")
        if len(parts) != 3 or not _small_number(parts[0]):
            return False
        expected = self.sign_session(int(parts[0]), parts[1])
        if not hmac.compare_digest(expected.encode(), value.encode()):
            return False
        return int(parts[0]) > (time.time() if now is None else now)

    def csrf_for(self, session: str) -> str:
        """The CSRF token bound to `session`."""
        mac = hmac.new(_derive(self.token, _CSRF_CONTEXT), session.encode(), hashlib.sha256)
        return _b64(mac.digest())

    def csrf_valid(self, session: str, given: str) -> bool:
        return hmac.compare_digest(self.csrf_for(session).encode(), given.encode())


ADMIN_KEY = web.AppKey("admin_auth", AdminAuth)
MAX_WAITING_FAILURES = 20  # wrong tokens queued behind one another; more are refused at once


class FailureGate:
    """Holds each wrong token's answer for FAILED_LOGIN_DELAY_SECONDS, one at a time, so guesses
    cannot be made faster in parallel (at most two a second per instance)."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._waiting = 0

    async def refuse_slowly(self) -> bool:
        """Wait out the delay in turn; False (answer 429 at once) when too many are queued."""
        if self._waiting >= MAX_WAITING_FAILURES:
            return False
        self._waiting += 1
        try:
            async with self._lock:
                await asyncio.sleep(FAILED_LOGIN_DELAY_SECONDS)
        finally:
            self._waiting -= 1
        return True


FAILURES_KEY = web.AppKey("admin_failures", FailureGate)


def _session(request: web.Request) -> str | None:
    """The request's valid session value, or None."""
    value = request.cookies.get(COOKIE_NAME, "")
    return value if value and request.app[ADMIN_KEY].session_valid(value) else None


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, credentials = header.partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


Handler = Callable[[web.Request, str], Awaitable[web.StreamResponse]]


def page_view(handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A GET page: without a valid session, a redirect to the login form."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        session = _session(request)
        if session is None:
            raise web.HTTPSeeOther("/admin/login")
        return await handler(request, session)

    return wrapped


def form_action(handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A POST from an admin form: 401 without a valid session, 403 without its CSRF token."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        session = _session(request)
        if session is None:
            return _html(_login_page("Your session has ended: log in again."), status=401)
        form = await request.post()
        given = form.get("csrf")
        if not isinstance(given, str) or not request.app[ADMIN_KEY].csrf_valid(session, given):
            logs.LOGGER.warning("admin csrf refused", extra={"event": "admin_csrf_refused"})
            return _html(_message_page("This form has expired: go back and try again."), 403)
        return await handler(request, session)

    return wrapped


# ---------------------------------------------------------------------------------------------
# Handlers


async def login_form(request: web.Request) -> web.Response:
    """`GET /admin/login`: the token form."""
    return _html(_login_page())


async def login(request: web.Request) -> web.Response:
    """`POST /admin/login`: a right token sets the session cookie; a wrong one is a 401."""
    form = await request.post()
    given = form.get("token")
    auth = request.app[ADMIN_KEY]
    if not isinstance(given, str) or not auth.token_matches(given.strip()):
        logs.LOGGER.warning("admin login refused", extra={"event": "admin_login", "status": 401})
        if not await request.app[FAILURES_KEY].refuse_slowly():
            return _html(_login_page("Too many wrong tokens; wait a minute."), status=429)
        return _html(_login_page("That token is not right."), status=401)
    logs.LOGGER.info("admin logged in", extra={"event": "admin_login", "status": 200})
    response = web.HTTPSeeOther("/admin")
    response.set_cookie(
        COOKIE_NAME,
        auth.new_session(),
        max_age=SESSION_SECONDS,
        path=COOKIE_PATH,
        secure=True,
        httponly=True,
        samesite="Strict",
    )
    raise response


@form_action
async def logout(request: web.Request, session: str) -> web.Response:
    """`POST /admin/logout`: forget the cookie in this browser."""
    response = web.HTTPSeeOther("/admin/login")
    response.del_cookie(
        COOKIE_NAME, path=COOKIE_PATH, secure=True, httponly=True, samesite="Strict"
    )
    raise response


@page_view
async def dashboard(request: web.Request, session: str) -> web.Response:
    """`GET /admin[?days=N]`: the report, chart, inbox and knowledge health."""
    days = _days(request.query.get("days", ""))
    recorder = request.app[RECORDER_KEY]
    reloader = request.app[RELOADER_KEY]
    await recorder.flush(REPORT_FLUSH_SECONDS)  # answers just given show up at once
    report: Report | None
    try:
        activity = await asyncio.to_thread(recorder.storage.activity, days)
        report = await asyncio.to_thread(build_report, activity, days)  # off the event loop
    except Exception as error:  # the page still shows the knowledge base's health
        logs.LOGGER.warning(
            "admin report failed",
            extra={"event": "admin_report_failed", "error_type": type(error).__name__},
        )
        report = None
    problems = [str(p) for p in await asyncio.to_thread(check, reloader.state.directory)]
    csrf = request.app[ADMIN_KEY].csrf_for(session)
    topics = reloader.service.bot.knowledge.topics
    flash = RELOAD_FLASH.get(request.query.get("reload", ""))
    body = "".join(
        [
            _flash(flash),
            _report_section(report, days, topics),
            _inbox_section(report, topics, csrf),
            _health_section(request, problems, csrf),
        ]
    )
    return _html(_admin_page(body, csrf))


@form_action
async def example_snippet(request: web.Request, session: str) -> web.Response:
    """`POST /admin/example` (question, topic): the YAML to paste to teach the bot a question."""
    form = await request.post()
    question, topic_id = form.get("question"), form.get("topic")
    if not isinstance(question, str) or not isinstance(topic_id, str) or not question.strip():
        return _html(_message_page("Pick a question and a topic."), status=400)
    if len(question) > webchat.MAX_QUESTION_CHARS:
        return _html(_message_page("That question is too long to be an example."), status=413)
    topic = request.app[RELOADER_KEY].service.bot.knowledge.topics.get(topic_id)
    if topic is None:
        return _html(_message_page("That topic is not in the knowledge base."), status=400)
    csrf = request.app[ADMIN_KEY].csrf_for(session)
    return _html(_admin_page(_snippet_section(question.strip(), topic), csrf))


async def reload_knowledge(request: web.Request) -> web.StreamResponse:
    """`POST /admin/reload`: Bearer token (scripts, JSON) or session + CSRF (the form)."""
    bearer = _bearer(request)
    reloader = request.app[RELOADER_KEY]
    if bearer is not None:
        if not request.app[ADMIN_KEY].token_matches(bearer):
            logs.LOGGER.warning("admin reload refused", extra={"event": "admin_reload"})
            if not await request.app[FAILURES_KEY].refuse_slowly():
                return web.json_response({"error": "too many wrong tokens"}, status=429)
            return web.json_response(
                {"error": "a valid 'Authorization: Bearer <ADMIN_TOKEN>' is required"},
                status=401,
                headers={"WWW-Authenticate": 'Bearer realm="admin"'},
            )
        reloaded = await reloader.reload("admin")
        return web.json_response({"reloaded": reloaded, "problems": list(reloader.state.problems)})
    return await _reload_form(request)


@form_action
async def _reload_form(request: web.Request, session: str) -> web.Response:
    reloaded = await request.app[RELOADER_KEY].reload("admin")
    raise web.HTTPSeeOther("/admin?reload=" + ("ok" if reloaded else "rejected"))


async def admin_css(request: web.Request) -> web.Response:
    """The admin page's style sheet (no data in it, so no session needed)."""
    return web.Response(text=CSS, content_type="text/css")


def mount(app: web.Application, token: str) -> None:
    """Serve the admin page when `token` (ADMIN_TOKEN) is set; otherwise `/admin` is a 404."""
    if not token:
        return
    app[ADMIN_KEY] = AdminAuth(token)
    app[FAILURES_KEY] = FailureGate()
    app.router.add_get("/static/admin.css", admin_css)
    app.router.add_get("/admin", dashboard)
    app.router.add_get("/admin/login", login_form)
    app.router.add_post("/admin/login", login)
    app.router.add_post("/admin/logout", logout)
    app.router.add_post("/admin/reload", reload_knowledge)
    app.router.add_post("/admin/example", example_snippet)


# ---------------------------------------------------------------------------------------------
# Rendering


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html")


def _small_number(raw: str) -> bool:
    """ASCII digits only, and few of them: "²" is a digit to `isdigit` but not to `int`, and
    `int` refuses more than 4,300 digits."""
    return 0 < len(raw) <= 12 and raw.isascii() and raw.isdigit()


def _days(raw: str) -> int:
    return int(raw) if _small_number(raw) and 1 <= int(raw) <= MAX_DAYS else DEFAULT_DAYS


def _document(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{_e(title)}</title>
<link rel="stylesheet" href="/static/admin.css">
</head>
<body>
<main class="admin">
{body}
</main>
</body>
</html>
"""


def _login_page(error: str = "") -> str:
    alert = f'<p class="warning" role="alert">{_e(error)}</p>' if error else ""
    return _document(
        "Admin login: safeguarding bot",
        f"""<h1>Safeguarding bot: admin</h1>
{alert}<form method="post" action="/admin/login">
<p><label for="token">Admin token</label><br>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
</p>
<button type="submit">Log in</button>
</form>""",
    )


def _message_page(message: str) -> str:
    return _document(
        "Safeguarding bot: admin",
        f'<h1>Safeguarding bot: admin</h1><p role="alert">{_e(message)}</p>'
        '<p><a href="/admin">Back to the admin page</a></p>',
    )


def _csrf_field(csrf: str) -> str:
    return f'<input type="hidden" name="csrf" value="{_e(csrf)}">'


def _admin_page(body: str, csrf: str) -> str:
    header = f"""<header class="admin">
<h1><a href="/admin">Safeguarding bot: admin</a></h1>
<form method="post" action="/admin/logout">{_csrf_field(csrf)}<button type="submit">Log out</button>
</form>
</header>"""
    return _document("Admin: safeguarding bot", header + body)


def _flash(flash: tuple[str, str] | None) -> str:
    if flash is None:
        return ""
    kind, text = flash
    return f'<p class="{kind}" role="status">{_e(text)}</p>'


def _percent(rate: float | None) -> str:
    return "no votes" if rate is None else f"{rate * 100:.0f}%"


def _report_section(report: Report | None, days: int, topics: Mapping[str, Topic]) -> str:
    links = " ".join(
        f'<a href="/admin?days={n}"{" aria-current=page" if n == days else ""}>{n} days</a>'
        for n in DAY_CHOICES
    )
    head = (
        f'<section class="card" aria-labelledby="report-h"><h2 id="report-h">'
        f"The last {days} day(s)</h2>"
        f'<nav class="days" aria-label="Period">{links}</nav>'
    )
    if report is None:
        return head + '<p class="bad" role="alert">The database did not answer: no report.</p>'
    outcomes = dict.fromkeys((key for key, _, _ in OUTCOMES), 0) | report.by_outcome
    figures = [("Questions", report.total), ("Urgent (999 first)", report.urgent)] + [
        (label, outcomes.get(key, 0)) for key, label, _ in OUTCOMES
    ]
    cards = "".join(f"<li><strong>{n:,}</strong>{_e(label)}</li>" for label, n in figures)
    channels = (
        "".join(
            f'<tr><th scope="row">{_e(c)}</th><td class="n">{n:,}</td></tr>'
            for c, n in report.by_channel.items()
        )
        or '<tr><td colspan="2">None yet</td></tr>'
    )
    topic_rows = (
        "".join(
            f'<tr><th scope="row">{_e(t.topic)}</th><td>{_topic_title(topics, t.topic)}</td>'
            f'<td class="n">{t.answers:,}</td>'
            f'<td class="n">{_percent(t.helpful_rate)}</td>'
            f'<td class="n">{t.helpful + t.not_helpful:,}</td></tr>'
            for t in report.topics
        )
        or '<tr><td colspan="5">None yet</td></tr>'
    )
    return (
        head
        + f'<ul class="figures">{cards}</ul>'
        + _chart(report.per_day, days)
        + '<table><caption>By channel</caption><thead><tr><th scope="col">Channel</th>'
        + f'<th scope="col" class="n">Questions</th></tr></thead><tbody>{channels}</tbody></table>'
        + '<table><caption>Topics by volume</caption><thead><tr><th scope="col">Topic</th>'
        + '<th scope="col">Title</th>'
        + '<th scope="col" class="n">Answers</th><th scope="col" class="n">Helpful</th>'
        + f'<th scope="col" class="n">Votes</th></tr></thead><tbody>{topic_rows}</tbody></table>'
        + "</section>"
    )


def nice_top(largest: int) -> int:
    """The chart's top: an even round number at least `largest`, so 0, half, top are whole."""
    scale = 1
    while True:
        for step in (2, 4, 6, 8, 10):
            if step * scale >= largest:
                return step * scale
        scale *= 10


def _topic_title(topics: Mapping[str, Topic], topic_id: str) -> str:
    topic = topics.get(topic_id)
    return _e(topic.title) if topic else '<span class="meta">no longer in the knowledge base</span>'


def _chart(per_day: Mapping[str, Mapping[str, int]], days: int, today: date | None = None) -> str:
    """Questions per day, stacked by outcome, as inline SVG (title, desc) and a data table."""
    end = today or date.today()
    day_list = [(end - timedelta(days=days - 1 - i)).isoformat() for i in range(days)]
    totals = [sum(per_day.get(d, {}).values()) for d in day_list]
    top = nice_top(max(totals, default=0))
    width, height, left, right, top_pad, bottom = 720, 260, 44, 12, 28, 40
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    slot = plot_w / len(day_list)
    bar = max(slot * 0.7, 1.0)
    shapes: list[str] = []
    for tick in (0, top // 2, top):
        y = top_pad + plot_h - plot_h * tick / top
        shapes.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            f'stroke="#d0d0d0" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#555">{tick}</text>'
        )
    label_every = max(1, round(len(day_list) / 8))
    for i, day in enumerate(day_list):
        x = left + i * slot + (slot - bar) / 2
        base = float(top_pad + plot_h)
        for key, label, colour in OUTCOMES:
            count = per_day.get(day, {}).get(key, 0)
            if not count:
                continue
            h = plot_h * count / top
            base -= h
            shapes.append(
                f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{colour}"><title>{day}: {_e(label)} {count}</title></rect>'
            )
        if (len(day_list) - 1 - i) % label_every == 0:  # today always has its label
            shapes.append(
                f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                f'font-size="11" fill="#555">{day[5:]}</text>'
            )
    legend = "".join(
        f'<rect x="{left + 190 * n}" y="6" width="12" height="12" fill="{colour}"/>'
        f'<text x="{left + 190 * n + 18}" y="16" font-size="12" fill="#1b1b1b">{_e(label)}</text>'
        for n, (_, label, colour) in enumerate(OUTCOMES)
    )
    total = sum(totals)
    busiest = max(range(len(day_list)), key=lambda i: totals[i])
    desc = (
        f"{total} question(s) from {day_list[0]} to {day_list[-1]}"
        + (f"; the busiest day was {day_list[busiest]} with {totals[busiest]}." if total else ".")
        + " The table below gives the figures."
    )
    svg = (
        f'<svg class="chart" role="img" aria-labelledby="chart-title chart-desc" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="chart-title">Questions per day, by outcome</title>'
        f'<desc id="chart-desc">{_e(desc)}</desc>{legend}{"".join(shapes)}'
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - right}" '
        f'y2="{top_pad + plot_h}" stroke="#1b1b1b" stroke-width="1"/></svg>'
    )
    heads = "".join(f'<th scope="col" class="n">{_e(label)}</th>' for _, label, _ in OUTCOMES)
    rows = (
        "".join(
            f'<tr><th scope="row">{day}</th>'
            + "".join(f'<td class="n">{per_day[day].get(key, 0)}</td>' for key, _, _ in OUTCOMES)
            + f'<td class="n">{sum(per_day[day].values())}</td></tr>'
            for day in day_list
            if day in per_day
        )
        or f'<tr><td colspan="{len(OUTCOMES) + 2}">No questions in this period</td></tr>'
    )
    table = (
        '<table class="chart-data"><caption>Questions per day (the chart\'s figures)</caption>'
        f'<thead><tr><th scope="col">Day</th>{heads}<th scope="col" class="n">Total</th></tr>'
        f"</thead><tbody>{rows}</tbody></table>"
    )
    return f'<figure class="chart">{svg}{table}</figure>'


def _inbox_section(report: Report | None, topics: Mapping[str, Topic], csrf: str) -> str:
    head = (
        '<section class="card inbox" aria-labelledby="inbox-h">'
        '<h2 id="inbox-h">Questions the bot was not sure about</h2>'
        "<p>Redacted, with near-duplicates grouped. To teach the bot, pick the topic that "
        "answers a question: the page shows the line to add to that topic's examples in its "
        "file. The knowledge base stays in its files; the bot reloads them when they change.</p>"
    )
    if report is None or not report.unanswered:
        return head + "<p>None in this period.</p></section>"
    ordered = sorted(topics.values(), key=lambda t: t.title.lower())
    items: list[str] = []
    for n, group in enumerate(report.unanswered, start=1):
        first = group.offered[0] if group.offered else ""
        options = '<option value="">Choose a topic</option>' + "".join(
            f'<option value="{_e(t.id)}"{" selected" if t.id == first else ""}>'
            f"{_e(t.title)} ({_e(t.id)})</option>"
            for t in ordered
        )
        offered = f"; offered {', '.join(group.offered)}" if group.offered else ""
        items.append(
            f'<li><blockquote id="question-{n}">{_e(group.question)}</blockquote>'
            f'<p class="meta">Asked {group.count} time(s), last {_e(group.last_day)}, on '
            f"{_e(', '.join(group.channels))}{_e(offered)}</p>"
            # Each control names the question it acts on, for a screen reader moving by control.
            f'<form method="post" action="/admin/example">{_csrf_field(csrf)}'
            f'<input type="hidden" name="question" value="{_e(group.question)}">'
            f'<label class="inline" for="topic-{n}">Add as an example of</label>'
            f'<select id="topic-{n}" name="topic" required aria-describedby="question-{n}">'
            f"{options}</select> "
            f'<button type="submit" aria-describedby="question-{n}">Show the YAML to paste'
            f"</button></form></li>"
        )
    return head + f"<ol>{''.join(items)}</ol></section>"


def _problem_list(problems: Sequence[str], empty: str) -> str:
    if not problems:
        return f'<p class="ok">{_e(empty)}</p>'
    items = "".join(f"<li>{_e(p)}</li>" for p in problems)
    return f'<ul class="problems">{items}</ul>'


def _when(moment: datetime | None) -> str:
    return "never" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S %Z").strip()


def _health_section(request: web.Request, problems: Sequence[str], csrf: str) -> str:
    state = request.app[RELOADER_KEY].state
    rows = [
        ("Topics answering now", f"{state.topics:,}"),
        ("Last loaded", _when(state.loaded_at)),
        ("Last reload attempt", _when(state.last_attempt_at)),
        ("Reloads", f"{state.reloads:,}"),
        ("Edits rejected", f"{state.rejected:,}"),
    ]
    table = "".join(f'<tr><th scope="row">{k}</th><td>{_e(v)}</td></tr>' for k, v in rows)
    rejected = (
        '<h3>The last rejected edit</h3><p class="bad">The bot kept answering from the last good '
        "knowledge base. Fix these and reload:</p>" + _problem_list(state.problems, "")
        if state.problems
        else ""
    )
    return (
        '<section class="card" aria-labelledby="health-h">'
        '<h2 id="health-h">The knowledge base</h2>'
        f"<table><caption>Loaded from {_e(state.directory)}</caption><tbody>{table}</tbody></table>"
        f"{rejected}<h3>Check of the files on disk now</h3>"
        + _problem_list(problems, "No problems found.")
        + f'<form method="post" action="/admin/reload">{_csrf_field(csrf)}'
        '<button type="submit">Reload knowledge now</button></form></section>'
    )


def example_indent(topic: Topic) -> str:
    """The indentation of the topic's example lines in its file (six spaces when unknown)."""
    if topic.where is None:
        return " " * 6
    try:
        lines = Path(topic.where.path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return " " * 6
    in_examples = False
    for line in lines[max(topic.where.line - 1, 0) :]:
        stripped = line.strip()
        if stripped.startswith("examples:"):
            in_examples = True
        elif in_examples and stripped.startswith("- "):
            return line[: len(line) - len(line.lstrip())]
    return " " * 6


def yaml_item(question: str) -> str:
    """`- question` as one YAML list item, quoted when YAML needs it."""
    dumped = yaml.safe_dump([question], allow_unicode=True, width=10**6, default_flow_style=False)
    return str(dumped).strip().splitlines()[0]


def example_snippet_text(question: str, topic: Topic) -> str:
    """The line to paste under the topic's `examples:`."""
    return example_indent(topic) + yaml_item(question)


def _snippet_section(question: str, topic: Topic) -> str:
    where = topic.where
    place = (
        f"in <code>{_e(where.path)}</code> (the topic starts at line {where.line})"
        if where is not None
        else "in its topic file"
    )
    return (
        '<section class="card" aria-labelledby="snippet-h">'
        f'<h2 id="snippet-h">Add this example to “{_e(topic.title)}”</h2>'
        f"<p>Paste this line under <code>examples:</code> of topic <code>{_e(topic.id)}</code> "
        f"{place}:</p>"
        f'<pre class="snippet"><code>{_e(example_snippet_text(question, topic))}</code></pre>'
        "<p>Save the file: the bot reloads it by itself (or use “Reload knowledge now”), and the "
        "admin page shows any problem with the edit. Check the redacted question still reads "
        "naturally, and that it is worded the way staff ask.</p>"
        '<p><a href="/admin">Back to the admin page</a></p></section>'
    )
