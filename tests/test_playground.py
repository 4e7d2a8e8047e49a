"""The local playground: `python -m bot` without BOT_TOKEN, typed at as a person would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import child_env
from tests.test_e2e_commands import STORY


def test_playground_session(tmp_path: Path) -> None:
    env = child_env(SUMMARIZER="lead", DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/play.db")
    script = "\n".join(
        [
            "/start",
            "/post Not allowed\nbody",
            ":as admin",
            ":paste",
            "/post Council approves budget",
            STORY,
            ".",
            ":as user 42",
            "/subscribe",
            "/latest",
            ":digest",
            ":wait 3",
            ":press 1",
            ":press 7",
            ":as martian",
            ":quit",
        ]
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        input=script + "\n",
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr[-2000:]
    assert out.splitlines()[0].startswith("BOT_TOKEN is not set")
    assert "/subscribe" in out  # the welcome
    assert "only the outlet's editors" in out
    assert "Posted as #1: Council approves budget" in out
    assert "Subscribed!" in out
    assert "Latest 1" in out
    assert "Your digest for" in out  # fired through the JobQueue
    assert "(1) [1 ▾ summary]  (2) [👍 follow]  (3) [🔇 mute]" in out  # the compact digest's buttons
    expanded = out.split("(edited):", 1)[1]  # pressing "1 ▾ summary" edits the digest in place
    assert "approved a new budget on Tuesday" in expanded and "[1 ▴ hide]" in expanded
    assert "[🚩]" in expanded  # an expanded summary can be reported
    assert "Usage: :press N — N from 1 to 4" in out  # the newest buttons: the expanded item's, with 🚩
    assert "Usage: :as admin | :as user N" in out
    assert "Bye!" in out


def test_playground_lang_acts_as_a_user_of_that_language(tmp_path: Path) -> None:
    env = child_env(SUMMARIZER="lead", DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/play.db")
    script = "\n".join(
        [
            ":lang ru",
            "/start",
            ":lang pt-br",
            "/latest",
            ":lang de",
            "/subscribe",
            ":lang -",
            "/help",
            ":lang !",
            ":quit",
        ]
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        input=script + "\n",
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Your Telegram app is now in ru." in out and "[user 1001, ru] >" in out
    assert "Здравствуйте, Test! Я пересказываю новости" in out
    assert "No articles yet" in out  # pt-br: not shipped, the default
    assert "Abonniert! Ihr Überblick kommt jeden Tag um 19:00 (UTC)." in out
    # no language_code at all: the one last seen from this user (stored when they subscribed)
    assert "Your app now sends no language." in out and "Befehle\n/start — Begrüßung" in out
    assert "Usage: :lang xx" in out
