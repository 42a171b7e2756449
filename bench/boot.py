"""Boot to ready: how long `safeguarding-bot serve` takes, with the shipped knowledge base,
from process start to `/readyz` answering 200, and its memory once ready.

`python -m bench.boot [--runs N]` prints each run and the median. PaaS routers give up at 60 s;
the target is under 5 s.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def boot_once(timeout: float = 60.0) -> tuple[float, float]:
    port = free_port()
    with tempfile.TemporaryDirectory() as work:
        env = {
            **os.environ,
            "PORT": str(port),
            "DATABASE_PATH": f"{work}/bot.sqlite3",
            "PYTHONPATH": str(ROOT),
        }
        env.pop("DATABASE_URL", None)
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "adapters.cli", "serve"],
            cwd=work,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while time.perf_counter() - started < timeout:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                        if r.status == 200:
                            return time.perf_counter() - started, rss_mb(process.pid)
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
                time.sleep(0.05)
            raise SystemExit(f"not ready after {timeout} s")
        finally:
            process.terminate()
            process.wait(timeout=20)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    seconds, memory = [], []
    for run in range(1, args.runs + 1):
        elapsed, rss = boot_once()
        seconds.append(elapsed)
        memory.append(rss)
        print(f"run {run}: ready in {elapsed:.2f} s, RSS {rss:.0f} MB")
    print(
        f"median: ready in {statistics.median(seconds):.2f} s (target < 5 s), "
        f"RSS {statistics.median(memory):.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
