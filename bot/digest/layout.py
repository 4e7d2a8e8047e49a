"""What a digest says, as pure functions: mute, merge same-event stories, followed first, then the
compact pages (numbered headlines; the items each page's buttons are for) or the full pages."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Final

import numpy as np

from bot.formatting import MESSAGE_LIMIT, NO_SUMMARY, Reader, esc, source_html, split_message, visible_len
from bot.i18n.translator import Translator, source_translator
from bot.semantic.topics import Vector, judge
from bot.storage.types import Article, Layout, Topic

COMPACT_ITEMS_PER_MESSAGE: Final = 8
# Room left in each compact message so that expanding one or two summaries still fits in 4096.
COMPACT_CHARS_PER_MESSAGE: Final = 2500


@dataclass(frozen=True)
class Story:
    """One event: the article with the best summary, the others about it, and whether it is followed."""

    lead: Article
    also: tuple[Article, ...]
    follow_score: float = 0.0


@dataclass(frozen=True)
class Page:
    """One message of a digest: Telegram HTML, and (number, article id) of each item it has buttons for."""

    html: str
    items: tuple[tuple[int, int], ...] = ()
    preview_url: str | None = None  # shown as a large link preview (the compact digest's top story)
    # (number, article id) of each story written out on a full-layout page (a channel's 👍 links)
    stories: tuple[tuple[int, int], ...] = ()


def merge_stories(articles: list[Article], vectors: dict[int, Vector], min_similarity: float) -> list[Story]:
    """Group articles whose embeddings are >= min_similarity apart (single link), in first-seen order."""
    parent = list(range(len(articles)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(articles):
        for j in range(i + 1, len(articles)):
            va, vb = vectors.get(a.id), vectors.get(articles[j].id)
            if va is not None and vb is not None and float(va @ vb) >= min_similarity:
                parent[root(j)] = root(i)
    groups: dict[int, list[Article]] = {}
    for i, article in enumerate(articles):
        groups.setdefault(root(i), []).append(article)
    return [_story(members, vectors) for members in groups.values()]


def _story(members: list[Article], vectors: dict[int, Vector]) -> Story:
    """Pick the lead: the most central member (highest mean similarity), then the longest summary."""
    if len(members) == 1:
        return Story(members[0], ())

    def centrality(article: Article) -> float:
        own = vectors[article.id]
        return float(np.mean([own @ vectors[other.id] for other in members if other is not article]))

    lead = max(members, key=lambda a: (round(centrality(a), 3), len(a.summary)))
    return Story(lead, tuple(a for a in members if a is not lead))


def arrange(
    articles: list[Article],
    vectors: dict[int, Vector],
    topics: list[tuple[Topic, Vector | None]],
    *,
    topic_min_similarity: float,
    merge_min_similarity: float,
) -> list[Story]:
    """Drop muted articles, merge the rest into stories, put followed stories first (best match first)."""
    kept: list[Article] = []
    scores: dict[int, float] = {}
    for article in articles:
        verdict = judge(
            article,
            vectors.get(article.id),
            topics,
            topic_min_similarity,
            story_min_similarity=merge_min_similarity,
        )
        if not verdict.muted:
            kept.append(article)
            scores[article.id] = verdict.follow_score
    stories = [
        Story(s.lead, s.also, max(scores[a.id] for a in (s.lead, *s.also)))
        for s in merge_stories(kept, vectors, merge_min_similarity)
    ]
    followed = sorted((s for s in stories if s.follow_score > 0), key=lambda s: -s.follow_score)
    return followed + [s for s in stories if s.follow_score <= 0]


def _t(reader: Reader | None) -> Translator:
    """The reader's language (the source language when there is no reader)."""
    return reader.t if reader is not None else source_translator()


def _also(story: Story, t: Translator) -> str:
    """The "also:" line listing the other articles about the same event (each linked by its source)."""
    items = [f"{esc(a.title)} ({source_html(a, None, t)})" for a in story.also]
    return t("also: {stories}", stories="; ".join(items))


def headline(number: int, story: Story, reader: Reader | None = None) -> str:
    """A compact item: number, star when followed, bold title, "Source · 3 h ago"; "also:" below."""
    star = "⭐ " if story.follow_score > 0 else ""
    line = f"{number}. {star}<b>{esc(story.lead.title)}</b> · {source_html(story.lead, reader, _t(reader))}"
    return f"{line}\n{_also(story, _t(reader))}" if story.also else line


