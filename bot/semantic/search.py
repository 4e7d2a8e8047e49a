"""Hybrid search: stored sentence embeddings (in-memory matrix) fused with full-text keyword matches."""

from __future__ import annotations

import asyncio
import logging
import time
import unicodedata
from datetime import datetime, timedelta
from typing import Final

import numpy as np
import numpy.typing as npt

from bot.clock import Clock, utc_now
from bot.semantic.worker import SummaryWorker
from bot.storage import Article
from bot.storage.articles import Articles
from summarizer.embedding import Embedder, Vectors
from summarizer.languages import handles, trained_languages

# Reciprocal-rank fusion constant (Cormack et al. 2009): robust without calibrating the two scores.
RRF_K: Final = 60
CANDIDATES: Final = 100
EMBED_TEXT_CHARS: Final = 2000
# Articles stored (or edited) by this process are indexed at once; others' within this many seconds.
REFRESH_SECONDS: Final = 2.0
# A replaced vector committed up to this long after another one stamped later is still picked up.
CHANGES_LOOK_BACK: Final = timedelta(minutes=5)
log = logging.getLogger(__name__)


def to_bytes(vector: npt.NDArray[np.float32]) -> bytes:
    """Serialize one vector as little-endian float32 bytes (the stored format)."""
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(data: bytes) -> npt.NDArray[np.float32]:
    """Deserialize a stored vector."""
    return np.frombuffer(data, dtype="<f4").astype(np.float32)


def article_text(article: Article) -> str:
    """The text an article is embedded from: title, summary, then the start of the body."""
    return f"{article.title}. {article.summary} {article.body[:EMBED_TEXT_CHARS]}"


def latin_share(text: str) -> float:
    """The share of the letters of text that are Latin (1.0 for text without letters)."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return 1.0
    return sum(unicodedata.name(ch, "").startswith("LATIN") for ch in letters) / len(letters)


def reads_text(embedder: Embedder, text: str) -> bool:
    """Whether embedder can read a short text of unknown language (a query, a topic): an embedder trained
    on English reads Latin script only (MiniLM splits Cyrillic into single letters: noise)."""
    return trained_languages(embedder) is None or latin_share(text) >= 0.5


def reciprocal_rank_fusion(*rankings: list[int], k: int = RRF_K) -> list[int]:
    """Merge ranked id lists: score(id) = sum 1 / (k + rank); ties keep the first list's order."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank + 1)
    return sorted(scores, key=lambda item: -scores[item])


