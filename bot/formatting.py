"""Telegram HTML rendering: escaping user text and splitting long messages safely."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from bot.i18n.translator import N_, Translator, source_translator
from bot.storage import Article

MESSAGE_LIMIT = 4096  # Telegram's limit, in UTF-16 code units, after entity parsing
REMOVED_LINES_SHOWN: Final = 15  # furniture lines listed under a posted article
REMOVED_LINE_CHARS: Final = 150

# Hand-written on purpose: no library splits *Telegram* HTML by visible UTF-16 length while keeping
# every chunk's tags balanced (telegramify/sulguk render Markdown, not pre-escaped HTML).
_TOKEN = re.compile(r"<[^>]*>|&#?\w+;|[^<&]+|[<&]")
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z-]+)")
# C0 and C1 control characters except tab and line breaks, and lone surrogates (no UTF-8 for them).
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def printable(text: str) -> str:
    """User text without control characters (NUL, escape...) or lone surrogates; tabs and newlines stay.

    No text column can hold a NUL on PostgreSQL, and nothing a reader sees is lost.
    """
    return _UNPRINTABLE.sub("", text)


def esc(text: str) -> str:
    """Escape user or article text for parse_mode=HTML."""
    return html.escape(text, quote=False)


def utf16_len(text: str) -> int:
    """Length of `text` in UTF-16 code units, as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


def visible_len(html_text: str) -> int:
    """UTF-16 length of what Telegram displays for `html_text` (tags removed, entities decoded)."""
    total = 0
    for token in _TOKEN.findall(html_text):
        if token.startswith("<") and len(token) > 1:
            continue
        total += utf16_len(html.unescape(token)) if token.startswith("&") else utf16_len(token)
    return total


def _cut_utf16(text: str, units: int) -> int:
    """Index in `text` that holds at most `units` UTF-16 code units (never splits a surrogate pair)."""
    count = 0
    for index, char in enumerate(text):
        count += 2 if ord(char) > 0xFFFF else 1
        if count > units:
            return max(index, 1)
    return len(text)


def _split_block(block: str, limit: int) -> list[str]:
    """Split one oversized paragraph at whitespace, closing and reopening open tags at each cut."""
    chunks: list[str] = []
    current, size = "", 0
    stack: list[tuple[str, str]] = []  # (name, opening tag)

    def flush() -> None:
        nonlocal current, size
        closing = "".join(f"</{name}>" for name, _ in reversed(stack))
        if size:
            chunks.append(current + closing)
        current, size = "".join(tag for _, tag in stack), 0

    for token in _TOKEN.findall(block):
        if token.startswith("<") and len(token) > 1:
            match = _TAG_NAME.match(token)
            name = match.group(1).lower() if match else ""
            if token.startswith("</"):
                if stack and stack[-1][0] == name:
                    stack.pop()
            elif not token.endswith("/>"):
                stack.append((name, token))
            current += token
            continue
        pieces = [token] if token.startswith("&") else re.findall(r"\s+|\S+", token)
        for piece in pieces:
            width = utf16_len(html.unescape(piece)) if piece.startswith("&") else utf16_len(piece)
            while size + width > limit:
                if size and (piece.isspace() or width <= limit):
                    flush()
                    if piece.isspace():
                        piece, width = "", 0
                    continue
                # A single word longer than a whole message: cut it (entities are 1 unit, never cut).
                cut = _cut_utf16(piece, limit - size)
                current += piece[:cut]
                size += utf16_len(piece[:cut])
                piece = piece[cut:]
                width = utf16_len(piece)
                flush()
            current += piece
            size += width
    flush()
    return [c for c in chunks if visible_len(c) > 0]


