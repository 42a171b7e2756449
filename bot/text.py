"""Text as the core reads it: one cleaning step shared by answering and by what is kept."""

from __future__ import annotations

import re
import unicodedata

# Control characters, line and paragraph separators and the zero-width space (a place to break a
# line): white space in effect, read as a space.
_SPACES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u2028\u2029]")


def clean(text: str) -> str:
    """Normalise Unicode (NFKC: full-width digits read as digits), read control
    characters and zero-width spaces as spaces, drop the other invisible format characters
    (soft hyphens, joiners, direction marks: they can sit inside a phone number without
    showing) and collapse white space."""
    text = _SPACES.sub(" ", unicodedata.normalize("NFKC", text))
    if not text.isascii():
        text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return " ".join(text.split())


__all__ = ["clean"]
