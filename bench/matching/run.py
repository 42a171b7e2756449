"""Run every benchmark job in its own process, print a table and write the JSON results."""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.matching.data import SETTINGS

RESULTS = Path(__file__).resolve().parents[1] / "results"
MATCHERS = ("project", "lexical", "baseline")  # lexical: the project's without vectors
SCALES = (1_000, 5_000, 10_000, 100_000)
SCALE_QUERIES = 1_000
BASELINE_SCALE_QUERIES = {100_000: 200}  # the baseline is slow there; fewer queries suffice


def _job(job: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run(  # from the working directory, like `python -m bench.matching`
        [sys.executable, "-m", "bench.matching.worker", json.dumps(job)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"job {job} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _pct(x: float) -> str:
    return f"{100 * x:.1f}"


def table(results: dict[str, Any]) -> str:
    """The Markdown tables of a results object."""
    lines = [
        "| setting | matcher | closed top-1 | AUROC | paper rule: in-scope / oos recall "
        "| balanced: in-scope / oos recall | p50 / p99 ms | build s | peak RSS MB |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results["settings"]:
        paper, bal = r["rules"]["paper"], r["rules"]["balanced"]
        lines.append(
            f"| {r['setting']} | {r['kind']} | {_pct(r['closed_top1'])} | {r['auroc']:.3f} "
            f"| {_pct(paper['in_scope'])} / {_pct(paper['oos_recall'])} "
            f"| {_pct(bal['in_scope'])} / {_pct(bal['oos_recall'])} "
            f"| {r['latency_ms_median']:.2f} / {r['latency_ms_p99']:.2f} "
            f"| {r['build_s']:.2f} | {r['peak_rss_mb']:.0f} |"
        )
    lines += [
        "",
        "| setting | matcher | default thresholds | in-scope: answered right / answered wrong "
        "/ ambiguous (gold offered) / not sure | oos: answered / ambiguous / not sure |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in results["settings"]:
        d = r["default_thresholds"]
        t, i, o = d["thresholds"], d["in_scope"], d["oos"]
        amb = i.get("ambiguous_with_gold", 0.0) + i.get("ambiguous_without", 0.0)
        lines.append(
            f"| {r['setting']} | {r['kind']} | answer {t['answer']:.2f}, margin "
            f"{t['margin']:.2f} | {_pct(i.get('answered_right', 0.0))} / "
            f"{_pct(i.get('answered_wrong', 0.0))} / {_pct(amb)} "
            f"({_pct(i.get('ambiguous_with_gold', 0.0))}) / {_pct(i.get('not_sure', 0.0))} "
            f"| {_pct(o.get('answered', 0.0))} / {_pct(o.get('ambiguous', 0.0))} / "
            f"{_pct(o.get('not_sure', 0.0))} |"
        )
    lines += [
        "",
        "| phrases (labels) | matcher | p50 / p99 ms | build s | peak RSS MB |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in results["scale"]:
        lines.append(
            f"| {r['phrases']:,} ({r['labels']:,}) | {r['kind']} "
            f"| {r['latency_ms_median']:.2f} / {r['latency_ms_p99']:.2f} "
            f"| {r['build_s']:.2f} | {r['peak_rss_mb']:.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.matching", description=__doc__)
    parser.add_argument("--settings", nargs="*", default=list(SETTINGS), choices=SETTINGS)
    parser.add_argument("--matchers", nargs="*", default=list(MATCHERS), choices=MATCHERS)
    parser.add_argument("--scales", nargs="*", type=int, default=list(SCALES))
    parser.add_argument("--out", type=Path, default=RESULTS / "matching.json")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    results: dict[str, Any] = {"machine": machine(), "settings": [], "scale": []}
    for name in args.settings:
        for kind in args.matchers:
            print(f"... {name} / {kind}", file=sys.stderr, flush=True)
            results["settings"].append(_job({"kind": "setting", "matcher": kind, "setting": name}))
    for n in args.scales:
        for kind in [k for k in args.matchers if k != "lexical"]:  # speed: project vs baseline
            queries = SCALE_QUERIES if kind != "baseline" else BASELINE_SCALE_QUERIES.get(n, 1000)
            print(f"... {n:,} phrases / {kind}", file=sys.stderr, flush=True)
            results["scale"].append(
                _job({"kind": "scale", "matcher": kind, "phrases": n, "queries": queries})
            )
    results["seconds"] = time.perf_counter() - started
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    m = results["machine"]
    print(
        f"CLINC150 (Larson et al., EMNLP 2019); {m['nproc']} CPUs, {m['cpu']}, "
        f"Python {m['python']}; {results['seconds']:.0f} s; results in {args.out}"
    )
    print(table(results))