def split_message(html_text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split Telegram HTML into chunks of at most `limit` visible units, between paragraphs if possible."""
    paragraphs = [p for p in html_text.split("\n\n") if p.strip()]
    chunks: list[str] = []
    current = ""
    for paragraph in paragraphs:
        candidate = f"{current}\n\n{paragraph}" if current else paragraph
        if visible_len(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current)
            current = ""
        if visible_len(paragraph) <= limit:
            current = paragraph
        else:
            pieces = _split_block(paragraph, limit)
            chunks.extend(pieces[:-1])
            current = pieces[-1] if pieces else ""
    if current:
        chunks.append(current)
    return chunks


def safe_href(url: str | None) -> str | None:
    """The URL if it may be a link: http(s) with a host and nothing that could break out of the attribute.

    Every href the bot renders goes through this, so a `javascript:` (or any other scheme) stored by older
    code or another path is shown without a link rather than sent as one.
    """
    if not url or any(ch.isspace() or ord(ch) < 0x20 or ch in '<>"' for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.hostname else None


NO_SUMMARY: Final = N_("(no summary)")
SOURCE: Final = N_("source")  # the link to an article's page when its source has no name


def source_link(url: str | None, label: str = "source") -> str | None:
    """`<a href>` to an article's source, or None when it has no http(s) source."""
    href = safe_href(url)
    return None if href is None else f'<a href="{html.escape(href, quote=True)}">{esc(label)}</a>'


def removed_html(lines: tuple[str, ...], t: Translator | None = None) -> str:
    """The note under a posted article: the number of furniture lines removed, and them, collapsed."""
    t = t or source_translator()
    shown = [
        esc(line if len(line) <= REMOVED_LINE_CHARS else line[: REMOVED_LINE_CHARS - 1] + "…")
        for line in lines[:REMOVED_LINES_SHOWN]
    ]
    if len(lines) > REMOVED_LINES_SHOWN:
        more = len(lines) - REMOVED_LINES_SHOWN
        shown.append(t.plural("… and {count} more", "… and {count} more", more))
    note = t.plural(
        "Removed {count} line of page furniture (tap to see):",
        "Removed {count} lines of page furniture (tap to see):",
        len(lines),
    )
    quoted = "\n".join(shown)
    return f"{note}\n<blockquote expandable>{quoted}</blockquote>"


@dataclass(frozen=True)
class Reader:
    """Who reads, when and where: relative times are counted from `now`, dates shown in `zone`, words
    and formats in the reader's language `t`."""

    now: datetime
    zone: str = "UTC"
    t: Translator = field(default_factory=source_translator)

    def local(self, moment: datetime) -> datetime:
        """`moment` in the reader's zone."""
        return moment.astimezone(ZoneInfo(self.zone))

    def ago(self, moment: datetime) -> str:
        """ "just now", "12 min ago", "3 hr ago" (in the reader's language); older than a day: the
        reader's local date ("28 Nov", with the year if it is not this year's)."""
        age = self.now - moment
        if age < timedelta(days=1):
            return self.t.ago(age)
        local = self.local(moment)
        return self.t.short_date(local, with_year=local.year != self.local(self.now).year)

    def stamp(self, moment: datetime) -> str:
        """A full local date and time with the zone's abbreviation."""
        return self.t.stamp(self.local(moment))


def source_name(article: Article) -> str:
    """Who published the article: its stored source name, else its link's host (articles before 0007)."""
    if article.source_name:
        return article.source_name
    host = urlsplit(article.source_url).hostname if article.source_url else None
    return (host or "").removeprefix("www.")


def source_html(article: Article, reader: Reader | None, t: Translator | None = None) -> str:
    """ "<a>Reuters</a> · 3 h ago": the source name linked to the article's page, and how long ago (a
    source without a name is linked as "source" in the reader's language: `reader`'s, else `t`)."""
    t = reader.t if reader is not None else (t or source_translator())
    label = source_name(article) or t(SOURCE)
    link = source_link(article.source_url, label)  # http(s) only: a stored javascript: is never a link
    if link is not None:
        name = link
    elif source_name(article):
        name = esc(label)
    else:
        name = f"#{article.id}"
    return f"{name} · {reader.ago(article.published)}" if reader is not None else name


def article_html(article: Article, *, with_meta: bool = False, reader: Reader | None = None) -> str:
    """One article as a paragraph: bold title, id, "Source · 3 h ago", summary; or, with_meta, the summary
    followed by its dates and linked source (/summary). Without a reader: no age, the source language."""
    clock = reader or Reader(article.created_at)
    t = clock.t
    summary = article.summary.strip() or t(NO_SUMMARY)
    head = f"<b>{esc(article.title)}</b> <i>#{article.id}</i>"
    if not with_meta:
        source = f"\n{source_html(article, reader)}" if reader is not None else ""
        return f"{head}{source}\n{esc(summary)}"
    if article.published == article.created_at:
        meta = t("Posted {posted}", posted=clock.stamp(article.created_at))
    else:
        meta = t(
            "Published {published} · posted {posted}",
            published=clock.stamp(article.published),
            posted=clock.stamp(article.created_at),
        )
    return f"{head}\n{esc(summary)}\n{meta} · {source_html(article, None, t)}"


def articles_html(header: str, articles: Iterable[Article], reader: Reader | None = None) -> str:
    """A header paragraph followed by one paragraph per article."""
    return "\n\n".join([header, *(article_html(a, reader=reader) for a in articles)])