def summary_line(article: Article, t: Translator | None = None) -> str:
    """The expanded summary of an item (italic, so it can be found and collapsed again)."""
    return f"<i>{esc(article.summary.strip() or (t or source_translator())(NO_SUMMARY))}</i>"


def header(day: date, stories: list[Story], t: Translator | None = None) -> str:
    """The digest's first paragraph: "📰 Your digest for Saturday, 28 November 2026 — 2 stories"."""
    t = t or source_translator()
    count = t.plural("{count} story", "{count} stories", len(stories))
    return t("📰 <b>Your digest for {day}</b> — {count}", day=t.day(day), count=count)


def compact_pages(day: date, stories: list[Story], reader: Reader | None = None) -> list[Page]:
    """Numbered headlines, a few per message so every message stays short (and an item can expand);
    the first message previews its top story's page."""
    pages: list[Page] = []
    blocks: list[str] = [header(day, stories, _t(reader))]
    items: list[tuple[int, int]] = []
    for number, story in enumerate(stories, start=1):
        block = headline(number, story, reader)
        too_long = visible_len("\n\n".join([*blocks, block])) > COMPACT_CHARS_PER_MESSAGE
        if items and (len(items) == COMPACT_ITEMS_PER_MESSAGE or too_long):
            pages.append(Page("\n\n".join(blocks), tuple(items)))
            blocks, items = [], []
        blocks.append(block)
        items.append((number, story.lead.id))
    if items:
        pages.append(Page("\n\n".join(blocks), tuple(items)))
    top = stories[0].lead.source_url if stories else None
    return [replace(pages[0], preview_url=top), *pages[1:]] if pages and top else pages


def full_pages(day: date, stories: list[Story], reader: Reader | None = None) -> list[Page]:
    """Every story with its summary, split between stories under Telegram's limit."""
    t = _t(reader)
    blocks = [header(day, stories, t)]
    for number, story in enumerate(stories, start=1):
        star = "⭐ " if story.follow_score > 0 else ""
        lines = [f"{number}. {star}<b>{esc(story.lead.title)}</b> · {source_html(story.lead, reader, t)}"]
        lines.append(esc(story.lead.summary.strip() or t(NO_SUMMARY)))
        if story.also:
            lines.append(_also(story, t))
        blocks.append("\n".join(lines))
    pages: list[Page] = []
    numbered = list(enumerate(stories, start=1))
    for part in split_message("\n\n".join(blocks), MESSAGE_LIMIT):
        text = f"\n\n{part}"  # a story's block starts "N. <b>" or "N. ⭐ <b>": never escaped text
        on_page = tuple(
            (n, s.lead.id) for n, s in numbered if f"\n\n{n}. <b>" in text or f"\n\n{n}. ⭐ <b>" in text
        )
        pages.append(Page(part, stories=on_page))
    return pages


def lay_out(
    articles: list[Article],
    vectors: dict[int, Vector],
    topics: list[tuple[Topic, Vector | None]],
    *,
    day: date,
    layout: Layout,
    topic_min_similarity: float,
    merge_min_similarity: float,
    reader: Reader | None = None,
) -> list[Page]:
    """The whole digest for one chat; [] when nothing is left after muting."""
    stories = arrange(
        articles,
        vectors,
        topics,
        topic_min_similarity=topic_min_similarity,
        merge_min_similarity=merge_min_similarity,
    )
    if not stories:
        return []
    if layout == Layout.FULL:
        return full_pages(day, stories, reader)
    return compact_pages(day, stories, reader)


def toggle_item(message_html: str, number: int, summary_html: str) -> str | None:
    """Expand (or collapse) item `number` of a compact digest message; None if it isn't there."""
    blocks = message_html.split("\n\n")
    for index, block in enumerate(blocks):
        if not block.startswith(f"{number}. "):
            continue
        lines = block.split("\n")
        if any(line.startswith("<i>") for line in lines):
            lines = [line for line in lines if not line.startswith("<i>")]
        else:
            lines.insert(1, summary_html)
        blocks[index] = "\n".join(lines)
        return "\n\n".join(blocks)
    return None
