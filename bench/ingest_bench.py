"""Ingest figures: cleaning accuracy and speed on the fixtures, extraction and fetch time on local pages.

Run from the repository root: `python -m bench.ingest_bench`.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

from bot.ingest.clean import clean_text
from bot.ingest.errors import FetchError
from bot.ingest.extract import extract_article
from bot.ingest.fetch import Fetcher, FetchLimits
from bot.storage.hashing import content_hash
from tests.site import PAGES, Site
from tests.test_ingest_clean import SAMPLE_JUNK, paragraphs

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT.parent / "shared" / "data" / "sample_article_with_boilerplate.txt"
FIXTURES = ROOT / "tests" / "data" / "clean"


def timed(fn: object, *args: object, repeat: int = 200) -> float:
    """Median milliseconds per call."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args)  # type: ignore[operator]
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def cleaning() -> None:
    """Story paragraphs kept and junk lines removed, per fixture."""
    print("cleaning: fixture, story kept, junk removed, chars, ms/clean")
    cases = []
    if SAMPLE.exists():
        raw = SAMPLE.read_text()
        cases.append(("sample", raw, [p for p in paragraphs(raw) if p not in SAMPLE_JUNK]))
    for name in ["wire", "blog", "press_release"]:
        raw = (FIXTURES / f"{name}.txt").read_text()
        cases.append((name, raw, paragraphs((FIXTURES / f"{name}.expected.txt").read_text())))
    for name, raw, story in cases:
        cleaned = paragraphs(clean_text(raw))
        kept = sum(1 for p in story if p in cleaned)
        junk = [p for p in paragraphs(raw) if p not in story and not p.endswith(tuple(story))]
        removed = sum(1 for p in junk if p not in cleaned)
        ms = timed(clean_text, raw)
        print(f"  {name:14} {kept}/{len(story)}  {removed}/{len(junk)}  {len(raw):6}  {ms:.2f}")
    if SAMPLE.exists():
        raw = SAMPLE.read_text()
        story = "\n".join(p for p in paragraphs(raw) if p not in SAMPLE_JUNK)
        same = content_hash("", clean_text(raw)) == content_hash("", clean_text("Share this:\n" + story))
        print(f"  sample re-pasted with other junk has the same content hash: {same}")


async def fetching() -> None:
    """Fetch + extract time for the local test pages (loopback, so this is the bot's own overhead)."""
    print("fetch + extract (local server): page, fetch ms, extract ms")
    async with Site() as site:
        fetcher = Fetcher(FetchLimits(allow_private=True))
        for page in ["/article.html", "/teaser-full.html", "/scripted.html", "/cp1251.html"]:
            fetch_ms, extract_ms = [], []
            for _ in range(20):
                start = time.perf_counter()
                result = await fetcher.fetch(site.url(page))
                fetch_ms.append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                extract_article(result.text, result.url, result.content_type)
                extract_ms.append((time.perf_counter() - start) * 1000)
            print(f"  {page:18} {statistics.median(fetch_ms):6.2f} {statistics.median(extract_ms):6.2f}")
        start = time.perf_counter()
        try:
            await fetcher.fetch(site.url("/huge"))
        except FetchError as exc:
            print(f"  20 MB page refused after {(time.perf_counter() - start) * 1000:.0f} ms: {exc}")
        await fetcher.close()
    print(f"  (html fixtures: {', '.join(p.name for p in sorted(PAGES.glob('*.html')))})")


def main() -> None:
    """Print every figure."""
    cleaning()
    asyncio.run(fetching())


if __name__ == "__main__":
    main()