class EmbeddingIndex:
    """All stored embeddings of one model as a matrix, refreshed incrementally: new articles by id (ids
    only grow), replaced vectors (edited articles) by when they were replaced."""

    def __init__(self, model: str, dim: int) -> None:
        """An empty index for `dim`-dimensional vectors of `model`."""
        self.model = model
        self.dim = dim
        # One attribute holding (ids, matrix), ids ascending, never changed in place (copy on write): a
        # reader in the worker thread always sees a matching pair.
        self._data: tuple[npt.NDArray[np.int64], Vectors] = (
            np.zeros(0, dtype=np.int64),
            np.zeros((0, dim), dtype=np.float32),
        )
        self._lock = asyncio.Lock()  # every change of _data: a refresh, a replaced vector, a removal
        self._refreshed_at = -1e9
        self._changes_seen: datetime | None = None  # the newest replacement loaded (None: none read yet)

    def __len__(self) -> int:
        return int(self._data[0].shape[0])

    async def refresh(self, articles: Articles, *, max_age: float = 0.0) -> None:
        """Load embeddings stored, and those replaced, since the last refresh, unless that was less than
        max_age seconds ago."""
        now = time.monotonic()
        if now - self._refreshed_at < max_age:
            return
        async with self._lock:
            self._refreshed_at = now
            while True:
                ids, matrix = self._data
                rows = await articles.embeddings_after(int(ids[-1]) if len(ids) else 0, self.model)
                if not rows:
                    break
                new_ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
                block = np.frombuffer(b"".join(r[1] for r in rows), dtype="<f4").reshape(len(rows), self.dim)
                self._data = (np.concatenate([ids, new_ids]), np.vstack([matrix, block.astype(np.float32)]))
            await self._load_changes(articles)

    async def _load_changes(self, articles: Articles) -> None:
        """Vectors replaced (by this process or another) since the newest replacement seen, less
        CHANGES_LOOK_BACK: a replacement stamped a little before another one may commit after it."""
        ids = self._data[0]
        if not len(ids):
            return
        seen = self._changes_seen
        since = None if seen is None else seen - CHANGES_LOOK_BACK
        rows = await articles.embeddings_changed(self.model, since=since, up_to=int(ids[-1]))
        if rows:
            self._put({article_id: from_bytes(data) for article_id, data, _ in rows})
            newest = max(at for _, _, at in rows)
            self._changes_seen = newest if seen is None else max(seen, newest)

    async def put(self, article_id: int, vector: npt.NDArray[np.float32]) -> None:
        """Replace one article's vector: it was embedded again after an edit (an article newer than
        the index is left to the next refresh, which reads it from the table)."""
        async with self._lock:
            self._put({article_id: vector})

    def _put(self, vectors: dict[int, npt.NDArray[np.float32]]) -> None:
        """Replace these articles' rows, copying on write. One the index lacks is added in id order if it
        is older than the newest loaded (e.g. stored while its embedding failed), else left to refresh:
        ids past the newest are read by id, and one added early would hide those in between."""
        ids, matrix = self._data
        order = sorted(vectors)  # equal insert positions must keep id order
        wanted = np.asarray(order, dtype=np.int64)
        block = np.stack([vectors[i] for i in order]).astype(np.float32)
        positions = np.searchsorted(ids, wanted)
        inside = positions < len(ids)
        if not inside.any():
            return
        found = inside & (ids[np.minimum(positions, len(ids) - 1)] == wanted)
        matrix = matrix.copy()
        matrix[positions[found]] = block[found]
        added = inside & ~found
        if added.any():
            ids = np.insert(ids, positions[added], wanted[added])
            matrix = np.insert(matrix, positions[added], block[added], axis=0)
        self._data = (ids, matrix)

    async def remove(self, article_id: int) -> None:
        """Forget a deleted article."""
        async with self._lock:
            ids, matrix = self._data
            keep = ids != article_id
            self._data = (ids[keep], matrix[keep])

    def nearest(self, query: npt.NDArray[np.float32], limit: int, min_similarity: float) -> list[int]:
        """Ids of the most similar vectors with cosine >= min_similarity, best first (blocking)."""
        ids, matrix = self._data
        if not len(ids) or limit <= 0:
            return []
        # torch rather than numpy: it honours the worker thread's torch thread count, where numpy's BLAS
        # pool would spin 2 threads (8x slower on a busy 2-core host). Imported here: there are vectors
        # only when the embedder (a torch model) is loaded, and a bot without it need not pay for torch.
        import torch

        scores = (torch.from_numpy(matrix) @ torch.from_numpy(np.ascontiguousarray(query))).numpy()
        count = min(limit, len(ids))
        top = np.argpartition(-scores, count - 1)[:count]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [int(ids[i]) for i in top if scores[i] >= min_similarity]


