"""The built package runs on its own: what `pip install .` (the Dockerfile's install) puts in site-packages.

An editable install and the test suite read everything from this checkout, so a data file missing from
the wheel (migrations, the scorer weights) would only show in a real deployment. These tests build the
wheel from exactly the files the Dockerfile copies, unpack it where nothing else of this checkout is
importable, and run the bot from it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, child_env
from tests.test_e2e_commands import STORY


def copied_sources() -> list[str]:
    """The sources of the Dockerfile's COPY lines, in order."""
    sources: list[str] = []
    for line in (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if line.startswith("COPY "):
            sources.extend(line.split()[1:-1])
    return sources


def docker_context(target: Path) -> Path:
    """Copy what the Dockerfile's COPY lines copy (before `pip install .`) into target; return it."""
    for source in copied_sources():
        path = REPO_ROOT / source
        if path.is_dir():
            shutil.copytree(path, target / source, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(path, target / source)
    return target


def test_docker_context_is_an_allow_list_of_the_copied_sources() -> None:
    """`docker build .` must not upload .env (the token), .venv or the database, yet see every COPY source."""
    patterns = [
        line.strip()
        for line in (REPO_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert patterns[0] == "*"  # everything is left out unless re-included below
    sources = copied_sources()
    assert sources and all(f"!{source.rstrip('/')}" in patterns for source in sources)
    assert not any(p.startswith("!") and (".env" in p or ".venv" in p or ".db" in p) for p in patterns)


@pytest.fixture(scope="module")
def unpacked_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the wheel from the Docker build context (no network, no build isolation) and unpack it."""
    context = docker_context(tmp_path_factory.mktemp("context"))
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(context), "--no-deps", "--no-build-isolation", "-w", out],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    (wheel,) = out.glob("newsbot-*.whl")
    site = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    return site


def run_from(site: Path, cwd: Path, args: list[str], stdin: str = "", **env: str) -> str:
    """Run `python ARGS` importing bot and summarizer only from `site`; return stdout."""
    result = subprocess.run(
        [sys.executable, *args],
        input=stdin,
        cwd=cwd,
        env={**child_env(**env), "PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result.stdout


def test_wheel_holds_migrations_weights_and_type_markers(unpacked_wheel: Path) -> None:
    versions = {p.name for p in (unpacked_wheel / "bot" / "migrations" / "versions").glob("v*.py")}
    in_checkout = {p.name for p in (REPO_ROOT / "bot" / "migrations" / "versions").glob("v*.py")}
    assert versions == in_checkout and versions
    assert (unpacked_wheel / "bot" / "migrations" / "env.py").is_file()
    assert (unpacked_wheel / "summarizer" / "weights" / "sentence_scorer.json").is_file()
    assert (unpacked_wheel / "bot" / "py.typed").is_file()
    assert (unpacked_wheel / "summarizer" / "py.typed").is_file()
    assert not (unpacked_wheel / "tests").exists() and not (unpacked_wheel / "bench").exists()


def test_installed_bot_migrates_posts_and_answers(unpacked_wheel: Path, tmp_path: Path) -> None:
    probe = "import bot, summarizer; print(bot.__file__); print(summarizer.__file__)"
    for line in run_from(unpacked_wheel, tmp_path, ["-c", probe]).split():
        assert Path(line).is_relative_to(unpacked_wheel), line  # not this checkout
    script = "\n".join(
        [":as admin", ":paste", "/post Council approves budget", STORY, ".", "/latest", ":quit"]
    )
    out = run_from(
        unpacked_wheel,
        tmp_path,
        ["-m", "bot"],
        stdin=script + "\n",
        SUMMARIZER="lead",
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/installed.db",
    )
    assert "Posted as #1: Council approves budget" in out  # migrations ran from the wheel
    assert re.search(r"Latest 1\s+Council approves budget #1", out)
    beat = tmp_path / "beat"
    beat.write_text("1\n")  # the Docker HEALTHCHECK's command, from the wheel
    assert (
        run_from(unpacked_wheel, tmp_path, ["-m", "bot.health"], HEARTBEAT_FILE=str(beat)).strip()
        == "healthy"
    )


@pytest.mark.slow
def test_installed_extractive_backend_loads_shipped_weights(unpacked_wheel: Path, tmp_path: Path) -> None:
    code = (
        f"from summarizer import load_summarizer; print(load_summarizer('extractive').summarize({STORY!r}))"
    )
    summary = run_from(unpacked_wheel, tmp_path, ["-c", code]).strip()
    assert summary and all(sentence.strip(" .") in STORY for sentence in summary.split(". "))
