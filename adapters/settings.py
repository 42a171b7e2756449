"""Settings: the only place that reads environment variables.

`Settings.from_env(mapping)` takes any mapping, so tests build settings from a dict. Every
problem names the variable: `PORT must be a whole number from 1 to 65535, not 'eighty'`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

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
    database_url: str = field(default="", repr=False)
    database_path: Path = Path("var/safeguarding-bot.sqlite3")
    retention_days: int = 30
    knowledge_poll_seconds: int = 2
    admin_token: str = field(default="", repr=False)
    slack: SlackSettings = field(default_factory=lambda: SlackSettings())
    teams: TeamsSettings = field(default_factory=lambda: TeamsSettings())

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
            port=_whole_number(env, "PORT", 8080, 1, 65535),
            knowledge_dir=_directory(env, "KNOWLEDGE_DIR", shipped_knowledge()),
            mode=_choice(env, "SAFEGUARDING_MODE", "development", MODES),
            log_level=_choice(env, "LOG_LEVEL", "INFO", LOG_LEVELS, upper=True),
            database_url=_database_url(env),
            database_path=Path(_text(env, "DATABASE_PATH", "var/safeguarding-bot.sqlite3")),
            retention_days=_whole_number(env, "RETENTION_DAYS", 30, 1, 3650),
            knowledge_poll_seconds=_whole_number(env, "KNOWLEDGE_POLL_SECONDS", 2, 0, 3600),
            admin_token=_admin_token(env),
            slack=SlackSettings.from_env(env),
            teams=TeamsSettings.from_env(env),
        )


SLACK_API_URL = "https://slack.com/api/"


@dataclass(frozen=True)
class SlackSettings:
    """Slack: off when no Slack variable is set; a half-set Slack is an error naming what is
    missing. Secrets are left out of `repr` so they never reach a log or a traceback."""

    bot_token: str = field(default="", repr=False)
    signing_secret: str = field(default="", repr=False)
    app_token: str = field(default="", repr=False)
    api_url: str = SLACK_API_URL

    @property
    def enabled(self) -> bool:
        """True when the bot answers in Slack."""
        return bool(self.bot_token)

    @property
    def events_api(self) -> bool:
        """True when Slack posts events to `POST /slack/events` (a signing secret is set)."""
        return bool(self.bot_token and self.signing_secret)

    @property
    def socket_mode(self) -> bool:
        """True when the bot connects out to Slack over Socket Mode (an app token is set)."""
        return bool(self.bot_token and self.app_token)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SlackSettings:
        """Read SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_APP_TOKEN and SLACK_API_URL."""
        token = env.get("SLACK_BOT_TOKEN", "").strip()
        secret = env.get("SLACK_SIGNING_SECRET", "").strip()
        app_token = env.get("SLACK_APP_TOKEN", "").strip()
        if (secret or app_token) and not token:
            raise SettingsError("Slack is half-configured: set SLACK_BOT_TOKEN")
        if token and not (secret or app_token):
            raise SettingsError(
                "Slack is half-configured: set SLACK_SIGNING_SECRET "
                "(or SLACK_APP_TOKEN to use Socket Mode)"
            )
        if token and not token.startswith("xoxb-"):
            raise SettingsError("SLACK_BOT_TOKEN must be a bot token, starting with 'xoxb-'")
        if app_token and not app_token.startswith("xapp-"):
            raise SettingsError("SLACK_APP_TOKEN must be an app-level token, starting with 'xapp-'")
        api_url = env.get("SLACK_API_URL", "").strip() or SLACK_API_URL
        parts = urlsplit(api_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SettingsError(f"SLACK_API_URL must be an http(s) URL, not {api_url!r}")
        if not api_url.endswith("/"):
            api_url += "/"
        return cls(bot_token=token, signing_secret=secret, app_token=app_token, api_url=api_url)


TEAMS_APP_TYPES = {
    "multitenant": "MultiTenant",
    "singletenant": "SingleTenant",
    "userassignedmsi": "UserAssignedMSI",
}
# Every other setting botbuilder's ConfigurationBotFrameworkAuthentication reads (its source is the
# list); each passes through under the SDK's own name when set (sovereign clouds, test peers).
BOT_FRAMEWORK_SETTINGS = (
    "CHANNEL_SERVICE",
    "VALIDATE_AUTHORITY",
    "TO_CHANNEL_FROM_BOT_LOGIN_URL",
    "TO_CHANNEL_FROM_BOT_OAUTH_SCOPE",
    "TO_BOT_FROM_CHANNEL_TOKEN_ISSUER",
    "OAUTH_URL",
    "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL",
    "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL",
    "CALLER_ID",
)
# Setting any of these makes the SDK leave its built-in public cloud for endpoints taken from
# configuration, and then it needs all of BOT_FRAMEWORK_ENDPOINTS.
BOT_FRAMEWORK_CUSTOM = BOT_FRAMEWORK_SETTINGS[2:]
BOT_FRAMEWORK_ENDPOINTS = (
    "TO_CHANNEL_FROM_BOT_LOGIN_URL",
    "TO_CHANNEL_FROM_BOT_OAUTH_SCOPE",
    "TO_BOT_FROM_CHANNEL_TOKEN_ISSUER",
    "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL",
    "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL",
)
US_GOVERNMENT_CHANNEL_SERVICE = "https://botframework.azure.us"


@dataclass(frozen=True)
class TeamsSettings:
    """Microsoft Teams (Bot Framework): always served; without `MicrosoftAppId` it runs with
    authentication off, for local testing only. The password is left out of `repr`."""

    app_id: str = ""
    app_password: str = field(default="", repr=False)
    app_type: str = "MultiTenant"
    tenant_id: str = ""
    bot_framework: tuple[tuple[str, str | bool], ...] = ()

    @property
    def authenticated(self) -> bool:
        """True when inbound tokens are checked and outbound calls carry the bot's token."""
        return bool(self.app_id)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> TeamsSettings:
        """Read MicrosoftAppId, MicrosoftAppPassword, MicrosoftAppType, MicrosoftAppTenantId and
        the Bot Framework endpoint settings (BOT_FRAMEWORK_SETTINGS)."""
        app_id = env.get("MicrosoftAppId", "").strip()
        password = env.get("MicrosoftAppPassword", "").strip()
        tenant = env.get("MicrosoftAppTenantId", "").strip()
        raw_type = env.get("MicrosoftAppType", "").strip()
        if raw_type and raw_type.lower() not in TEAMS_APP_TYPES:
            raise SettingsError(
                f"MicrosoftAppType must be one of {', '.join(TEAMS_APP_TYPES.values())}, "
                f"not {raw_type!r}"
            )
        app_type = TEAMS_APP_TYPES[raw_type.lower() or "multitenant"]
        if (password or tenant or raw_type) and not app_id:
            raise SettingsError("Teams is half-configured: set MicrosoftAppId")
        if app_id and app_type != "UserAssignedMSI" and not password:
            raise SettingsError("Teams is half-configured: set MicrosoftAppPassword")
        if app_type in ("SingleTenant", "UserAssignedMSI") and not tenant:
            raise SettingsError(
                f"Teams is half-configured: set MicrosoftAppTenantId ({app_type} needs it)"
            )
        passed: list[tuple[str, str | bool]] = []
        for name in BOT_FRAMEWORK_SETTINGS:
            value = env.get(name, "").strip()
            if not value:
                continue
            if name == "VALIDATE_AUTHORITY":
                if value.lower() not in ("true", "false"):
                    raise SettingsError(f"VALIDATE_AUTHORITY must be true or false, not {value!r}")
                passed.append((name, value.lower() == "true"))
                continue
            if name.endswith("_URL"):
                parts = urlsplit(value)
                if parts.scheme not in ("http", "https") or not parts.netloc:
                    raise SettingsError(f"{name} must be an http(s) URL, not {value!r}")
            passed.append((name, value))
        given = dict(passed)
        if any(name in given for name in BOT_FRAMEWORK_CUSTOM):
            for name in BOT_FRAMEWORK_ENDPOINTS:
                if name not in given:
                    raise SettingsError(f"Bot Framework endpoints are half-configured: set {name}")
        elif given.get("CHANNEL_SERVICE", US_GOVERNMENT_CHANNEL_SERVICE) != (
            US_GOVERNMENT_CHANNEL_SERVICE
        ):
            raise SettingsError(
                f"CHANNEL_SERVICE must be {US_GOVERNMENT_CHANNEL_SERVICE} (US Government cloud) "
                "or unset; for another cloud set the TO_... endpoint variables instead"
            )
        return cls(
            app_id=app_id,
            app_password=password,
            app_type=app_type,
            tenant_id=tenant,
            bot_framework=tuple(passed),
        )


def _text(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip()
    return value or default


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


def _database_url(env: Mapping[str, str]) -> str:
    raw = env.get("DATABASE_URL", "").strip()
    if raw and urlsplit(raw).scheme not in ("postgres", "postgresql"):
        raise SettingsError(
            "DATABASE_URL must be a PostgreSQL URL (postgres://user:password@host:port/name); "
            "leave it unset to use SQLite"
        )
    return raw


ADMIN_TOKEN_MIN_CHARS = 16


def _admin_token(env: Mapping[str, str]) -> str:
    """ADMIN_TOKEN: unset turns the admin page off; a short token is refused."""
    token = env.get("ADMIN_TOKEN", "").strip()
    if token and len(token) < ADMIN_TOKEN_MIN_CHARS:
        raise SettingsError(
            f"ADMIN_TOKEN must be at least {ADMIN_TOKEN_MIN_CHARS} characters long "
            f"(it is {len(token)}); use a long random value, e.g. `openssl rand -hex 32`"
        )
    return token


def _whole_number(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise SettingsError(f"{name} must be a whole number from {low} to {high}, not {raw!r}")
    return int(raw)
