"""The core stays free of chat platforms and web frameworks (DESIGN.md: adapters -> bot only)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

FORBIDDEN = ("slack_bolt", "slack_sdk", "botbuilder", "botframework", "aiohttp", "adapters")


def test_importing_bot_imports_no_platform_sdk_or_web_framework() -> None:
    """`import bot` and answering load none of slack_bolt, slack_sdk, botbuilder, aiohttp."""
    script = (
        "import sys, bot\n"
        "bot.Bot.from_directory('knowledge').answer(bot.Question('what is cse'))\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "[]"
