"""Regenerate bot/words.txt, the common English words the redactor treats as not names.

Development tool only (the bot never runs it): needs `pip install wordfreq` and Debian's
`wbritish` dictionary (`apt-get install wbritish`). A word is kept when it is among the most
frequent English words in wordfreq *and* the British English dictionary lists it in lower case,
so proper nouns that are frequent on the web (names, places, brands) stay out of the list.

    python bench/redaction/make_words.py [--top 20000]
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

DICTIONARY = Path("/usr/share/dict/british-english")
OUT = Path(__file__).resolve().parents[2] / "bot" / "words.txt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=20000, help="how many words to keep")
    args = parser.parse_args()

    from wordfreq import top_n_list  # type: ignore[import-not-found]  # dev-only tool

    text = DICTIONARY.read_text(encoding="utf-8")
    lower_case = {line.strip() for line in text.splitlines()}
    lower_case = {word for word in lower_case if word == word.lower()}
    words: list[str] = []
    for word in top_n_list("en", args.top * 3):
        if re.fullmatch(r"[a-z]+", word) and word in lower_case:
            words.append(word)
            if len(words) == args.top:
                break
    header = (
        "# Common English words, for bot/words.py: the redactor treats them as not names, and\n"
        "# the urgent rules never read them as a typo of another word.\n"
        f"# The {len(words)} most frequent English words in wordfreq 3.1 that Debian's\n"
        "# wbritish dictionary lists in lower case.\n"
        "# Regenerate with bench/redaction/make_words.py.\n"
    )
    lines: list[str] = []
    line = ""
    for word in sorted(words):
        if len(line) + len(word) + 1 > 99:
            lines.append(line)
            line = ""
        line = f"{line} {word}" if line else word
    lines.append(line)
    OUT.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(words)} words to {OUT}")


if __name__ == "__main__":
    main()
