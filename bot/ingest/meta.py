"""An article's metadata from pages and feeds: its date, lead image URL and language."""

from __future__ import annotations

import calendar
import time
from datetime import UTC, datetime
from typing import Final
from urllib.parse import urlsplit

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from bot.storage.models import SOURCE_NAME_MAX_LENGTH, SOURCE_URL_MAX_LENGTH

LANGUAGE_SAMPLE: Final = 2000  # characters the language is detected from (py3langid is linear in them)
MIN_LETTERS: Final = 20  # fewer letters than this: no language is guessed
EARLIEST: Final = datetime(1990, 1, 1, tzinfo=UTC)  # older "dates" on a news page are noise


def http_url(value: object) -> str | None:
    """`value` if it is an absolute http(s) URL that fits the column, else None (never fetched)."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    ok = parts.scheme in ("http", "https") and bool(parts.hostname) and not any(c.isspace() for c in url)
    return url if ok and len(url) <= SOURCE_URL_MAX_LENGTH else None


def parse_date(value: object) -> datetime | None:
    """An aware UTC datetime from a page's ISO 8601 date (naive means UTC); None when it isn't one."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment if moment >= EARLIEST else None


def struct_date(value: object) -> datetime | None:
    """An aware UTC datetime from feedparser's *_parsed struct_time (always UTC)."""
    if not isinstance(value, time.struct_time):
        return None
    moment = datetime.fromtimestamp(calendar.timegm(value), UTC)
    return moment if moment >= EARLIEST else None


def source_name(value: object) -> str | None:
    """A one-line source name that fits the column, or None."""
    if not isinstance(value, str):
        return None
    name = " ".join(value.split())
    return name[:SOURCE_NAME_MAX_LENGTH] or None


class LanguageDetector:
    """Detects an article's language with py3langid (offline; its model loads here, in about 2 s, so
    build it once at start-up, in a thread). `detect` is fast (a few ms) and thread-safe (read-only)."""

    def __init__(self) -> None:
        """Load the model that ships in the py3langid wheel."""
        self._identifier = LanguageIdentifier.from_model_file(MODEL_FILE)

    def detect(self, text: str) -> str | None:
        """The ISO 639-1 code of the text's language, or None for too little text to tell."""
        sample = text[:LANGUAGE_SAMPLE]
        if sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
            return None
        code, _score = self._identifier.classify(sample)
        return str(code) or None
