"""Hybrid search: stored sentence embeddings (in-memory matrix) fused with full-text keyword matches."""

from __future__ import annotations

import asyncio
import time
import unicodedata
from typing import Final

import numpy as np
import numpy.typing as npt

from bot.semantic.worker import SummaryWorker
from bot.storage import Article
from bot.storage.articles import Articles
from summarizer.embedding import Embedder, Vectors
from summarizer.languages import handles, trained_languages

# Reciprocal-rank fusion constant (Cormack et al. 2009): robust without calibrating the two scores.
RRF_K: Final = 60
CANDIDATES: Final = 100
EMBED_TEXT_CHARS: Final = 2000
# Articles stored by this process are indexed at once; others' (another process) within this many seconds.
REFRESH_SECONDS: Final = 2.0


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
    """All stored embeddings of one model as a matrix; refreshed incrementally (ids only grow)."""

    def __init__(self, model: str, dim: int) -> None:
        """An empty index for `dim`-dimensional vectors of `model`."""
        self.model = model
        self.dim = dim
        # One attribute holding (ids, matrix): a reader in the worker thread always sees a matching pair.
        self._data: tuple[npt.NDArray[np.int64], Vectors] = (
            np.zeros(0, dtype=np.int64),
            np.zeros((0, dim), dtype=np.float32),
        )
        self._lock = asyncio.Lock()
        self._refreshed_at = -1e9

    def __len__(self) -> int:
        return int(self._data[0].shape[0])

    async def refresh(self, articles: Articles, *, max_age: float = 0.0) -> None:
        """Load embeddings stored since the last refresh, unless that was less than max_age seconds ago."""
        now = time.monotonic()
        if now - self._refreshed_at < max_age:
            return
        async with self._lock:
            self._refreshed_at = now
            while True:
                ids, matrix = self._data
                rows = await articles.embeddings_after(int(ids[-1]) if len(ids) else 0, self.model)
                if not rows:
                    return
                new_ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
                block = np.frombuffer(b"".join(r[1] for r in rows), dtype="<f4").reshape(len(rows), self.dim)
                self._data = (np.concatenate([ids, new_ids]), np.vstack([matrix, block.astype(np.float32)]))

    def remove(self, article_id: int) -> None:
        """Forget a deleted article."""
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
    """Embeds articles once when stored and ranks searches by meaning and by words."""

    def __init__(self, articles: Articles, worker: SummaryWorker, *, min_similarity: float) -> None:
        """Embed with `worker`'s embedder (none: keyword-only search), store vectors in `articles`."""
        self._articles = articles
        self._worker = worker
        self.min_similarity = min_similarity
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

    def forget(self, article_id: int) -> None:
        """Drop a deleted article from the in-memory index."""
        if self.index is not None:
            self.index.remove(article_id)

    async def search(self, query: str, limit: int, offset: int = 0) -> list[Article]:
        """Articles ranked by keyword relevance and embedding similarity together (RRF)."""
        keyword, semantic = await asyncio.gather(
            self._articles.keyword_ids(query, CANDIDATES), self._semantic_ids(query)
        )
        ranked = reciprocal_rank_fusion(semantic, keyword)
        return await self._articles.get_many(ranked[offset : offset + limit])

    async def _semantic_ids(self, query: str) -> list[int]:
        """Ids of the articles nearest to the query's meaning (embedding and scan in the worker thread)."""
        index, embedder = self.index, self._worker.embedder
        if index is None or embedder is None or not reads_text(embedder, query):
            return []  # a query the embedder cannot read is matched by its words only
        await index.refresh(self._articles, max_age=REFRESH_SECONDS)

        def rank() -> list[int]:
            return index.nearest(embedder.embed([query])[0], CANDIDATES, self.min_similarity)

        return await self._worker.run(rank)
