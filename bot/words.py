"""The common English words list the core shares (`words.txt`, from wordfreq and wbritish)."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def common_words() -> frozenset[str]:
    """The 20,000 most frequent English words that a British dictionary lists in lower case."""
    text = resources.files("bot").joinpath("words.txt").read_text(encoding="utf-8")
    return frozenset(
        word for line in text.splitlines() if not line.startswith("#") for word in line.split()
    )


__all__ = ["common_words"]
