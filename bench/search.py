"""Benchmark /search: 10,000 stored articles, hybrid (embedding + full-text) query latency percentiles.

Run: python -m bench.search [--articles 10000] [--queries 300] [--db-url URL]
The stored article embeddings are random unit vectors (the cost of the similarity scan does not depend
on their values); the query embedding, full-text search, fusion and article fetch are the real code path.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import insert

from bot.monitoring.metrics import Metrics
from bot.semantic.search import SemanticSearch, to_bytes
from bot.semantic.worker import SummaryWorker
from bot.storage import Store
from bot.storage.models import ArticleEmbeddingRow, ArticleRow
from summarizer.embedding import load_embedder
from summarizer.lead import LeadSummarizer

WORDS = [
    "government",
    "minister",
    "election",
    "vote",
    "parliament",
    "budget",
    "tax",
    "economy",
    "inflation",
    "bank",
    "rates",
    "market",
    "shares",
    "strike",
    "union",
    "workers",
    "rail",
    "train",
    "bus",
    "airport",
    "flight",
    "police",
    "court",
    "judge",
    "trial",
    "crime",
    "fire",
    "flood",
    "storm",
    "earthquake",
    "volcano",
    "climate",
    "energy",
    "oil",
    "gas",
    "power",
    "school",
    "university",
    "health",
    "hospital",
    "doctor",
    "vaccine",
    "football",
    "match",
    "team",
    "league",
    "cup",
    "player",
    "coach",
    "film",
    "music",
    "festival",
    "museum",
    "art",
    "science",
    "space",
    "rocket",
    "telescope",
    "computer",
    "software",
    "internet",
    "phone",
    "company",
    "profits",
    "jobs",
    "housing",
    "mortgage",
    "city",
    "council",
    "mayor",
    "river",
    "bridge",
    "road",
    "traffic",
    "farmers",
    "harvest",
    "weather",
    "rain",
    "drought",
    "europe",
    "china",
    "india",
    "africa",
    "america",
]


def vocabulary(filler: int, seed: int) -> list[str]:
    """The news words shuffled among `filler` made-up words: the order is the Zipf rank."""
    rng = random.Random(seed)
    words = list(WORDS) + [f"w{i:04d}" for i in range(filler)]
    rng.shuffle(words)
    return words


def fake_text(rng: random.Random, words: int, vocab: list[str]) -> str:
    """A pseudo-article: Zipf-ish draws from the vocabulary, in sentences."""
    picks = [vocab[min(int(rng.paretovariate(1.2)) - 1, len(vocab) - 1)] for _ in range(words)]
    rng.shuffle(picks)
    sentences = [" ".join(picks[i : i + 12]).capitalize() + "." for i in range(0, len(picks), 12)]
    return " ".join(sentences)


async def populate(store: Store, count: int, model: str, dim: int, seed: int, filler: int = 5000) -> None:
    """Insert count articles and their (random unit) embeddings in a few large transactions."""
    rng = random.Random(seed)
    vocab = vocabulary(filler, seed)
    vectors = np.random.default_rng(seed).standard_normal((count, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    batch = 1000
    for offset in range(0, count, batch):
        rows = []
        for i in range(offset, min(count, offset + batch)):
            body = fake_text(rng, 120, vocab)
            rows.append(
                {
                    "id": i + 1,
                    "title": fake_text(rng, 6, vocab).rstrip("."),
                    "body": body,
                    "source_url": None,
                    "posted_by": 1,
                    "created_at": start + timedelta(minutes=i),
                    "summary": body[:300],
                    "summarizer": "lead",
                    "content_hash": f"{i:064d}",
                }
            )
        emb = [
            {"article_id": r["id"], "model": model, "vector": to_bytes(vectors[r["id"] - 1])} for r in rows
        ]
        async with store.engine.begin() as connection:
            await connection.execute(insert(ArticleRow), rows)
            await connection.execute(insert(ArticleEmbeddingRow), emb)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


async def run(args: argparse.Namespace) -> None:
    """Build the store, warm up, time the queries, print the figures."""
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        if args.db_url:
            from tests.conftest import reset_postgres

            await reset_postgres(url)
        embedder = await asyncio.to_thread(load_embedder)
        worker = SummaryWorker(LeadSummarizer(), embedder, metrics=Metrics(), torch_threads=args.threads)
        store = await Store.open(url)
        try:
            t0 = time.perf_counter()
            await populate(store, args.articles, embedder.name, embedder.dim, args.seed, args.filler)
            elapsed = time.perf_counter() - t0
            print(f"stored {args.articles} articles + embeddings in {elapsed:.1f} s ({url.split(':')[0]})")
            # No similarity floor: every query fuses 100 semantic candidates (the worst case for fusion).
            search = SemanticSearch(store.articles, worker, min_similarity=-1.0)
            t0 = time.perf_counter()
            if search.index is not None:
                await search.index.refresh(store)
            print(f"index load (first query pays it once): {(time.perf_counter() - t0) * 1000:.0f} ms")
            rng = random.Random(args.seed + 1)
            queries = [" ".join(rng.sample(WORDS, rng.randint(1, 3))) for _ in range(args.queries)]
            for query in queries[:20]:
                await search.search(query, limit=10)
            timings, found = [], 0
            for query in queries:
                t0 = time.perf_counter()
                results = await search.search(query, limit=10)
                timings.append((time.perf_counter() - t0) * 1000)
                found += len(results)
            embed_ms = []
            for query in queries[:100]:
                t0 = time.perf_counter()
                await worker.embed([query])
                embed_ms.append((time.perf_counter() - t0) * 1000)
        finally:
            worker.close()
            await store.close()
    print(f"{len(timings)} queries, {found / len(timings):.1f} results each on average")
    print(
        "latency per query (ms): "
        f"p50 {percentile(timings, 50):.1f}  p95 {percentile(timings, 95):.1f}  "
        f"p99 {percentile(timings, 99):.1f}  max {max(timings):.1f}  mean {statistics.fmean(timings):.1f}"
    )
    embed = f"p50 {percentile(embed_ms, 50):.1f}  p99 {percentile(embed_ms, 99):.1f}"
    print(f"  query embedding alone (ms): {embed}")


def main() -> None:
    """Parse arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--filler",
        type=int,
        default=5000,
        help="made-up words mixed into the vocabulary; 0 = only 100 news words (every word in every article)",
    )
    parser.add_argument("--threads", type=int, default=1, help="torch threads (INFERENCE_THREADS)")
    parser.add_argument("--db-url", default=None, help="e.g. postgresql+asyncpg://... (wiped!)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
