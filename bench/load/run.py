"""`python -m bench.load`: the bot as real `safeguarding-bot serve` processes under load.

Starts a throwaway PostgreSQL cluster, the fakes (bench/load/fakes.py, in their own process)
and, for each scenario, fresh bot processes on 127.0.0.1; drives them with signed Slack events
and Teams activities (bench/load/traffic.py); prints per scenario: requests per second, ack
latency p50/p99, answers sent (counted at the fakes), duplicates, lost, and the bot processes'
peak RSS. Everything it starts, it stops (bounded waits; kill as a last resort).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization

from bench.load.traffic import (
    SLACK_ACK_LIMIT_MS,
    Delivery,
    Planner,
    Sent,
    answers,
    drive,
    percentile,
    tally,
)
from tests.teams_peer import (
    APP_ID,
    APP_PASSWORD,
    ISSUER,
    KEY_ID,
    OAUTH_SCOPE,
    new_key,
    self_signed_certificate,
)

ROOT = Path(__file__).resolve().parents[2]
SIGNING_SECRET = "load-signing-secret"
P99_TARGET_MS = 100.0
RSS_TARGET_MB = 250.0
PER_PROCESS_TARGET = 300  # events/s sustained per process with p99 ack under P99_TARGET_MS
READY_SECONDS = 30.0
STOP_SECONDS = 20.0
CONCURRENCY = 256  # requests in flight at most (a PaaS router's connection pool, roughly)
ERROR_EVENTS = ("storage_failed", "slack_call_failed", "send_failed", "turn_failed", "refused")


def machine() -> dict[str, Any]:
    cpu = "unknown"
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_get(url: str, timeout: float = 5.0) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, None


# --------------------------------------------------------------------------------------------
# PostgreSQL: a throwaway cluster, as .ci/run starts one


class Postgres:
    """A throwaway PostgreSQL cluster on 127.0.0.1 (run as the `postgres` user when root)."""

    def __init__(self, workdir: Path) -> None:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        if not found:
            raise RuntimeError("PostgreSQL is not installed (/usr/lib/postgresql/*/bin)")
        self.bin = found[-1]
        self.root = workdir / "pg"
        self.root.mkdir()
        self.port = free_port()
        self.as_pg: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
            self.as_pg = ["runuser", "-u", "postgres", "--"]
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/sgbot_load"

    def _run(self, *args: str) -> None:
        subprocess.run(
            [*self.as_pg, *args], check=True, capture_output=True, text=True, timeout=120
        )

    def init(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.root / "db"), "-A", "trust",
                  "-U", "postgres")  # fmt: skip
        self.start()
        self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                  "-U", "postgres", "sgbot_load")  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.root / "db"), "-l",
                  str(self.root / "log"), "-w", "-t", "60", "-o", options, "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.root / "db"), "-m", mode, "-w",
                  "-t", "60", "stop")  # fmt: skip

    def version(self) -> str:
        done = subprocess.run([str(self.bin / "postgres"), "--version"], capture_output=True,
                              text=True, check=False, timeout=10)  # fmt: skip
        return done.stdout.strip()


# --------------------------------------------------------------------------------------------
# The fakes and the bot, as processes


class FakesProcess:
    """bench/load/fakes.py in its own process."""

    def __init__(self, key_pem: Path, cert: Path, cert_key: Path, log: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.load.fakes", str(key_pem), str(cert), str(cert_key)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=log.open("w"),
            text=True,
        )
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self.process.stdout.readline()))  # type: ignore[union-attr]
        reader.start()
        reader.join(timeout=20)
        if not line or not line[0].strip():
            self.stop()
            raise RuntimeError(f"the fakes did not start; see {log}")
        ports = json.loads(line[0])
        self.http_port, self.https_port = int(ports["http"]), int(ports["https"])
        self.url = f"http://127.0.0.1:{self.http_port}"

    def stop(self) -> None:
        stop_process(self.process)


def stop_process(process: subprocess.Popen[Any]) -> int | None:
    """SIGTERM, wait (bounded), then kill: this process only, by its id."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_SECONDS)
    return process.returncode


