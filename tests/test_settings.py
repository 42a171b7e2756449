"""Settings come only from the environment, are validated, and are all documented."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

import pytest

from adapters.settings import Settings, SettingsError
from tests.conftest import ROOT


class RecordingEnv(Mapping[str, str]):
    """An empty environment that remembers every variable the settings asked for."""

    def __init__(self) -> None:
        self.asked: set[str] = set()

    def __getitem__(self, key: str) -> str:
        self.asked.add(key)
        raise KeyError(key)

    def get(self, key: str, default: object = None) -> object:  # type: ignore[override]
        self.asked.add(key)
        return default

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def test_every_variable_read_is_in_env_example() -> None:
    """.env.example lists every variable the bot reads."""
    env = RecordingEnv()
    Settings.from_env(env)
    documented = set(
        re.findall(
            r"^#?\s*([A-Za-z][A-Za-z0-9_]*)=",
            (ROOT / ".env.example").read_text(),
            flags=re.MULTILINE,
        )
    )
    assert env.asked - documented == set()


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"PORT": "eighty"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"SAFEGUARDING_MODE": "live"}, "SAFEGUARDING_MODE"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL"),
        ({"KNOWLEDGE_DIR": "/no/such/dir"}, "KNOWLEDGE_DIR"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"RETENTION_DAYS": "0"}, "RETENTION_DAYS"),
        ({"KNOWLEDGE_POLL_SECONDS": "-1"}, "KNOWLEDGE_POLL_SECONDS"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(env: dict[str, str], variable: str) -> None:
    """A malformed setting raises SettingsError whose message starts with its name."""
    with pytest.raises(SettingsError) as raised:
        Settings.from_env(env)
    assert variable in str(raised.value)


def test_defaults_need_no_variables() -> None:
    """With nothing set, the bot runs locally: 127.0.0.1:8080, SQLite, development mode."""
    settings = Settings.from_env({})
    assert (settings.host, settings.port, settings.mode) == ("127.0.0.1", 8080, "development")
    assert settings.database_url == ""
    assert (settings.knowledge_dir / "contacts.yaml").is_file()
