"""`python -m bench.mute [--summarizer extractive|lead]`: what muting a story hides, on the shared dev sets.

The digest's 🔇 button stores the story's own embedding. Matched at the topic threshold (a phrase's
meaning, TOPIC_MIN_SIMILARITY) it hides the story's neighbourhood; matched at the merge threshold
(MERGE_MIN_SIMILARITY, two reports of one event) it hides the story and its other reports. This prints,
for the 200 articles of ../shared/data (BBC news and CNN/Daily Mail, embedded as the bot embeds a stored
article: title, summary, body), how many other articles a mute of each would hide at each threshold, the
closest pairs, and the fixtures' same-event and different-event cosines for comparison.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import numpy as np

from bot.config import Settings
from bot.semantic.search import EMBED_TEXT_CHARS
from summarizer import load_summarizer
from summarizer.embedding import load_embedder
from tests.news_fixtures import DIFFERENT_EVENTS, SAME_EVENT

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
SETS = ("bbc_news_dev100.jsonl", "cnn_dailymail_dev100.jsonl")


def cpu() -> str:
    """The CPU model line of /proc/cpuinfo."""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


def main() -> None:
    """Embed the dev sets and the fixtures, print what a story mute hides at each threshold."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--summarizer", default="extractive", choices=("extractive", "lead"))
    args = parser.parse_args()
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    topic_min, merge_min = defaults.topic_min_similarity, defaults.merge_min_similarity
    print(f"CPU: {cpu()}; summarizer {args.summarizer}; thresholds topic {topic_min}, merge {merge_min}")
    summarizer = load_summarizer(args.summarizer)
    embedder = load_embedder(summarizer)
    rows = [json.loads(line) for name in SETS for line in (DATA / name).read_text().splitlines() if line]
    docs = [
        (r.get("topic", "cnn"), r.get("title") or r["article"].split(". ")[0][:120], r["article"])
        for r in rows
    ]
    fixtures = [item for group in SAME_EVENT for item in group] + DIFFERENT_EVENTS
    started = time.monotonic()
    texts = [(title, body) for _, title, body in docs] + fixtures
    summaries = summarizer.summarize_batch([body for _, body in texts])
    vectors = embedder.embed(
        [f"{t}. {s} {b[:EMBED_TEXT_CHARS]}" for (t, b), s in zip(texts, summaries, strict=True)]
    )
    print(f"{len(texts)} articles summarized and embedded in {time.monotonic() - started:.0f} s")
    dev = vectors[: len(docs)]
    sims = dev @ dev.T
    np.fill_diagonal(sims, -1.0)
    pairs = sims[np.triu_indices(len(docs), 1)]
    print(
        "dev-set pairs: cosine percentiles 50/90/99/99.9 =",
        [round(float(np.percentile(pairs, p)), 3) for p in (50, 90, 99, 99.9)],
    )
    for threshold in (topic_min, 0.4, 0.5, merge_min):
        hidden = (sims >= threshold).sum(axis=1)
        print(
            f"  mute at {threshold:.2f}: hides on average {hidden.mean():5.2f} other articles "
            f"(max {hidden.max()}); {int((hidden > 0).sum())} of {len(docs)} hide any"
        )
    order = np.argsort(-pairs)[:10]
    upper = np.triu_indices(len(docs), 1)
    print("closest dev-set pairs:")
    for k in order:
        i, j = upper[0][k], upper[1][k]
        print(f"  {pairs[k]:.3f}  [{docs[i][0]}] {docs[i][1][:55]}  |  [{docs[j][0]}] {docs[j][1][:55]}")
    fx = vectors[len(docs) :]
    sizes = [len(group) for group in SAME_EVENT]
    same, start = [], 0
    for size in sizes:
        same += [float(fx[a] @ fx[b]) for a, b in itertools.combinations(range(start, start + size), 2)]
        start += size
    label = [g for g, size in enumerate(sizes) for _ in range(size)] + [
        100 + i for i in range(len(DIFFERENT_EVENTS))
    ]
    different = [
        float(fx[a] @ fx[b]) for a, b in itertools.combinations(range(len(fx)), 2) if label[a] != label[b]
    ]
    print(
        f"fixtures: same event {min(same):.3f}-{max(same):.3f}, different events at most {max(different):.3f}"
    )
    cross = fx @ dev.T
    print(
        f"fixtures vs dev sets: at most {cross.max():.3f}; >= {merge_min}: {int((cross >= merge_min).sum())}"
    )


if __name__ == "__main__":
    main()
