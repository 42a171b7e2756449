"""Shared fixtures: the shipped knowledge base, and small knowledge directories to break."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml
from aiohttp import DummyCookieJar, web
from aiohttp.test_utils import TestClient, TestServer

from bot import Bot
from bot.knowledge import KnowledgeBase, load
from bot.storage import SqlStorage
from tests.storage_backends import open_storage

T = TypeVar("T")

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "knowledge"
# Messages that must, and must not, get the 999 instruction (issue: urgent rules).
URGENT_PHRASINGS = yaml.safe_load((ROOT / "tests" / "data" / "urgent_phrasings.yaml").read_text())

CONTACTS = """\
local:
  - id: dsl
    name: Designated safeguarding lead (DSL)
    role: The safeguarding lead.
    reach: "Example DSL: 01632 960001"
    phones: ["01632 960001"]
    when: Every concern.
    example: true
national:
  - id: police-999
    name: Police emergency (999)
    role: The police, in an emergency.
    reach: "999"
    phones: ["999"]
    when: A child in immediate danger.
  - id: nspcc-helpline
    name: NSPCC Helpline
    role: Advice for adults.
    reach: "0808 800 5000"
    phones: ["0808 800 5000"]
    when: Advice.
"""

URGENT = """\
rules:
  - id: danger-now
    description: A child in danger now.
    all_of:
      - [in danger, being hurt]
      - [now, right now]
    say: Stay with the child.
    contacts: [police-999, dsl]
    topic: signs
"""

TOPICS = """\
topics:
  - id: signs
    title: Signs of exploitation
    examples:
      - what are the signs of exploitation
      - signs a child is being exploited
      - how do i spot exploitation
      - indicators of child exploitation
      - warning signs of cse
    answer: |
      Look for changes in behaviour.

      - Tell your DSL.
    contacts: [dsl]
    related: [referral]
    sources:
      - title: A guide
        url: https://example.org/guide
  - id: referral
    title: Making a referral
    examples:
      - how do i make a referral to social care
      - how to refer a child to mash
      - referral to childrens services
      - who do i refer to
      - making a referral
    answer: Tell your DSL, who refers to children's social care.
    contacts: [dsl, nspcc-helpline]
    related: []
    sources:
      - title: Working together
        url: https://example.org/wt
"""


class KnowledgeDir:
    """A small, valid knowledge directory in a temporary folder, for tests to edit and break."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "topics").mkdir(parents=True)
        self.write("contacts.yaml", CONTACTS)
        self.write("urgent.yaml", URGENT)
        self.write("topics/main.yaml", TOPICS)

    def write(self, name: str, text: str) -> Path:
        path = self.root / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def replace(self, name: str, old: str, new: str) -> None:
        path = self.root / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {name}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def line_of(self, name: str, fragment: str) -> int:
        """The 1-based line of the first line containing `fragment`."""
        for number, line in enumerate((self.root / name).read_text().splitlines(), start=1):
            if fragment in line:
                return number
        raise AssertionError(f"{fragment!r} not in {name}")


@pytest.fixture(autouse=True)
def _work_in_a_temporary_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs in its own empty directory, so the default SQLite file (var/) and
    anything else written relative to the working directory stay out of the checkout."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def knowledge_dir(tmp_path: Path) -> KnowledgeDir:
    return KnowledgeDir(tmp_path / "knowledge")


@pytest.fixture(scope="session")
def shipped_knowledge() -> KnowledgeBase:
    return load(SHIPPED)


@pytest.fixture(scope="session")
def shipped_bot(shipped_knowledge: KnowledgeBase) -> Bot:
    return Bot(shipped_knowledge)


@pytest.fixture(params=["sqlite", "postgres"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStorage]:
    """A fresh, migrated storage: SQLite, and PostgreSQL when TEST_DATABASE_URL is set."""
    store = open_storage(request.param, tmp_path)
    store.migrate()
    yield store
    store.close()


def run_python(script: str) -> subprocess.CompletedProcess[str]:
    """Run `script` in a fresh Python process from the repository's root (bounded to 60 s),
    capturing its output: for what only a new process shows (imports, logging set-up)."""
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def run_app(
    make_app: Callable[[], web.Application],
    use: Callable[[TestClient[Any, Any]], Awaitable[T]],
    *,
    timeout: float = 30,
    keep_cookies: bool = True,
) -> T:
    """Build the app (inside the test's event loop), serve it on a loopback port, run `use`
    against it with a bounded wait, and stop it (which also flushes what the app keeps).

    With `keep_cookies=False` the client keeps none, so a test sends exactly the cookie it means.
    """

    async def run() -> T:
        server = TestServer(make_app(), host="127.0.0.1")
        jar = None if keep_cookies else DummyCookieJar()
        async with TestClient(server, cookie_jar=jar) as client:
            return await asyncio.wait_for(use(client), timeout=timeout)

    return asyncio.run(run())
