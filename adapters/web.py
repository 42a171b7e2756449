"""The web chat: a server-rendered page where a person asks and reads the answer.

No script and no build step: a form posts the question (never in the URL), the answer comes
back as a page. Offered topics are buttons that post the topic id. Works with a keyboard alone.
Forms post to `/ask#answer`, so the browser moves focus to the answer (a section that can take
focus) and a screen reader reads it from its start, the 999 line first; the page's title says
what came back.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from bot import Reply
from bot.compose import (
    ASKED_FOR,
    choice_now,
    choices_heading,
    contacts_first,
    example_label,
    now_lines,
    offered,
)
from bot.knowledge import phone_key
from bot.models import Contact

MAX_QUESTION_CHARS = 10_000
ASK_ACTION = "/ask#answer"  # the fragment: the browser moves focus to the answer

CSS = """
:root { color-scheme: light; --ink: #1b1b1b; --muted: #555; --line: #d0d0d0; --urgent: #a4000f; }
* { box-sizing: border-box; }
body { font: 1rem/1.5 system-ui, sans-serif; color: var(--ink); margin: 0; background: #f6f6f4; }
main { max-width: 46rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: .5rem 0; }
h2 { font-size: 1.15rem; margin: 1rem 0 .25rem; }
.banner { background: var(--urgent); color: #fff; padding: .5rem 1rem; font-weight: 600;
  margin: 0; }
form.ask textarea { width: 100%; min-height: 5rem; font: inherit; padding: .5rem; }
button { font: inherit; padding: .4rem .9rem; margin: .25rem .25rem .25rem 0; cursor: pointer; }
:focus-visible { outline: 3px solid #0b0c0c; outline-offset: 2px; }
.answer { background: #fff; border: 1px solid var(--line); padding: 1rem; margin-top: 1rem; }
.urgent { border-left: 6px solid var(--urgent); padding-left: .75rem; color: var(--urgent); }
.urgent p { margin: .25rem 0; font-weight: 600; }
.warning { border-left: 6px solid #b35c00; padding-left: .75rem; }
.contacts li { margin-bottom: .4rem; }
.choice-now { margin: .25rem 0 .75rem; }
.example { color: var(--muted); font-style: italic; }
.choices form { display: inline; }
.now { font-weight: 700; }
.sources, .privacy { color: var(--muted); font-size: .9rem; }
.sources li { margin-bottom: .3rem; }
.sources a { display: inline-block; padding: .2rem 0; }
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def paragraphs(text: str) -> str:
    """Answer text (paragraphs and "- " bullets) as HTML."""
    parts: list[str] = []
    for block in text.split("\n\n"):
        lines = [line.strip() for line in block.strip().splitlines() if line.strip()]
        if not lines:
            continue
        bullets = [line for line in lines if line.startswith("- ")]
        if bullets and len(bullets) == len(lines):
            items = "".join(f"<li>{_e(line[2:])}</li>" for line in lines)
            parts.append(f"<ul>{items}</ul>")
        elif bullets:
            head = [line for line in lines if not line.startswith("- ")]
            items = "".join(f"<li>{_e(line[2:])}</li>" for line in bullets)
            parts.append(f"<p>{_e(' '.join(head))}</p><ul>{items}</ul>")
        else:
            parts.append(f"<p>{_e(' '.join(lines))}</p>")
    return "".join(parts)


def _linked_reach(contact: Contact) -> str:
    """The contact's reach text, each real number a `tel:` link (a tap calls it on a phone).
    A fictional example's number is never a link: no one would answer it."""
    reach = _e(contact.reach)
    if contact.example:
        return reach
    for phone in contact.phones:
        pattern = re.compile(r"(?<![0-9])" + re.escape(_e(phone)) + r"(?![0-9])")
        reach = pattern.sub(f'<a href="tel:{phone_key(phone)}">{_e(phone)}</a>', reach, count=1)
    return reach


def _contact(contact: Contact) -> str:
    label = example_label(contact)
    example = f' <span class="example">({_e(label)})</span>' if label else ""
    return (
        f"<li><strong>{_e(contact.name)}</strong>: {_linked_reach(contact)}{example}"
        f'<br><span class="when">{_e(contact.when)}</span></li>'
    )


def _carried(conversation: str) -> str:
    """The hidden field that sends the page's conversation id back with a form ("" for none)."""
    if not conversation:
        return ""
    return f'<input type="hidden" name="conversation" value="{_e(conversation)}">'


def _topic_buttons(topics: Iterable[tuple[int, str, str]], conversation: str) -> str:
    return "".join(
        f'<form method="post" action="{ASK_ACTION}">{_carried(conversation)}'
        f'<input type="hidden" name="topic" value="{_e(tid)}">'
        f'<button type="submit">{number}. {_e(title)}</button></form>'
        for number, tid, title in topics
    )


def render_reply(reply: Reply, conversation: str = "") -> str:
    """A reply as an HTML fragment: urgent lead first, then the rest in the core's order. Its
    topic buttons carry `conversation`, so a question after a pick is still a follow-up."""
    numbered = offered(reply)
    label = (
        "Urgent: call 999 now if a child is in danger. Answer" if reply.urgent_lead else "Answer"
    )
    out: list[str] = [f'<section id="answer" class="answer" tabindex="-1" aria-label="{label}">']
    if reply.urgent_lead:
        lines = "".join(f"<p>{_e(line)}</p>" for line in reply.urgent_lead)
        out.append(f'<div class="urgent" role="alert">{lines}</div>')
    if reply.privacy_warning:
        out.append(f'<p class="warning">{_e(reply.privacy_warning)}</p>')
    if reply.asked_for:
        items = "".join(_contact(c) for c in reply.asked_for)
        out.append(f'<h2>{_e(ASKED_FOR)}</h2><ul class="contacts">{items}</ul>')
    items = "".join(_contact(c) for c in reply.contacts)
    contacts = f'<h2>Who to contact</h2><ul class="contacts">{items}</ul>'
    if reply.contacts and contacts_first(reply):
        out.append(contacts)
    if reply.notice:
        out.append(paragraphs(reply.notice))
    if reply.topic is not None:
        now = "".join(f'<p class="now">{_e(line)}</p>' for line in now_lines(reply))
        out.append(f"<h2>{_e(reply.topic.title)}</h2>{now}{paragraphs(reply.topic.answer)}")
    if reply.choices:
        heading = choices_heading(reply)
        # Each choice's button, with its Now line under it when the topics are close.
        choices = "".join(
            f'<div class="choice">'
            f"{_topic_buttons([(numbered.index(t) + 1, t.id, t.title)], conversation)}"
            + (
                f'<p class="choice-now">{_e(choice_now(reply, t))}</p>'
                if choice_now(reply, t)
                else ""
            )
            + "</div>"
            for t in reply.choices
        )
        out.append(f'<h2>{heading}</h2><div class="choices">{choices}</div>')
    if reply.contacts and not contacts_first(reply):
        out.append(contacts)
    related = [t for t in reply.related if t not in reply.choices]
    if related:
        buttons = _topic_buttons(
            [(numbered.index(t) + 1, t.id, t.title) for t in related], conversation
        )
        out.append(f'<h2>More on this</h2><div class="choices">{buttons}</div>')
    if reply.topic is not None and reply.topic.sources:
        items = "".join(
            f'<li><a href="{_e(s.url)}" rel="noopener noreferrer">{_e(s.title)}</a></li>'
            if s.url
            else f"<li>{_e(s.title)}</li>"
            for s in reply.topic.sources
        )
        out.append(f'<div class="sources"><h2>Sources</h2><ul>{items}</ul></div>')
    out.append(f'<p class="privacy">{_e(reply.privacy_reminder)}</p></section>')
    return "".join(out)


def reply_title(reply: Reply) -> str:
    """The page title for a reply: what came back, in a few words."""
    if reply.urgent_lead:
        return "Urgent: call 999 if a child is in danger"
    if reply.topic is not None:
        return reply.topic.title
    if reply.choices:
        return choices_heading(reply)
    return "Not sure"


def page(body: str = "", *, error: str = "", title: str = "", conversation: str = "") -> str:
    """The whole chat page, with an optional answer fragment (and its `title`) or error
    message. The question box takes focus only on the empty page: after a reply, the answer
    does. `conversation` is sent back with the next question, so it is read as a follow-up."""
    carried = f"{_carried(conversation)}\n" if conversation else ""
    error_html = (
        f'<p id="answer" class="warning" role="alert" tabindex="-1">{_e(error)}</p>'
        if error
        else ""
    )
    heading = f"Error: {error}" if error else title
    full_title = f"{_e(heading)} - Safeguarding guidance" if heading else "Safeguarding guidance"
    focus = "" if body or error else " autofocus"
    return f"""<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{full_title}</title>
<link rel="stylesheet" href="/static/chat.css">
</head>
<body>
<header><p class="banner">If a child is in immediate danger, call 999 now.</p></header>
<main>
<h1>Safeguarding guidance</h1>
<p id="ask-help">Ask about a concern for a child: signs of exploitation, what to do after a
disclosure, who to call. Describe the situation without names or identifying details.</p>
<form class="ask" method="post" action="{ASK_ACTION}">
{carried}<label for="question">Your question</label>
<textarea id="question" name="question" maxlength="{MAX_QUESTION_CHARS}" required
 aria-describedby="ask-help"{focus}>
</textarea>
<button type="submit">Ask</button>
</form>
{error_html}{body}
</main>
</body>
</html>
"""
