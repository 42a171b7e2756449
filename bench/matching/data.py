"""CLINC150 settings: tiny, small and full training sets with the shared val/test splits."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

# ../shared/bench/clinc150 beside the repository, as CI lays it out; CLINC150_DIR overrides.
DEFAULT_DIR = Path(__file__).resolve().parents[3] / "shared" / "bench" / "clinc150"
DATA_DIR = Path(os.environ.get("CLINC150_DIR", DEFAULT_DIR))
SETTINGS = ("tiny", "small", "full")
TINY_PER_INTENT = 10

Pairs = list[tuple[str, str]]  # (text, intent)


@dataclass(frozen=True)
class Setting:
    """One benchmark setting: training phrases and the evaluation splits (oos = out of scope)."""

    name: str
    train: Pairs
    val: Pairs
    oos_val: list[str]
    test: Pairs
    oos_test: list[str]


@cache
def _load(file: str) -> dict[str, Pairs]:
    with open(DATA_DIR / file, encoding="utf-8") as handle:
        raw = json.load(handle)
    return {key: [(str(text), str(label)) for text, label in rows] for key, rows in raw.items()}


def load(name: str) -> Setting:
    """The setting `name`; out-of-scope training data is never used."""
    if name not in SETTINGS:
        raise ValueError(f"unknown setting {name!r}; choose from {SETTINGS}")
    data = _load("data_small.json" if name == "small" else "data_full.json")
    train = data["train"]
    if name == "tiny":
        seen: dict[str, int] = {}
        kept: Pairs = []
        for text, label in train:
            if seen.get(label, 0) < TINY_PER_INTENT:
                seen[label] = seen.get(label, 0) + 1
                kept.append((text, label))
        train = kept
    return Setting(
        name=name,
        train=train,
        val=data["val"],
        oos_val=[text for text, _ in data["oos_val"]],
        test=data["test"],
        oos_test=[text for text, _ in data["oos_test"]],
    )


def all_phrases() -> list[str]:
    """Every distinct query text of the full file (train, val, test and out-of-scope)."""
    data = _load("data_full.json")
    seen: dict[str, None] = {}
    for rows in data.values():
        for text, _ in rows:
            seen.setdefault(text, None)
    return list(seen)
