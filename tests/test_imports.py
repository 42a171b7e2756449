"""The core stays free of chat platforms and web frameworks (DESIGN.md: adapters -> bot only)."""

from __future__ import annotations

from tests.conftest import run_python

FORBIDDEN = ("slack_bolt", "slack_sdk", "botbuilder", "botframework", "aiohttp", "adapters")


def test_importing_bot_imports_no_platform_sdk_or_web_framework() -> None:
    """`import bot` and answering load none of slack_bolt, slack_sdk, botbuilder, aiohttp."""
    script = (
        "import sys, bot\n"
        "bot.Bot.from_directory('knowledge').answer(bot.Question('what is cse'))\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}))\n"
    )
    result = run_python(script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
