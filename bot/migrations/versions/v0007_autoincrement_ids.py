"""Article and feed ids are never reused: SQLite AUTOINCREMENT (PostgreSQL sequences never reuse anyway).

Without AUTOINCREMENT SQLite hands out max(id) + 1, so after /delete of the newest article the next one took
its id, and old digest buttons, /summary links and topic buttons pointed at a different story. SQLite can only
add AUTOINCREMENT by rebuilding the table (Alembic batch mode); on PostgreSQL this revision does nothing.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each rebuilt table and the tables whose rows cascade from it (ON DELETE CASCADE).
REBUILT = {"articles": ("article_embeddings",), "feeds": ("feed_entries",)}
# The articles_fts triggers of revision 0001: dropped with the old articles table, so created again.
_FTS_COLUMNS = "title, body, summary"
_FTS_NEW = "new.id, new.title, new.body, new.summary"
_FTS_OLD = "'delete', old.id, old.title, old.body, old.summary"
FTS_TRIGGERS = (
    f"CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN "
    f"INSERT INTO articles_fts(rowid, {_FTS_COLUMNS}) VALUES ({_FTS_NEW}); END",
    f"CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN "
    f"INSERT INTO articles_fts(articles_fts, rowid, {_FTS_COLUMNS}) VALUES ({_FTS_OLD}); END",
    f"CREATE TRIGGER articles_fts_au AFTER UPDATE ON articles BEGIN "
    f"INSERT INTO articles_fts(articles_fts, rowid, {_FTS_COLUMNS}) VALUES ({_FTS_OLD}); "
    f"INSERT INTO articles_fts(rowid, {_FTS_COLUMNS}) VALUES ({_FTS_NEW}); END",
)
# The article id in a digest button's callback data (0005's layout: "x:<n>:<id>", "f:<id>", "m:<id>").
_BUTTON_ARTICLE = re.compile(r"[xfm]:(?:\d+:)?(\d+)")


def _rebuild(table: str, children: tuple[str, ...], *, autoincrement: bool) -> None:
    """Recreate `table` (rows, indexes and constraints kept) with or without AUTOINCREMENT.

    Dropping the old table deletes its children's rows when foreign keys are enforced (PRAGMA foreign_keys
    cannot be switched off inside the migration's transaction), so they are kept aside and put back.
    """
    enforced = op.get_bind().exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    kept = children if enforced else ()
    for child in kept:
        op.execute(f"CREATE TEMP TABLE keep_{child} AS SELECT * FROM {child}")
    with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}):
        pass  # nothing changes but the table options
    for child in kept:
        op.execute(f"INSERT INTO {child} SELECT * FROM keep_{child}")
        op.execute(f"DROP TABLE keep_{child}")


def _highest_article_id_handed_out(bind: sa.Connection) -> int:
    """The highest article id anything still refers to: the newest article, or a deleted one that a
    digest plan or a stored digest button names (those ids must not be handed out again either)."""
    highest = int(bind.exec_driver_sql("SELECT coalesce(max(id), 0) FROM articles").scalar() or 0)
    for (ids,) in bind.exec_driver_sql("SELECT recent_article_ids FROM digest_plans"):
        highest = max([highest, *(int(i) for i in json.loads(ids or "[]"))])
    for (markup,) in bind.exec_driver_sql("SELECT markup FROM digest_texts WHERE markup IS NOT NULL"):
        rows: list[list[dict[str, Any]]] = json.loads(markup).get("inline_keyboard", [])
        for button in (b for row in rows for b in row):
            match = _BUTTON_ARTICLE.fullmatch(str(button.get("callback_data", "")))
            if match:
                highest = max(highest, int(match.group(1)))
    return highest


def _seed_sequence(table: str, value: int) -> None:
    """Start `table`'s AUTOINCREMENT counter at `value` (the next id is value + 1)."""
    op.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = :name").bindparams(name=table))
    if value > 0:
        op.execute(
            sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:name, :seq)").bindparams(
                name=table, seq=value
            )
        )


def upgrade() -> None:
    """Rebuild articles and feeds with AUTOINCREMENT on SQLite; nothing to do on PostgreSQL."""
    if op.get_context().dialect.name != "sqlite":
        return
    for table, children in REBUILT.items():
        _rebuild(table, children, autoincrement=True)
    for statement in FTS_TRIGGERS:
        op.execute(statement)
    _seed_sequence("articles", _highest_article_id_handed_out(op.get_bind()))


def downgrade() -> None:
    """Rebuild the tables without AUTOINCREMENT (SQLite only)."""
    if op.get_context().dialect.name != "sqlite":
        return
    for table, children in REBUILT.items():
        _rebuild(table, children, autoincrement=False)
    for statement in FTS_TRIGGERS:
        op.execute(statement)
