"""The in-memory embedding index follows the table: new articles, vectors replaced after an edit (by this
process or by another one on the same database), deleted articles; a failed re-embedding keeps the old
vector. Two Store + SemanticSearch pairs on one database stand for two bot processes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pytest

from bot.monitoring.metrics import Metrics
from bot.semantic.search import CHANGES_LOOK_BACK, SemanticSearch
from bot.semantic.worker import SummaryWorker
from bot.storage import Store
from bot.storage.types import EditField
from summarizer.embedding import Embedder, Vectors
from summarizer.lead import LeadSummarizer

WHALE = (
    "A humpback whale calf was freed from fishing nets off the coast by volunteer divers. Scientists "
    "fitted it with a satellite tag and will follow its migration to Antarctic feeding grounds."
)
STORIES = [
    ("Council approves budget", "The city council approved a new budget that raises bus spending."),
    ("Rail workers call off strike", "Rail workers called off next week's strike after a pay deal."),
    ("Mortgage lenders cut fixed rates", "Several large banks lowered their fixed mortgage rates."),
]


@dataclass
class Clock:
    """A settable clock for the replacement stamps."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


class Faulty:
    """The real embedder, failing (as a model can: RuntimeError) on texts that contain `trigger`."""

    def __init__(self, embedder: Embedder, trigger: str) -> None:
        self.name, self.dim = embedder.name, embedder.dim
        self._embedder, self._trigger = embedder, trigger

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Embed, or fail like an out-of-memory model."""
        if any(self._trigger in text for text in texts):
            raise RuntimeError("CUDA out of memory (injected)")
        return self._embedder.embed(texts)


@pytest.fixture
async def stores(database_url: str) -> AsyncIterator[tuple[Store, Store]]:
    """Two stores on one migrated database (two processes)."""
    first = await Store.open(database_url)
    second = await Store.open(database_url)
    try:
        yield first, second
    finally:
        await second.close()
        await first.close()


@pytest.fixture
def worker(embedder: Embedder) -> Iterator[SummaryWorker]:
    """The inference thread with the real MiniLM (summaries are the stored ones: no summarizer needed)."""
    made = SummaryWorker(LeadSummarizer(), Faulty(embedder, "zeppelin"), metrics=Metrics())
    yield made
    made.close()


async def add(store: Store, semantic: SemanticSearch | None, title: str, body: str) -> int:
    """Store an article (embedded at once when `semantic` is given); return its id."""
    article = await store.articles.add(
        title=title,
        body=body,
        summary=body,
        summarizer="lead",
        posted_by=1,
        created_at=datetime.now(UTC),
    )
    if semantic is not None:
        await semantic.index_article(article)
    return article.id


async def nearest(semantic: SemanticSearch, store: Store, query: str) -> list[int]:
    """The index's ranking by meaning, after a refresh (what /search reads)."""
    assert semantic.index is not None
    await semantic.index.refresh(store.articles)
    vector = await semantic.embed_one(query)
    assert vector is not None
    return semantic.index.nearest(vector, 10, 0.25)


async def edit_summary(store: Store, semantic: SemanticSearch, article_id: int, text: str) -> bool:
    """What /edit <id> summary does: revise, then embed again."""
    assert await store.articles.revise(article_id, EditField.SUMMARY, text, by=1, now=datetime.now(UTC))
    return await semantic.reindex(article_id)


async def test_an_edit_reaches_this_and_the_other_processes_index(
    stores: tuple[Store, Store], worker: SummaryWorker
) -> None:
    (one, two), clock = stores, Clock(datetime.now(UTC))
    here = SemanticSearch(one.articles, worker, min_similarity=0.25, clock=clock)
    there = SemanticSearch(two.articles, worker, min_similarity=0.25)
    ids = [await add(one, here, *story) for story in STORIES]
    assert await nearest(there, two, "ocean mammals") == []
    assert len(there.index or ()) == 3

    assert await edit_summary(one, here, ids[0], WHALE)
    assert (await nearest(here, one, "ocean mammals"))[:1] == [ids[0]]  # this process: at once
    assert (await nearest(there, two, "ocean mammals"))[:1] == [ids[0]]  # the other: at its refresh
    assert len(there.index or ()) == 3  # replaced, not added

    # A replacement stamped a little before the newest one seen (it committed later) is still read.
    clock.now -= CHANGES_LOOK_BACK / 2
    assert ids[1] not in await nearest(there, two, "ocean mammals")
    assert await edit_summary(one, here, ids[1], WHALE)
    assert ids[1] in await nearest(there, two, "ocean mammals")
    assert len(there.index or ()) == 3


async def test_articles_the_other_index_lacks_are_added_in_order_and_deleted_ones_dropped(
    stores: tuple[Store, Store], worker: SummaryWorker
) -> None:
    one, two = stores
    here = SemanticSearch(one.articles, worker, min_similarity=0.25)
    there = SemanticSearch(two.articles, worker, min_similarity=0.25)
    first = await add(one, here, *STORIES[0])
    unembedded = await add(one, None, *STORIES[1])  # stored while embedding was not possible
    last = await add(one, here, *STORIES[2])
    await nearest(there, two, "anything")
    assert there.index is not None and len(there.index) == 2

    newer = await add(one, here, "Harbour bridge reopens", "The harbour bridge reopened after repairs.")
    newest = await add(one, here, "Ferry timetable changes", "The ferry runs every hour from Monday.")
    assert await edit_summary(one, here, unembedded, WHALE)  # older than the other index's newest
    assert await edit_summary(one, here, newest, WHALE + " A second calf was seen.")  # newer than it
    # a vector put for an article newer than everything the index has read waits for the refresh by id:
    # taken in now, it would hide the articles stored in between
    await there.index.put(newest, (await there.vectors_of([newest]))[newest])
    found = await nearest(there, two, "ocean mammals")
    assert set(found[:2]) == {unembedded, newest}
    ranked = await nearest(there, two, "harbour bridge repairs")  # newer, never hidden by newest
    assert ranked[:1] == [newer]
    assert len(there.index) == 5

    assert await one.articles.delete(last)  # deleted by the first process only
    assert last in await nearest(there, two, "mortgage rates")
    results = await there.search("mortgage rates", limit=5)
    assert last not in [a.id for a in results]
    assert len(there.index) == 4  # the search that met it dropped it
    assert first in [a.id for a in await there.search("council budget", limit=5)]


async def test_a_failed_re_embedding_keeps_the_previous_vector(
    stores: tuple[Store, Store], worker: SummaryWorker, caplog: pytest.LogCaptureFixture
) -> None:
    one, _ = stores
    here = SemanticSearch(one.articles, worker, min_similarity=0.25)
    article_id = await add(one, here, *STORIES[0])
    before = (await here.vectors_of([article_id]))[article_id]
    caplog.set_level(logging.ERROR, logger="bot.semantic")
    assert not await edit_summary(one, here, article_id, "A zeppelin landed on the town hall.")
    assert np.array_equal((await here.vectors_of([article_id]))[article_id], before)
    assert any(f"embedding edited article #{article_id} failed" in r.getMessage() for r in caplog.records)
    stored = await one.articles.get(article_id)
    assert stored is not None and "zeppelin" in stored.summary  # the edit itself is kept
    assert await edit_summary(one, here, article_id, WHALE)  # the next edit embeds again
    assert (await nearest(here, one, "ocean mammals"))[:1] == [article_id]
    assert await here.reindex(10_000) is True  # no such article (deleted meanwhile): nothing to do
