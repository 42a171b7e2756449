"""Where a message says the child or the person is: the bot's guidance is England's."""

from __future__ import annotations

import re

from bot.matching import normalise

# Nations and places whose child protection law and procedures are not England's. Only names
# that are places and nothing else: "newport" and "ni" (a National Insurance number) are not.
_ELSEWHERE = re.compile(
    r"\b(?:scotland|scottish|glasgow|edinburgh|aberdeen|dundee|inverness|stirling|perth scotland"
    r"|wales|welsh|cardiff|swansea|wrexham|aberystwyth|northern ireland|belfast|derry"
    r"|londonderry|republic of ireland|dublin|jersey|guernsey|isle of man)\b"
)


def outside_england(text: str) -> bool:
    """Whether a message places itself outside England ("I work in Glasgow"), where the law,
    the procedures and the local contacts differ from the guidance the bot gives."""
    return _ELSEWHERE.search(" ".join(normalise(text).split())) is not None


__all__ = ["outside_england"]
