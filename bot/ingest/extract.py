"""Title, main text and date of a fetched page, with trafilatura (blocking: call it in a worker thread)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import trafilatura

from bot.ingest.clean import html_to_text

DATE_FORMAT: Final = "%Y-%m-%dT%H:%M:%S%z"


@dataclass(frozen=True)
class Extracted:
    """What a page holds worth keeping."""

    title: str
    text: str
    date: str | None
    sitename: str | None = None
    image: str | None = None  # og:image (or the first image trafilatura finds), never fetched


def extract_article(content: str, url: str, content_type: str) -> Extracted:
    """Extract the article from an HTML page (or take a plain-text page as title + body)."""
    if content_type == "text/plain":
        head, _, tail = content.strip().partition("\n")
        return Extracted(head.strip(), tail.strip() or head.strip(), None)
    document = trafilatura.bare_extraction(
        content,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        favor_precision=True,
        # the time of day too, when the page gives one (htmldate's default is the date only)
        date_extraction_params={"original_date": True, "outputformat": DATE_FORMAT},
    )
    if document is None:
        return Extracted("", "", None)
    text = str(getattr(document, "text", "") or "")
    title = str(getattr(document, "title", "") or "")
    date = getattr(document, "date", None)
    if not text.strip():  # trafilatura found no main block: fall back to all visible text
        text = html_to_text(content)
    head, _, rest = text.strip().partition("\n")
    if rest.strip() and " ".join(head.split()) == " ".join(title.split()):  # the headline, repeated
        text = rest
    sitename = getattr(document, "sitename", None)
    image = getattr(document, "image", None)
    return Extracted(
        title.strip(),
        text.strip(),
        str(date) if date else None,
        str(sitename) if sitename else None,
        str(image) if image else None,
    )
