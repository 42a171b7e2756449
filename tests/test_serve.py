"""`safeguarding-bot serve` as a real process: prints its URL, serves, reloads on SIGHUP, stops
cleanly on SIGTERM, and logs JSON lines that never hold what anyone typed."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from adapters.app import build_bot
from adapters.settings import Settings
from tests.conftest import ROOT, SHIPPED, run_python

SECRET_QUESTION = "Kerry Okonkwo in year 10 told me about the holiday rota at 12 Mill Lane"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str, data: dict[str, Any] | None = None) -> tuple[int, Any]:
    body = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


class Served:
    def __init__(self, process: subprocess.Popen[str], port: int, knowledge: Path) -> None:
        self.process = process
        self.url = f"http://127.0.0.1:{port}"
        self.knowledge = knowledge

    def wait_ready(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "the server exited"
            try:
                if get(self.url + "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError("the server did not start in time")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    knowledge = Path(shutil.copytree(SHIPPED, tmp_path / "knowledge"))
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "KNOWLEDGE_DIR": str(knowledge),
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
        "KNOWLEDGE_POLL_SECONDS": "0",
        "LOG_LEVEL": "DEBUG",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "adapters.cli", "serve"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = Served(process, port, knowledge)
    try:
        server.wait_ready()
        yield server
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def stop(server: Served) -> tuple[int, str]:
    server.process.send_signal(signal.SIGTERM)
    output, _ = server.process.communicate(timeout=20)
    return server.process.returncode, output


def test_serve_prints_its_url_and_stops_cleanly_on_sigterm(served: Served) -> None:
    """The URL is printed at start; SIGTERM stops the process with exit code 0."""
    assert get(served.url + "/readyz")[0] == 200
    code, output = stop(served)
    assert code == 0
    assert f"web chat at {served.url}/" in output


def test_sighup_reloads_the_knowledge_base(served: Served) -> None:
    """After an edit, SIGHUP makes the running process answer from the new knowledge base."""
    path = served.knowledge / "topics" / "responding.yaml"
    text = path.read_text()
    marker = "Ring the LADO before lunch (edited)."
    start = text.index("  - id: allegations-lado")
    at = text.index("If a child is in immediate danger, call 999.", start)
    path.write_text(text[:at] + marker + " " + text[at:])
    served.process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 20
    answer = ""
    while time.monotonic() < deadline and marker not in answer:
        answer = get(served.url + "/api/ask", {"question": "who is the lado"})[1]["text"]
        time.sleep(0.1)
    assert marker in answer
    stop(served)


def test_a_broken_edit_sent_by_sighup_is_rejected_and_the_old_base_answers(
    served: Served,
) -> None:
    """A broken edit is refused as a whole: /readyz names the problem and the bot keeps
    answering from the last good knowledge base."""
    path = served.knowledge / "topics" / "responding.yaml"
    text = path.read_text()
    path.write_text(text.replace("related: [", "related: [no-such-topic, ", 1))
    served.process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        _, ready = get(served.url + "/readyz")
        if ready["knowledge"]["last_edit_rejected"]:
            break
        time.sleep(0.1)
    assert "no-such-topic" in ready["knowledge"]["problems"][0]
    assert get(served.url + "/api/ask", {"question": "who is the lado"})[1]["topic"] == (
        "allegations-lado"
    )
    stop(served)


def test_logs_are_json_lines_without_question_text(served: Served) -> None:
    """Every log line is a JSON object, and none holds any word of what was typed."""
    get(served.url + "/api/ask", {"question": SECRET_QUESTION})
    _, output = stop(served)
    # The one line that is not a log record: the banner with the web chat's address.
    lines = [line for line in output.splitlines() if not line.startswith("safeguarding-bot is")]
    events = [json.loads(line) for line in lines]  # each line is one JSON object
    assert any(e.get("event") == "answered" for e in events)
    for word in ("Kerry", "Okonkwo", "holiday", "Mill Lane"):
        assert word not in output


def test_the_built_bot_runs_numpys_blas_on_one_thread() -> None:
    """Idle BLAS worker threads spin between the matcher's small products and cost about 4 ms of
    CPU an answer; the composition root keeps BLAS on the answering thread."""
    threadpool_limits(limits=2, user_api="blas")  # as a new process starts on a 2-core machine
    build_bot(Settings(knowledge_dir=SHIPPED))
    blas = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas and set(blas) == {1}


def test_serve_runs_on_uvloop_where_it_is_installed(served: Served) -> None:
    """The server's event loop is uvloop's (in C), which the load benchmark measured faster."""
    _, output = stop(served)
    started = [json.loads(line) for line in output.splitlines() if '"started"' in line]
    assert [event["event_loop"] for event in started] == ["uvloop"]


def test_a_log_record_that_fails_to_format_is_not_dumped_with_its_arguments() -> None:
    """A record whose message and arguments do not fit (a library's bug) is dropped, not
    printed to stderr by logging itself with its arguments, past the JSON formatter."""
    script = (
        "import logging\n"
        "from adapters import logs\n"
        "logs.configure('INFO')\n"
        "logging.getLogger('some.library').warning('%s and %s', 'my pupil Jayden Smith')\n"
    )
    done = run_python(script)
    assert done.returncode == 0, done.stderr
    assert "Jayden" not in done.stdout + done.stderr
