"""Every channel's rendering of a reply as one string, for tests of what comes before what."""

from __future__ import annotations

import json
from collections.abc import Callable

from adapters.slack import to_blocks
from adapters.teams import to_card
from adapters.web import render_reply
from bot.compose import plain_text
from bot.models import Reply

RENDERINGS: dict[str, Callable[[Reply], str]] = {
    "text": plain_text,
    "web chat": render_reply,
    "Slack": lambda reply: json.dumps(to_blocks(reply)),
    "Teams": lambda reply: json.dumps(to_card(reply)),
}
