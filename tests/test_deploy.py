"""Deployment files that no engine runs here: compose.yaml, the Dockerfile and the lock file, checked
against each other and against the settings the bot really reads (bot/config.py)."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from bot.config import Settings, load_settings
from tests.conftest import REPO_ROOT

_VARIABLE = re.compile(r"\$\{(\w+)(?::?[-?][^}]*)?\}")
SAMPLE = {"POSTGRES_PASSWORD": "s3cret", "WEBHOOK_HOST_PORT": "8443"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((REPO_ROOT / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def dockerfile() -> str:
    return (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")


def dockerfile_env() -> dict[str, str]:
    """The Dockerfile's ENV NAME=value pairs (backslash-continued lines joined)."""
    text = dockerfile().replace("\\\n", " ")
    pairs: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            pairs.update(item.partition("=")[::2] for item in line.split()[1:] if "=" in item)
    return pairs


def dockerfile_volumes() -> set[str]:
    volumes: set[str] = set()
    for line in dockerfile().splitlines():
        if line.startswith("VOLUME "):
            volumes.update(yaml.safe_load(line.removeprefix("VOLUME ")))
    return volumes


def interpolate(value: str) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error}, with the SAMPLE values."""
    return _VARIABLE.sub(lambda m: SAMPLE[m.group(1)], value)


def mounts(service: dict[str, Any]) -> dict[str, str]:
    """Target path -> source (named volume) of a service's short-syntax volumes."""
    return {entry.split(":")[1]: entry.split(":")[0] for entry in service.get("volumes", [])}


def test_compose_runs_the_bot_and_postgresql_with_persistent_volumes(compose: dict[str, Any]) -> None:
    services, volumes = compose["services"], compose["volumes"]
    assert set(services) == {"bot", "db"}
    bot, db = services["bot"], services["db"]
    assert bot["build"] == "." and (REPO_ROOT / "Dockerfile").is_file()
    assert bot["depends_on"]["db"]["condition"] == "service_healthy" and "healthcheck" in db
    assert mounts(db) == {"/var/lib/postgresql/data": "pgdata"}
    assert set(mounts(bot).values()) | {"pgdata"} == set(volumes)  # every named volume is declared
    # The Hugging Face cache is a volume at the image's HF_HOME, so a downloaded model survives restarts.
    hf_home = dockerfile_env()["HF_HOME"]
    assert mounts(bot)[hf_home] == "hf-cache" and hf_home in dockerfile_volumes()


def test_compose_sets_only_real_settings_and_they_validate(compose: dict[str, Any]) -> None:
    bot, db = compose["services"]["bot"], compose["services"]["db"]
    environment: dict[str, str] = {k: interpolate(str(v)) for k, v in bot["environment"].items()}
    fields = {name.upper() for name in Settings.model_fields}
    assert set(environment) <= fields, set(environment) - fields
    settings = load_settings(_env_file=None, **{k.lower(): v for k, v in environment.items()})
    # DATABASE_URL reaches the db service with its user, database and password.
    url = re.fullmatch(r"postgresql\+asyncpg://(\w+):(.+)@(\w+):5432/(\w+)", settings.database_url)
    assert url is not None, settings.database_url
    user, password, host, database = url.groups()
    db_env = {k: interpolate(str(v)) for k, v in db["environment"].items()}
    assert host in compose["services"] and host == "db"
    assert (user, password, database) == (
        db_env["POSTGRES_USER"],
        db_env["POSTGRES_PASSWORD"],
        db_env["POSTGRES_DB"],
    )


def test_webhook_port_matches_the_setting_and_the_image(compose: dict[str, Any]) -> None:
    bot = compose["services"]["bot"]
    (published,) = bot["ports"]
    host, _, container = interpolate(published).rpartition(":")
    assert host.startswith("127.0.0.1:")  # only a local TLS proxy reaches it
    assert int(container) == int(bot["environment"]["PORT"]) == Settings.model_fields["port"].default
    assert re.search(rf"^EXPOSE {container}$", dockerfile(), re.MULTILINE)


def test_compose_variables_are_explained_in_env_example(compose: dict[str, Any]) -> None:
    example = (REPO_ROOT / ".env.example").read_text(encoding="utf-8")
    used = set(_VARIABLE.findall((REPO_ROOT / "compose.yaml").read_text(encoding="utf-8")))
    assert used == set(SAMPLE)
    assert all(re.search(rf"^#? ?{name}=", example, re.MULTILINE) for name in used)


def test_the_image_leaves_hf_hub_offline_to_the_operator() -> None:
    assert "HF_HUB_OFFLINE" not in dockerfile_env()


def locked() -> dict[str, list[Version]]:
    """Package -> pinned version(s) of requirements.lock (one per platform marker)."""
    pins: dict[str, list[Version]] = {}
    for line in (REPO_ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        match = re.match(r"([A-Za-z0-9_.-]+)==([^ ;]+)", line)
        if match:
            pins.setdefault(canonicalize_name(match.group(1)), []).append(Version(match.group(2)))
    return pins


def test_lock_pins_every_dependency_within_its_range() -> None:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = locked()
    extras = project["optional-dependencies"]  # dev includes the onnx extra as "newsbot[onnx]"
    for spec in [*project["dependencies"], *(spec for group in extras.values() for spec in group)]:
        requirement = Requirement(spec)
        if requirement.name == project["name"]:
            assert requirement.extras <= set(extras), spec
            continue
        versions = pins.get(canonicalize_name(requirement.name))
        assert versions, f"{requirement.name} is not in requirements.lock: run `make lock`"
        assert any(requirement.specifier.contains(v) for v in versions), (spec, versions)
    assert pins["torch"] == [Version("2.13.0")]  # the CPU wheel (2.13.0+cpu) satisfies it too


def test_make_and_the_image_install_through_the_lock() -> None:
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^LOCK := requirements\.lock$", makefile, re.MULTILINE)
    installs = [line for line in makefile.splitlines() if "pip install" in line and "uv==" not in line]
    assert installs and all("-c $(LOCK)" in line for line in installs if "torch" in line or "-e " in line)
    assert re.search(r"^\$\(STAMP\): pyproject\.toml \$\(LOCK\)$", makefile, re.MULTILINE)
    assert "uv pip compile pyproject.toml --extra dev" in makefile and "lock:" in makefile
    image = dockerfile()
    assert "COPY requirements.lock ./" in image and "RUN pip install -c requirements.lock ." in image
    assert image.index("COPY requirements.lock") < image.index("RUN pip install")
    header = (REPO_ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()[:2]
    assert header[1].strip() == "#    make lock"
