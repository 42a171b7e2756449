"""What a PaaS reads agrees with the project: Procfile, Python version, pinned requirements."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT


def pinned() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split(";")[0].strip()  # an environment marker is not part of the pin
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"requirements.txt: {line!r} is not pinned with =="
            pins[canonicalize_name(name)] = version
    return pins


def test_requirements_pin_every_dependency_within_pyproject_ranges() -> None:
    """Each runtime dependency in pyproject.toml is pinned in requirements.txt, in range."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = pinned()
    for spec in project["dependencies"]:
        requirement = Requirement(spec)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not pinned in requirements.txt"
        assert requirement.specifier.contains(pins[name]), (requirement, pins[name])


def test_procfile_checks_knowledge_then_serves_on_all_interfaces() -> None:
    """The release phase validates the knowledge base; the web process serves on $PORT."""
    lines = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )
    assert lines["release"].strip() == "python -m adapters.cli check"
    assert re.fullmatch(r"python -m adapters\.cli serve --host 0\.0\.0\.0", lines["web"].strip())


def test_python_version_is_pinned_for_buildpacks() -> None:
    """.python-version names the Python the project supports."""
    assert (ROOT / ".python-version").read_text().strip() == "3.11"
