"""Live knowledge reload: an edit to `knowledge/` takes effect without a restart.

A reload builds a whole new bot from the directory in a child process and swaps it in with one
assignment, so no request ever sees a half-loaded base. A broken edit is rejected as a whole:
the bot keeps answering from the last good knowledge base, and every problem (with file:line) is
logged and kept for `/readyz` and the admin page. Triggers: a change on disk (polling), SIGHUP,
and the authenticated `POST /admin/reload`.

Why a child process: a build is most of a second of Python work. In a thread of this process it
held the interpreter lock that the event loop needs after every socket read and write, and
answers queued behind it (bench/load: p99 ack 504-613 ms during reloads); the build's transient
memory (about 37 MB) stayed in this process too. The child is started fresh (`spawn`: it forks
nothing from a process with threads), builds, and writes the finished bot, pickled (about
15 MB), to a temporary file that this process reads as it unpickles and then deletes.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import multiprocessing
import os
import pickle
import tempfile
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web

from adapters import logs
from adapters.service import ChatService
from bot import Bot
from bot.knowledge import KnowledgeError


def fingerprint(directory: Path) -> tuple[tuple[str, int, int], ...]:
    """What changes when any YAML file under `directory` is edited, added or removed."""
    entries = []
    for path in sorted(directory.rglob("*.yaml")):
        with contextlib.suppress(OSError):  # a file removed between listing and stat
            stat = path.stat()
            entries.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(entries)


def _return_freed_memory() -> None:
    """Collect the old bot and hand the freed heap back to the system (glibc's malloc_trim):
    without it, each reload's peak stayed in the process as if both bots were still there."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


BUILD_NICENESS = 10  # the child's scheduling priority, lowered by this much


def _build_into(build: Callable[[], Bot], path: str) -> None:
    """In the child: build, and write the bot to `path` (pickled). The build runs at a lower
    priority: on a machine of few cores, answering staff comes before the new knowledge base."""
    with contextlib.suppress(OSError):
        os.nice(BUILD_NICENESS)
    bot = build()
    with open(path, "wb") as out:
        pickle.dump(bot, out, protocol=pickle.HIGHEST_PROTOCOL)


def _read_bot(path: str) -> Bot:
    with open(path, "rb") as source:
        bot: Bot = pickle.load(source)
    return bot


async def built_in_child(build: Callable[[], Bot]) -> Bot:
    """Run `build` (picklable: a module-level function or a partial of one) in a new child
    process and return what it built; its exceptions are raised here. The bot comes back
    through a temporary file, read as it is unpickled: sent back whole, its 15 MB of bytes sat
    in memory beside the two bots at the reload's peak."""
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    handle, path = tempfile.mkstemp(prefix="safeguarding-bot-", suffix=".pickle")
    os.close(handle)
    try:
        await asyncio.get_running_loop().run_in_executor(pool, _build_into, build, path)
        return await asyncio.to_thread(_read_bot, path)
    finally:
        pool.shutdown(wait=False)  # the child has finished; do not block the loop on it
        with contextlib.suppress(OSError):
            os.unlink(path)


@dataclass
class KnowledgeState:
    """What the running bot knows about its knowledge base, for /readyz and the admin page."""

    directory: Path
    topics: int = 0
    loaded_at: datetime | None = None
    last_attempt_at: datetime | None = None
    problems: tuple[str, ...] = ()
    reloads: int = 0
    rejected: int = 0
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)


class Reloader:
    """Rebuilds the bot from its knowledge directory and swaps it into the chat service."""

    def __init__(self, service: ChatService, build: Callable[[], Bot], directory: Path) -> None:
        self.service = service
        self.build = build
        self.state = KnowledgeState(
            directory=directory,
            topics=len(service.bot.knowledge.topics),
            loaded_at=datetime.now(UTC),
        )
        self._seen = fingerprint(directory)
        self._tasks: set[asyncio.Task[bool]] = set()

    async def reload(self, reason: str) -> bool:
        """Load the directory again; True when the new knowledge base is now answering."""
        async with self.state._lock:
            self._seen = fingerprint(self.state.directory)
            self.state.last_attempt_at = datetime.now(UTC)
            try:
                bot = await built_in_child(self.build)
            except KnowledgeError as error:
                return self._reject(reason, tuple(str(p) for p in error.problems))
            except BrokenProcessPool as error:
                stopped = f"{self.state.directory}: the build process stopped: {error}"
                return self._reject(reason, (stopped,))
            self.service.use(bot)
            _return_freed_memory()
            self.state.topics = len(bot.knowledge.topics)
            self.state.loaded_at = self.state.last_attempt_at
            self.state.problems = ()
            self.state.reloads += 1
            logs.LOGGER.info(
                "knowledge reloaded",
                extra={"event": "knowledge_reloaded", "path": reason, "topics": self.state.topics},
            )
            return True

    def _reject(self, reason: str, problems: tuple[str, ...]) -> bool:
        """Keep answering from the last good base; record and log why the new one was not."""
        self.state.problems = problems
        self.state.rejected += 1
        logs.LOGGER.error(
            "knowledge rejected",
            extra={"event": "knowledge_rejected", "path": reason, "problems": list(problems)},
        )
        return False

    def trigger(self, reason: str) -> None:
        """Start a reload from synchronous code (a signal handler); the task is kept alive."""
        task = asyncio.get_running_loop().create_task(self.reload(reason))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def changed(self) -> bool:
        """Whether the directory differs from when it was last read."""
        return fingerprint(self.state.directory) != self._seen

    def context(self, poll_seconds: float) -> Callable[[web.Application], AsyncIterator[None]]:
        """A cleanup context that polls for changes every `poll_seconds` (0: never)."""

        async def watch(app: web.Application) -> AsyncIterator[None]:
            task = None
            if poll_seconds > 0:
                task = asyncio.get_running_loop().create_task(self._poll(poll_seconds))
            yield
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

        return watch

    async def _poll(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            if await asyncio.to_thread(self.changed):
                # Give an editor a moment to finish writing several files, then read them all.
                await asyncio.sleep(min(seconds, 0.5))
                await self.reload("file change")


RELOADER_KEY = web.AppKey("reloader", Reloader)
