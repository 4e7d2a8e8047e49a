"""Content hashing used for duplicate-article detection."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_WORD_RE = re.compile(r"[^\W_]+")


def normalize_text(text: str) -> str:
    """Return text NFKC-normalized, casefolded, punctuation-free, with single spaces between words."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_WORD_RE.findall(folded))


def content_hash(title: str, body: str) -> str:
    """Return the sha256 hex digest of the normalized body (the title is deliberately ignored)."""
    del title  # a re-titled repost of the same body is still a duplicate
    key = normalize_text(body)
    if not key:  # body of only symbols/emoji: fall back to whitespace-collapsed casefolded text
        key = " ".join(unicodedata.normalize("NFKC", body).casefold().split())
    return hashlib.sha256(key.encode("utf-8")).hexdigest()
