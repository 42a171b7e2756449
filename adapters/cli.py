"""`safeguarding-bot`: serve | chat | ask | evaluate | report | check.

Exit codes: 0 success, 2 a knowledge base or setting with problems (each printed with its
place), 1 anything else that stopped the command.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from adapters import console, logs
from adapters.settings import Settings, SettingsError
from bot import Bot, Question, evaluation
from bot.compose import plain_text
from bot.knowledge import KnowledgeError, check, display_path
from bot.report import build_report, format_report
from bot.storage import StorageError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_PROBLEMS = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="safeguarding-bot",
        description="Safeguarding guidance for frontline staff, in chat.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the web application (web chat, Slack, Teams)")
    serve.add_argument("--host", help="address to listen on (default: HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default: PORT or 8080)")
    serve.add_argument(
        "--chat", action="store_true", help="also run the terminal chat in this terminal"
    )

    commands.add_parser("chat", help="chat in this terminal")

    ask = commands.add_parser("ask", help="answer one question and exit")
    ask.add_argument(
        "question",
        nargs="?",
        default="-",
        help="the question, in quotes; '-' or nothing reads it from standard input, which keeps "
        "it out of your shell's history and the process list",
    )
    ask.add_argument("--json", action="store_true", help="print the structured reply as JSON")

    evaluate = commands.add_parser("evaluate", help="measure the bot on evaluation questions")
    evaluate.add_argument(
        "file",
        nargs="?",
        type=Path,
        default=Path("tests/eval/questions.yaml"),
        help="the evaluation questions (default: tests/eval/questions.yaml)",
    )
    evaluate.add_argument("--json", action="store_true", help="print the figures as JSON")
    evaluate.add_argument(
        "--figures-only",
        action="store_true",
        help="print the figures without the failing questions (for a held-out set whose "
        "questions must stay unread)",
    )

    report = commands.add_parser("report", help="what staff asked, could not find, found helpful")
    report.add_argument("--days", type=int, default=30, help="how many days back (default 30)")
    report.add_argument("--json", action="store_true", help="print the report as JSON")

    check_cmd = commands.add_parser("check", help="validate a knowledge directory")
    check_cmd.add_argument(
        "directory",
        nargs="?",
        type=Path,
        help="the knowledge directory (default: KNOWLEDGE_DIR or the shipped one)",
    )
    check_cmd.add_argument(
        "--production",
        action="store_true",
        help="check as production mode starts: a contact still marked 'example: true' is a "
        "problem (the default when SAFEGUARDING_MODE=production)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"safeguarding-bot: {error}", file=sys.stderr)
        return EXIT_PROBLEMS
    if args.command == "check":
        production = args.production or settings.production
        return _check(args.directory or settings.knowledge_dir, production=production)
    if args.command == "report":
        return _report(settings, days=args.days, as_json=args.json)
    try:
        bot = _build(settings)
    except KnowledgeError as error:
        print(
            f"safeguarding-bot: the knowledge base has {len(error.problems)} problem(s); "
            "fix them and start again:",
            file=sys.stderr,
        )
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return EXIT_PROBLEMS
    if args.command == "ask":
        text = sys.stdin.read() if args.question == "-" else args.question
        reply = bot.answer(Question(text=text, channel="cli"))
        if args.json:
            print(json.dumps(console.reply_json(reply), ensure_ascii=False, indent=2))
        else:
            print(plain_text(reply))
        return EXIT_OK
    if args.command == "evaluate":
        return _evaluate(bot, args.file, as_json=args.json, failures=not args.figures_only)
    if args.command == "chat":
        console.chat(bot, input, sys.stdout)
        return EXIT_OK
    # The server takes the bot out of this list: a knowledge reload replaces it in the app, and
    # a frame here that still held the first one would keep it in memory beside every later one.
    handed = [bot]
    del bot
    return _serve(settings, handed, host=args.host, port=args.port, with_chat=args.chat)


def _build(settings: Settings) -> Bot:
    from adapters.app import build_bot  # here, so `ask` and `check` need no aiohttp

    return build_bot(settings)


def _evaluate(bot: Bot, path: Path, *, as_json: bool, failures: bool = True) -> int:
    try:
        questions = evaluation.load_questions(path)
    except (OSError, ValueError) as error:
        print(f"safeguarding-bot: {error}", file=sys.stderr)
        return EXIT_PROBLEMS
    report = evaluation.evaluate(bot, questions)
    if as_json:
        print(json.dumps({**report.as_dict(), "targets": report.targets_as_list()}, indent=2))
    else:
        print(evaluation.format_report(report, display_path(path), failures=failures))
    return EXIT_OK


def _report(settings: Settings, *, days: int, as_json: bool) -> int:
    from adapters.app import open_storage  # here, so `ask` and `check` need no database driver

    if not 1 <= days <= 3650:
        print("safeguarding-bot: --days must be from 1 to 3650", file=sys.stderr)
        return EXIT_PROBLEMS
    storage = open_storage(settings)
    try:
        built = build_report(storage.activity(days), days)
    except StorageError as error:
        print(f"safeguarding-bot: cannot read the database: {error}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        storage.close()
    if as_json:
        print(json.dumps(dataclasses.asdict(built), indent=2))
    else:
        print(format_report(built))
    return EXIT_OK


def _check(directory: Path, *, production: bool) -> int:
    problems = check(directory, refuse_examples=production)
    for problem in problems:
        print(problem)
    mode = " (production mode)" if production else ""
    if problems:
        print(f"{len(problems)} problem(s) in {display_path(directory)}{mode}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"{display_path(directory)}: no problems{mode}")
    return EXIT_OK


def _serve(
    settings: Settings, handed: list[Bot], *, host: str | None, port: int | None, with_chat: bool
) -> int:
    from adapters.server import serve  # aiohttp only when serving

    with_chat = with_chat and sys.stdin.isatty()
    # The terminal chat shares the terminal: its logs go to a file instead of between answers.
    log_file = Path("var/safeguarding-bot.log") if with_chat else None
    logs.configure(settings.log_level, log_file)
    if log_file is not None:
        print(f"logs: {log_file}")
    try:
        _event_loop_runner()(
            serve(
                settings,
                handed,
                host=host or settings.host,
                port=port or settings.port,
                with_chat=with_chat,
            )
        )
    except KeyboardInterrupt:
        pass
    except OSError as error:
        print(f"safeguarding-bot: cannot listen: {error.strerror}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _event_loop_runner() -> Callable[[Coroutine[Any, Any, None]], None]:
    """uvloop's event loop (libuv, in C) where it is installed, as on Linux and macOS; asyncio's
    own elsewhere. With uvloop one process sustains more events a second at a lower p99 (the
    sockets, timers and callbacks of every request run in C; bench/load/README.md)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run
    return uvloop.run


if __name__ == "__main__":
    raise SystemExit(main())
