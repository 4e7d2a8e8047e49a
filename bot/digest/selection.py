"""Which articles a chat's next digest carries: everything after its previous digest's content cut-off
(the first one: the last 24 hours), plus the look-back that catches articles stamped just before a
cut-off but committed after its plan read them. Pure functions over what one read returned."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Final

from bot.storage.ledger import Cutoff
from bot.storage.types import Article

FIRST_DIGEST_WINDOW: Final = timedelta(hours=24)
# An article's created_at is stamped before its INSERT commits (behind other writers, a pool, a lock), so
# the plan of a digest can miss one stamped just before its cut-off. The next digest therefore also takes
# the articles stamped this long before the previous cut-off that its plan had not read (Cutoff).
LOOK_BACK: Final = timedelta(minutes=5)


def window_start(cutoff: Cutoff | None, now: datetime) -> datetime:
    """The time after which a chat's articles may be new: its previous cut-off, less the look-back."""
    if cutoff is None:
        return now - FIRST_DIGEST_WINDOW
    return cutoff.at if cutoff.recent_article_ids is None else cutoff.at - LOOK_BACK


def read_start(cutoffs: Iterable[Cutoff | None], now: datetime) -> datetime:
    """Where one read must start to serve every chat with these cut-offs and see the look-back before now."""
    return min([now - LOOK_BACK, *(window_start(cutoff, now) for cutoff in cutoffs)])


def new_articles(read: list[Article], cutoff: Cutoff | None, now: datetime) -> list[Article]:
    """The articles of `read` a chat's next digest carries, given its latest sent digest's cut-off."""
    start = window_start(cutoff, now)
    if cutoff is None or cutoff.recent_article_ids is None:
        return [a for a in read if a.created_at > start]
    had = cutoff.recent_article_ids
    return [a for a in read if a.created_at > cutoff.at or (a.created_at > start and a.id not in had)]


def recent_article_ids(read: list[Article], now: datetime) -> frozenset[int]:
    """The articles of `read` within the look-back before `now`: the ones the next digests skip."""
    return frozenset(a.id for a in read if a.created_at > now - LOOK_BACK)