class SemanticSearch:
    """Embeds articles when stored (again when an edit changes what is embedded) and ranks searches by
    meaning and by words."""

    def __init__(
        self, articles: Articles, worker: SummaryWorker, *, min_similarity: float, clock: Clock = utc_now
    ) -> None:
        """Embed with `worker`'s embedder (none: keyword-only search), store vectors in `articles`."""
        self._articles = articles
        self._worker = worker
        self._clock = clock
        self.min_similarity = min_similarity
        self._reindexing = asyncio.Lock()  # edits embedded one at a time, each from the stored text
        embedder = worker.embedder
        self.index = EmbeddingIndex(embedder.name, embedder.dim) if embedder is not None else None

    @property
    def enabled(self) -> bool:
        """Whether an embedder is loaded (otherwise search is keyword-only)."""
        return self.index is not None

    async def index_article(self, article: Article) -> None:
        """Compute the article's embedding in the worker thread and store it (once, at ingestion); none for
        an article in a language the embedder was not trained on (it is found by its words only)."""
        embedder = self._worker.embedder
        if self.index is None or embedder is None or not handles(embedder, article.language):
            return
        vectors = await self._worker.embed([article_text(article)])
        if vectors is not None:
            await self._articles.set_embedding(article.id, self.index.model, to_bytes(vectors[0]))
            await self.index.refresh(self._articles)

    async def reindex(self, article_id: int) -> bool:
        """Embed an edited article again (title and summary are part of what is embedded), in the worker
        thread, from its text as stored now; replace its stored vector and its row of the index. False
        when the embedder failed: the previous vector stays (logged), the edit itself is kept."""
        if self.index is None:
            return True
        async with self._reindexing:  # the last of two quick edits is embedded last
            article = await self._articles.get(article_id)
            embedder = self._worker.embedder
            if article is None or embedder is None or not handles(embedder, article.language):
                return True  # deleted meanwhile, or found by its words only (see index_article)
            try:
                vectors = await self._worker.embed([article_text(article)])
            except Exception:  # the model failed on this text (see the log); search keeps the old vector
                log.exception("embedding edited article #%s failed; its previous vector stays", article_id)
                return False
            if vectors is None:
                return True
            changed = self._clock()
            await self._articles.set_embedding(
                article_id, self.index.model, to_bytes(vectors[0]), changed_at=changed
            )
            await self.index.refresh(self._articles)  # first what is newer, so the row can be replaced
            await self.index.put(article_id, vectors[0])
        return True

    async def embed_one(self, text: str) -> npt.NDArray[np.float32] | None:
        """Embed one short text (a query or a topic) in the worker thread; None without an embedder or
        when it cannot read the text (reads_text)."""
        embedder = self._worker.embedder
        if embedder is None or not reads_text(embedder, text):
            return None
        vectors = await self._worker.embed([text])
        return None if vectors is None else vectors[0]

    async def vectors_of(self, article_ids: list[int]) -> dict[int, npt.NDArray[np.float32]]:
        """Stored embeddings of these articles (those without one are absent)."""
        if self.index is None:
            return {}
        stored = await self._articles.embeddings(article_ids, self.index.model)
        return {article_id: from_bytes(data) for article_id, data in stored.items()}

    async def forget(self, article_id: int) -> None:
        """Drop a deleted article from the in-memory index."""
        if self.index is not None:
            await self.index.remove(article_id)

    async def search(self, query: str, limit: int, offset: int = 0) -> list[Article]:
        """Articles ranked by keyword relevance and embedding similarity together (RRF)."""
        keyword, semantic = await asyncio.gather(
            self._articles.keyword_ids(query, CANDIDATES), self._semantic_ids(query)
        )
        page = reciprocal_rank_fusion(semantic, keyword)[offset : offset + limit]
        found = await self._articles.get_many(page)
        for gone in set(page).intersection(semantic) - {a.id for a in found}:
            await self.forget(gone)  # deleted by another process: its vector need not be scanned again
        return found

    async def _semantic_ids(self, query: str) -> list[int]:
        """Ids of the articles nearest to the query's meaning (embedding and scan in the worker thread)."""
        index, embedder = self.index, self._worker.embedder
        if index is None or embedder is None or not reads_text(embedder, query):
            return []  # a query the embedder cannot read is matched by its words only
        await index.refresh(self._articles, max_age=REFRESH_SECONDS)

        def rank() -> list[int]:
            return index.nearest(embedder.embed([query])[0], CANDIDATES, self.min_similarity)

        return await self._worker.run(rank)
