"""Telegram HTML rendering: escaping user text and splitting long messages safely."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import datetime

from bot.storage import Article

MESSAGE_LIMIT = 4096  # Telegram's limit, in UTF-16 code units, after entity parsing

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


def format_date(moment: datetime) -> str:
    """A short UTC timestamp for article listings."""
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def article_html(article: Article, *, with_meta: bool = False) -> str:
    """One article as a paragraph: bold title, id, summary, and optionally date and source."""
    summary = article.summary.strip() or "(no summary)"
    lines = [f"<b>{esc(article.title)}</b> <i>#{article.id}</i>", esc(summary)]
    if with_meta:
        meta = f"Posted {format_date(article.created_at)}"
        if article.source_url:
            meta += f' · <a href="{html.escape(article.source_url, quote=True)}">source</a>'
        lines.append(meta)
    return "\n".join(lines)


def articles_html(header: str, articles: Iterable[Article]) -> str:
    """A header paragraph followed by one paragraph per article."""
    return "\n\n".join([header, *(article_html(a) for a in articles)])