def serve_command() -> list[str]:
    script = Path(sys.executable).parent / "safeguarding-bot"
    if script.exists():
        return [str(script), "serve"]
    return [sys.executable, "-m", "adapters.cli", "serve"]


class BotProcess:
    """One `safeguarding-bot serve` process with its own port and log file."""

    def __init__(self, env: dict[str, str], log: Path, cwd: Path) -> None:
        self.port = free_port()
        self.log = log
        self.process = subprocess.Popen(
            serve_command(),
            cwd=cwd,
            env={**env, "PORT": str(self.port), "HOST": "127.0.0.1", "DYNO": log.stem},
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        self.started = time.monotonic()
        self.ready_seconds: float | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the bot exited at start; see {self.log}")
            with contextlib.suppress(OSError):
                if http_get(self.url + "/readyz", timeout=2)[0] == 200:
                    self.ready_seconds = time.monotonic() - self.started
                    return
            time.sleep(0.1)
        raise RuntimeError(f"the bot was not ready in {READY_SECONDS:.0f} s; see {self.log}")

    def memory_kb(self, field_name: str) -> int:
        """VmRSS (now) or VmHWM (peak) in kB; 0 once the process is gone."""
        with contextlib.suppress(OSError), open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
        return 0

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the process has used so far; 0 once it is gone."""
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = Path(f"/proc/{self.process.pid}/stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return 0.0

    def stop(self) -> int | None:
        return stop_process(self.process)

    def log_events(self) -> dict[str, Any]:
        """Counts of log events (and lines that are not JSON, e.g. tracebacks)."""
        events: Counter[str] = Counter()
        levels: Counter[str] = Counter()
        other = 0
        with contextlib.suppress(OSError), self.log.open(encoding="utf-8", errors="replace") as f:
            for line in f:
                if not line.startswith("{"):
                    if line.strip() and not line.startswith("safeguarding-bot is running"):
                        other += 1
                    continue
                try:
                    record = json.loads(line)
                except ValueError:
                    other += 1
                    continue
                events[str(record.get("event"))] += 1
                levels[str(record.get("level"))] += 1
        return {"events": dict(events), "levels": dict(levels), "non_json_lines": other}


def profile(bot: BotProcess, output: Path) -> subprocess.Popen[Any]:
    """py-spy recording `bot` (idle threads left out) as collapsed stacks into `output`, one
    stack and its sample count per line (for flamegraph.pl, speedscope, or grep)."""
    py_spy = Path(sys.executable).parent / "py-spy"
    return subprocess.Popen(
        [str(py_spy if py_spy.exists() else "py-spy"), "record", "--pid", str(bot.process.pid),
         "--rate", "200", "--format", "raw", "--output", str(output)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip


# --------------------------------------------------------------------------------------------
# Scenarios


@dataclass(frozen=True)
class Scenario:
    name: str
    what: str
    events: int
    rate: float | None  # events per second; None: all at once
    processes: int = 1
    teams_share: float = 0.5
    retries: tuple[float, ...] = ()
    actions: tuple[tuple[float, str], ...] = ()  # (fraction of the run, action)
    poll_seconds: int = 0
    needs_postgres: bool = False


def scenarios(quick: bool) -> list[Scenario]:
    """The scenarios; `quick` makes each short (the whole run under 2 minutes)."""
    steady_s, burst, retried, outage_s, reload_s = (
        (4, 150, 100, 6, 5) if quick else (60, 1000, 1000, 30, 30)
    )
    return [
        Scenario("steady", f"100 events/s for {steady_s} s, half Slack, half Teams",
                 events=100 * steady_s, rate=100),
        Scenario("burst", f"{burst} events all due at once, half Slack, half Teams",
                 events=burst, rate=None),
        Scenario("slack-retries", f"{retried} Slack events at 50/s, each retried 3 times "
                 "(X-Slack-Retry-Num 1-3 at +0.05, +1, +3 s)",
                 events=retried, rate=50, teams_share=0.0, retries=(0.05, 1.0, 3.0)),
        Scenario("two-processes-retries", "as slack-retries, 2 processes behind one PostgreSQL; "
                 "each retry goes to the other process",
                 events=retried, rate=50, processes=2, teams_share=0.0,
                 retries=(0.05, 1.0, 3.0), needs_postgres=True),
        Scenario("db-outage", f"Slack events at 100/s for {outage_s} s, each retried at +0.05, "
                 "+2, +5 s; PostgreSQL stopped from 1/3 to 2/3 of the run; 1 process",
                 events=100 * outage_s, rate=100, teams_share=0.0, retries=(0.05, 2.0, 5.0),
                 actions=((1 / 3, "db-stop"), (2 / 3, "db-start")), needs_postgres=True),
        Scenario("db-outage-two-processes", "as db-outage, with 2 processes (each retry goes "
                 "to the other process)",
                 events=100 * outage_s, rate=100, processes=2, teams_share=0.0,
                 retries=(0.05, 2.0, 5.0),
                 actions=((1 / 3, "db-stop"), (2 / 3, "db-start")), needs_postgres=True),
        Scenario("reload", f"100 events/s for {reload_s} s (9 Slack : 1 Teams); SIGHUP at 1/4 "
                 "and 3/4, a knowledge file touched at 1/2 (KNOWLEDGE_POLL_SECONDS=1)",
                 events=100 * reload_s, rate=100, teams_share=0.1,
                 actions=((0.25, "sighup"), (0.5, "touch"), (0.75, "sighup")), poll_seconds=1),
    ]  # fmt: skip


@dataclass
class Bench:
    workdir: Path
    fakes: FakesProcess
    postgres: Postgres | None
    token: str
    cert: Path
    planner: Planner
    quick: bool
    profile: bool = False
    rates: tuple[int, ...] = ()
    results: list[dict[str, Any]] = field(default_factory=list)

    def env(self, knowledge: Path, poll_seconds: int, database: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE"))}
        env.update(
            {
                "KNOWLEDGE_DIR": str(knowledge),
                "KNOWLEDGE_POLL_SECONDS": str(poll_seconds),
                "LOG_LEVEL": "INFO",
                "SAFEGUARDING_MODE": "development",
                "SLACK_BOT_TOKEN": "xoxb-load",
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": f"{self.fakes.url}/api/",
                "MicrosoftAppId": APP_ID,
                "MicrosoftAppPassword": APP_PASSWORD,
                "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL": f"{self.fakes.url}/openid",
                "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL": f"{self.fakes.url}/openid",
                "TO_BOT_FROM_CHANNEL_TOKEN_ISSUER": ISSUER,
                "TO_CHANNEL_FROM_BOT_LOGIN_URL": f"https://127.0.0.1:{self.fakes.https_port}/adfs",
                "TO_CHANNEL_FROM_BOT_OAUTH_SCOPE": OAUTH_SCOPE,
                "VALIDATE_AUTHORITY": "false",
                "REQUESTS_CA_BUNDLE": str(self.cert),
                "PYTHONPATH": str(ROOT),
            }
        )
        for name in ("MicrosoftAppType", "MicrosoftAppTenantId"):
            env.pop(name, None)
        if self.postgres is not None:
            env["DATABASE_URL"] = self.postgres.url
        else:
            env["DATABASE_PATH"] = database
        return env

    @contextlib.contextmanager
    def bots(self, name: str, processes: int, poll_seconds: int) -> Iterator[list[BotProcess]]:
        place = self.workdir / name
        place.mkdir()
        knowledge = Path(shutil.copytree(ROOT / "knowledge", place / "knowledge"))
        env = self.env(knowledge, poll_seconds, str(place / "bot.sqlite3"))
        started = [BotProcess(env, place / f"bot{i + 1}.log", place) for i in range(processes)]
        profilers: list[subprocess.Popen[Any]] = []
        try:
            for bot in started:
                bot.wait_ready()
            if self.profile:
                profilers = [
                    profile(b, place / f"bot{i + 1}.py-spy.txt") for i, b in enumerate(started)
                ]
            yield started
        finally:
            for profiler in profilers:
                # py-spy writes its flame graph when interrupted.
                with contextlib.suppress(OSError):
                    profiler.send_signal(signal.SIGINT)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    profiler.wait(timeout=STOP_SECONDS)
                if profiler.poll() is None:
                    profiler.kill()
            for bot in started:
                bot.stop()

    async def warm_up(self, bots: Sequence[BotProcess]) -> None:
        """One Slack event and one Teams activity per process, answered, before measuring:
        the first Teams request fetches OpenID metadata, keys and the bot's token; the first
        Slack request calls auth.test."""
        plan = self.planner.plan("warm", events=2 * len(bots), rate=None,
                                 ports=[b.port for bot in bots for b in (bot, bot)],
                                 teams_share=0.5)  # fmt: skip
        await drive(plan, secret=SIGNING_SECRET, token=self.token, concurrency=8,
                    deadline_seconds=60)  # fmt: skip
        await answers(self.fakes.url, {d.key for d in plan}, settle_seconds=0.3,
                      deadline_seconds=30)  # fmt: skip
        await self._reset()

    async def _reset(self) -> None:
        await asyncio.to_thread(
            lambda: urllib.request.urlopen(
                urllib.request.Request(self.fakes.url + "/stats/reset", method="POST"), timeout=5
            ).read()
        )

    async def measure(
        self,
        name: str,
        bots: Sequence[BotProcess],
        plan: list[Delivery],
        actions: Sequence[tuple[float, str]] = (),
        knowledge: Path | None = None,
    ) -> dict[str, Any]:
        """Drive `plan` against `bots` with `actions` on the side; sample RSS; count answers."""
        await self._reset()
        peak_rss = {bot.port: bot.memory_kb("VmRSS") for bot in bots}
        cpu_before = [bot.cpu_seconds() for bot in bots]
        load_before = os.getloadavg()[0]
        span = plan[-1].at if plan else 0.0
        done = asyncio.Event()
        acted: list[dict[str, Any]] = []

        async def sample() -> None:
            while not done.is_set():
                for bot in bots:
                    peak_rss[bot.port] = max(peak_rss[bot.port], bot.memory_kb("VmRSS"))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(done.wait(), timeout=0.25)

        async def act() -> None:
            started = time.monotonic()
            for fraction, action in actions:
                wait = started + fraction * span - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                at = time.monotonic() - started
                took = await asyncio.to_thread(self._do, action, bots, knowledge)
                acted.append({"action": action, "at_s": round(at, 2), "took_s": round(took, 2)})

        sampler = asyncio.create_task(sample())
        deadline = span + 120
        sent, _ = await asyncio.gather(
            drive(plan, secret=SIGNING_SECRET, token=self.token, concurrency=CONCURRENCY,
                  deadline_seconds=deadline),
            act(),
        )  # fmt: skip
        expected = {d.key for d in plan}
        counts, calls = await answers(self.fakes.url, expected)
        done.set()
        await sampler
        result = summarise(name, sent, expected, counts, bots, peak_rss)
        # CPU the bot processes used per request (the settling wait costs next to nothing): a
        # figure that other work on the machine hardly moves, unlike the latencies.
        cpu = [bot.cpu_seconds() - before for bot, before in zip(bots, cpu_before, strict=True)]
        result["cpu_seconds"] = [round(c, 2) for c in cpu]
        result["cpu_ms_per_request"] = round(1000 * sum(cpu) / max(sent.requests, 1), 2)
        result["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
        result["fake_calls"] = calls
        if acted:
            result["actions"] = acted
        return result

    def _do(self, action: str, bots: Sequence[BotProcess], knowledge: Path | None) -> float:
        started = time.monotonic()
        if action == "db-stop" and self.postgres is not None:
            self.postgres.stop("fast")
        elif action == "db-start" and self.postgres is not None:
            self.postgres.start()
        elif action == "sighup":
            for bot in bots:
                bot.process.send_signal(signal.SIGHUP)
        elif action == "touch" and knowledge is not None:
            for path in sorted((knowledge / "topics").glob("*.yaml"))[:1]:
                path.touch()
        return time.monotonic() - started

    async def scenario(self, scenario: Scenario) -> dict[str, Any]:
        with self.bots(scenario.name, scenario.processes, scenario.poll_seconds) as bots:
            await self.warm_up(bots)
            plan = self.planner.plan(scenario.name, events=scenario.events, rate=scenario.rate,
                                     ports=[b.port for b in bots],
                                     teams_share=scenario.teams_share,
                                     retries=scenario.retries)  # fmt: skip
            knowledge = self.workdir / scenario.name / "knowledge"
            result = await self.measure(scenario.name, bots, plan, scenario.actions, knowledge)
            result["what"] = scenario.what
            result["offered_rate"] = scenario.rate
            result["ready_seconds"] = [round(b.ready_seconds or 0, 2) for b in bots]
        # Logs are read once the processes have stopped (their last lines flushed).
        result["logs"] = [b.log_events() for b in bots]
        result["exit_codes"] = [b.process.returncode for b in bots]
        if scenario.actions and any(a == "sighup" or a == "touch" for _, a in scenario.actions):
            result["reloads"] = sum(
                log["events"].get("knowledge_reloaded", 0) for log in result["logs"]
            )
        return result

    async def ramp(self, mix: str, teams_share: float) -> dict[str, Any]:
        """The highest offered rate one process sustains with p99 ack under the target."""
        step_seconds = 3 if self.quick else 15
        rates = [25, 50, 100, 150, 200, 250, 300, 350, 400, 500, 600, 800, 1000]
        if self.quick:
            rates = [50, 200, 400]
        if self.rates:
            rates = list(self.rates)
        steps: list[dict[str, Any]] = []
        best: float | None = None
        name = f"ramp-{mix}"
        with self.bots(name, 1, 0) as bots:
            await self.warm_up(bots)
            for rate in rates:
                plan = self.planner.plan(f"{name}{rate}", events=rate * step_seconds, rate=rate,
                                         ports=[bots[0].port], teams_share=teams_share)  # fmt: skip
                step = await self.measure(f"{name}@{rate}", bots, plan)
                step["offered_rate"] = rate
                steps.append(step)
                print(f"  ramp {mix} {rate}/s: {one_line(step)}", flush=True)
                if not sustained(step, rate):
                    break
                best = rate
                await asyncio.sleep(1)
        logs = bots[0].log_events()
        return {
            "name": name,
            "mix": mix,
            "step_seconds": step_seconds,
            "max_sustained_events_per_second": best,
            "steps": steps,
            "logs": [logs],
        }


def sustained(step: dict[str, Any], rate: float) -> bool:
    """Kept up: p99 ack under target, at least 95% of the offered rate, nothing lost or failed."""
    p99 = step["ack_ms"]["p99"]
    return (
        p99 is not None
        and p99 < P99_TARGET_MS
        and step["requests_per_second"] >= 0.95 * rate
        and step["lost"] == 0
        and step["failed_requests"] == 0
    )


def summarise(
    name: str,
    sent: Sent,
    expected: set[str],
    counts: dict[str, int],
    bots: Sequence[BotProcess],
    peak_rss: dict[int, int],
) -> dict[str, Any]:
    all_latencies = sent.latencies["slack"] + sent.latencies["teams"]

    def stats(values: list[float]) -> dict[str, float | None]:
        return {
            "p50": _round(percentile(values, 0.50)),
            "p99": _round(percentile(values, 0.99)),
            "max": _round(max(values) if values else None),
        }

    not_ok = {k: v for k, v in sent.statuses.items() if not k.endswith(":200")}
    return {
        "name": name,
        "processes": len(bots),
        "requests": sent.requests,
        "requests_per_second": round(sent.rps(), 1),
        "ack_ms": stats(all_latencies),
        "ack_ms_slack": stats(sent.latencies["slack"]),
        "ack_ms_teams": stats(sent.latencies["teams"]),
        "slack_acks_over_3s": sum(1 for v in sent.latencies["slack"] if v > SLACK_ACK_LIMIT_MS),
        "generator_lag_ms_p99": _round(percentile(sent.lag_ms, 0.99)),
        "failed_requests": sum(not_ok.values()) + sum(sent.errors.values()),
        "statuses": dict(sent.statuses),
        "errors": dict(sent.errors),
        **tally(expected, counts),
        "peak_rss_mb": [round(peak_rss[b.port] / 1024, 1) for b in bots],
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def one_line(r: dict[str, Any]) -> str:
    ack = r["ack_ms"]
    return (
        f"{r['requests']} requests, {r['requests_per_second']}/s, ack p50 {ack['p50']} ms "
        f"p99 {ack['p99']} ms, answers {r['answers_sent']}, duplicates {r['duplicates']}, "
        f"lost {r['lost']}, failed {r['failed_requests']}, peak RSS {max(r['peak_rss_mb'])} MB, "
        f"bot CPU {r.get('cpu_ms_per_request')} ms/request, load {r.get('load_average')}"
    )


def table(results: Sequence[dict[str, Any]]) -> str:
    """The Markdown table of the scenario results."""
    lines = [
        "| scenario | procs | requests | req/s | ack p50 ms | ack p99 ms | answers sent "
        "| duplicates | lost | failed | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        if "steps" in r:
            continue
        ack = r["ack_ms"]
        rss = " / ".join(str(v) for v in r["peak_rss_mb"])
        lines.append(
            f"| {r['name']} | {r['processes']} | {r['requests']} | {r['requests_per_second']} "
            f"| {ack['p50']} | {ack['p99']} | {r['answers_sent']} | {r['duplicates']} "
            f"| {r['lost']} | {r['failed_requests']} | {rss} |"
        )
    return "\n".join(lines)


def ramp_table(ramp: dict[str, Any]) -> str:
    lines = [
        f"Ramp ({ramp['mix']}, one process, {ramp['step_seconds']} s per step): max sustained "
        f"{ramp['max_sustained_events_per_second']} events/s with p99 ack < {P99_TARGET_MS:.0f} ms",
        "",
        "| offered/s | req/s | ack p50 ms | ack p99 ms | slack p99 | teams p99 | lost | dup "
        "| failed | peak RSS MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in ramp["steps"]:
        lines.append(
            f"| {s['offered_rate']} | {s['requests_per_second']} | {s['ack_ms']['p50']} "
            f"| {s['ack_ms']['p99']} | {s['ack_ms_slack']['p99']} | {s['ack_ms_teams']['p99']} "
            f"| {s['lost']} | {s['duplicates']} | {s['failed_requests']} "
            f"| {max(s['peak_rss_mb'])} |"
        )
    return "\n".join(lines)


def make_keys(workdir: Path) -> tuple[Path, Path, Path]:
    """The key channel tokens are signed with (the fakes publish it), and the fakes' HTTPS
    certificate and its key."""
    key = new_key()
    key_pem = workdir / "signing-key.pem"
    key_pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    cert, cert_key = self_signed_certificate(workdir)
    return key_pem, cert, cert_key


def token_for(key_pem: Path, service_url: str) -> str:
    """A channel-to-bot token valid for two hours (Bot Framework reuses its tokens too)."""
    key = serialization.load_pem_private_key(key_pem.read_bytes(), password=None)
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": APP_ID,
        "serviceurl": service_url,
        "nbf": now - 60,
        "iat": now - 60,
        "exp": now + 7200,
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": KEY_ID})  # type: ignore[arg-type]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    os.chmod(workdir, 0o755)  # the postgres user walks into it
    postgres: Postgres | None = None
    fakes: FakesProcess | None = None
    info: dict[str, Any] = {"machine": machine(), "quick": args.quick, "scenarios": []}
    try:
        key_pem, cert, cert_key = make_keys(workdir)
        fakes = FakesProcess(key_pem, cert, cert_key, workdir / "fakes.log")
        if args.database == "postgres":
            postgres = Postgres(workdir)
            postgres.init()
            info["machine"]["postgresql"] = postgres.version()
        info["database"] = args.database
        service_url = f"{fakes.url}/"
        token = token_for(key_pem, service_url)
        planner = Planner(secrets.token_hex(3), service_url, token)
        bench = Bench(workdir, fakes, postgres, token, cert, planner, args.quick, args.profile,
                      tuple(args.rates or ()))  # fmt: skip
        chosen = [s for s in scenarios(args.quick) if not args.only or s.name in args.only]
        for scenario in chosen:
            if scenario.needs_postgres and postgres is None:
                print(f"{scenario.name}: skipped (needs PostgreSQL)", flush=True)
                continue
            print(f"{scenario.name}: {scenario.what} ...", flush=True)
            result = await bench.scenario(scenario)
            info["scenarios"].append(result)
            print(f"  {one_line(result)}", flush=True)
        for mix, share in (("mixed", 0.5), ("slack", 0.0), ("teams", 1.0)):
            if args.only and "ramp" not in args.only and f"ramp-{mix}" not in args.only:
                continue
            if args.quick and mix != "mixed" and f"ramp-{mix}" not in (args.only or ()):
                continue
            print(f"ramp ({mix}) ...", flush=True)
            info["scenarios"].append(await bench.ramp(mix, share))
    finally:
        if fakes is not None:
            fakes.stop()
        if postgres is not None:
            with contextlib.suppress(subprocess.SubprocessError, OSError):
                postgres.stop("immediate")
        if args.keep or args.profile:
            print(f"kept {workdir}", flush=True)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return info


def verdict(info: dict[str, Any]) -> list[str]:
    """The targets, each met or missed (and by how much)."""
    lines = []
    for r in info["scenarios"]:
        results = r.get("steps", [r])
        dup = sum(x["duplicates"] for x in results)
        lost = sum(x["lost"] for x in results)
        rss = max(max(x["peak_rss_mb"]) for x in results)
        problems = []
        if dup:
            problems.append(f"{dup} duplicate answers")
        if lost:
            problems.append(f"{lost} lost")
        p99 = 0.0 if "steps" in r else (r["ack_ms"]["p99"] or 0.0)
        if p99 >= P99_TARGET_MS:
            problems.append(f"ack p99 {p99} ms >= {P99_TARGET_MS:.0f} ms")
        # A ramp climbs until a step fails, so only the steps it sustained must ack in time.
        best = (r.get("max_sustained_events_per_second") or 0) if "steps" in r else None
        timed = results if best is None else [x for x in results if x["offered_rate"] <= best]
        late = sum(x["slack_acks_over_3s"] for x in timed)
        if late:
            problems.append(f"{late} Slack acks over 3 s (Slack would retry them)")
        if rss >= RSS_TARGET_MB:
            problems.append(f"peak RSS {rss} MB >= {RSS_TARGET_MB:.0f} MB")
        if best is not None and best < PER_PROCESS_TARGET:
            problems.append(f"sustained {best}/s < {PER_PROCESS_TARGET}/s")
        lines.append(f"{r['name']}: {'MISSED: ' + ', '.join(problems) if problems else 'met'}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short versions (under 2 minutes)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    parser.add_argument(
        "--only",
        nargs="+",
        help="only these scenarios ('ramp' for every ramp, 'ramp-slack' etc. for one)",
    )
    parser.add_argument(
        "--rates", nargs="+", type=int, help="the ramp's steps (events/s), instead of the default"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="record each bot process with py-spy (flame graphs in the work directory; "
        "implies --keep)",
    )
    parser.add_argument(
        "--database",
        choices=("postgres", "sqlite"),
        default="postgres",
        help="storage for the bot (sqlite skips the PostgreSQL scenarios)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    info = asyncio.run(run(args))
    info["seconds"] = round(time.monotonic() - started, 1)
    m = info["machine"]
    print()
    print(f"machine: {m['nproc']} CPUs, {m['cpu']}, Python {m['python']}, "
          f"{m.get('postgresql', 'SQLite')}; run took {info['seconds']} s")  # fmt: skip
    print(table(info["scenarios"]))
    for r in info["scenarios"]:
        if "steps" in r:
            print()
            print(ramp_table(r))
    print()
    for line in verdict(info):
        print(line)
    if args.json:
        args.json.write_text(json.dumps(info, indent=2) + "\n")
    return 0
