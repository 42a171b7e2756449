"""Build the Teams app package: `python teams/package.py [OUT]` (what `make teams-package` runs).

Fills the manifest's {{...}} placeholders from the environment (MicrosoftAppId,
TEAMS_ORGANISATION, TEAMS_WEBSITE_URL) and zips manifest.json, color.png and outline.png at the
root of the archive, as Teams requires. Exit 2, naming the variable, when one is missing.
"""

from __future__ import annotations

import json
import os
import re
import sys
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE.parent / "dist" / "safeguarding-bot-teams.zip"
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def manifest(env: Mapping[str, str]) -> str:
    """The manifest with every placeholder filled; ValueError names a missing variable."""
    text = (HERE / "manifest.json").read_text(encoding="utf-8")

    def fill(match: re.Match[str]) -> str:
        value = env.get(match.group(1), "").strip()
        if not value:
            raise ValueError(f"set {match.group(1)} to build the Teams package")
        if match.group(1) == "TEAMS_WEBSITE_URL" and not value.startswith("https://"):
            raise ValueError("TEAMS_WEBSITE_URL must be an https:// URL")
        return json.dumps(value)[1:-1]

    filled = PLACEHOLDER.sub(fill, text)
    json.loads(filled)
    return filled


def build(out: Path, env: Mapping[str, str]) -> Path:
    """Write the zip to `out` and return it."""
    text = manifest(env)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", text)
        for icon in ("color.png", "outline.png"):
            archive.write(HERE / icon, icon)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    out = Path(args[0]) if args else DEFAULT_OUT
    try:
        print(build(out, os.environ))
    except ValueError as error:
        print(f"teams-package: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
