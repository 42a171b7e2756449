"""Settings: the only place that reads environment variables.

`Settings.from_env(mapping)` takes any mapping, so tests build settings from a dict. Every
problem names the variable: `PORT must be a whole number from 1 to 65535, not 'eighty'`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import bot

MODES = ("development", "production")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class SettingsError(Exception):
    """A missing, malformed or half-set environment variable; the message names it."""


def shipped_knowledge() -> Path:
    """The knowledge directory that ships with the bot (in the wheel, or in a source checkout)."""
    package = Path(bot.__file__).resolve().parent
    installed = package / "shipped_knowledge"
    return installed if installed.is_dir() else package.parent / "knowledge"


@dataclass(frozen=True)
class Settings:
    """Everything the bot is configured with, validated."""

    host: str = "127.0.0.1"
    port: int = 8080
    knowledge_dir: Path = Path("knowledge")
    mode: str = "development"
    log_level: str = "INFO"

    @property
    def production(self) -> bool:
        """True when the bot must refuse fictional example contacts."""
        return self.mode == "production"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read and validate settings from `env` (the process environment by default)."""
        env = os.environ if env is None else env
        return cls(
            host=_text(env, "HOST", "127.0.0.1"),
            port=_port(env),
            knowledge_dir=_directory(env, "KNOWLEDGE_DIR", shipped_knowledge()),
            mode=_choice(env, "SAFEGUARDING_MODE", "development", MODES),
            log_level=_choice(env, "LOG_LEVEL", "INFO", LOG_LEVELS, upper=True),
        )


def _text(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip()
    return value or default


def _port(env: Mapping[str, str]) -> int:
    raw = env.get("PORT", "").strip()
    if not raw:
        return 8080
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise SettingsError(f"PORT must be a whole number from 1 to 65535, not {raw!r}")
    return int(raw)


def _directory(env: Mapping[str, str], name: str, default: Path) -> Path:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    path = Path(raw).expanduser()
    if not path.is_dir():
        raise SettingsError(f"{name} must name a directory, and {raw!r} is not one")
    return path


def _choice(
    env: Mapping[str, str],
    name: str,
    default: str,
    choices: tuple[str, ...],
    *,
    upper: bool = False,
) -> str:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    value = raw.upper() if upper else raw.lower()
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, not {raw!r}")
    return value
