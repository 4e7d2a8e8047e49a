"""Remove bylines, datelines and agency tags that news pages put before (or into) the story text.

Written by hand: no maintained library strips the byline/dateline furniture of pasted news text
(boilerplate removers such as trafilatura work on HTML pages, not on the plain text the bot receives).
"""

from __future__ import annotations

import re
from typing import Final

# "By . Associated Press . PUBLISHED: . 14:11 EST, 25 October 2013 . | . UPDATED: . 15:36 EST, ..."
_DATELINE: Final = re.compile(
    r"(?:\|\s*\.?\s*)?(?:PUBLISHED|UPDATED)\s*:?\s*\.?\s*"
    r"\d{1,2}:\d{2}(?:\s*[AP]M)?\s*(?:[A-Z]{2,4}\s*)?,?\s*\d{1,2}\s+[A-Z][a-z]+\s+\d{4}\s*\.?\s*\|?\s*\.?\s*",
)
# "By . Daily Mail Reporter . " / "By Jane Doe and John Roe . " at the very start.
_BYLINE: Final = re.compile(r"^\s*By\s*\.?\s+[^.\n]{1,60}?\s+\.\s+(?:and\s+[^.\n]{1,60}?\s+\.\s+)*")
# "Last updated at 1:25 AM on 3rd August 2011 . "
_LAST_UPDATED: Final = re.compile(
    r"^\s*Last updated at \d{1,2}:\d{2}\s*[AP]M on \d{1,2}(?:st|nd|rd|th)?\s+[A-Z][a-z]+\s+\d{4}\s*\.\s*"
)
# "(CNN) -- ", "LONDON, England (Reuters) -- ", "WASHINGTON (CNN) -- " at the start.
_AGENCY: Final = re.compile(
    r"^\s*(?:[A-Z][A-Za-z' ]{0,40}(?:,\s*[A-Z][A-Za-z' ]{0,40})?\s*)?"
    r"\((?:CNN|AP|Reuters|AFP)\)(?:\s*(?:--|—|-)\s*|(?=[A-Z]))"
)
# A leftover run of " . " separators at the start.
_LEADING_DOTS: Final = re.compile(r"^(?:\s*[.|]\s*)+")
_MAX_PASSES: Final = 4


def clean_article(text: str) -> str:
    """Return text without a leading byline, PUBLISHED/UPDATED datelines or an agency tag; else unchanged."""
    cleaned = _DATELINE.sub(" ", text)
    for _ in range(_MAX_PASSES):
        before = cleaned
        cleaned = _LEADING_DOTS.sub("", cleaned)
        cleaned = _BYLINE.sub("", cleaned, count=1)
        cleaned = _LAST_UPDATED.sub("", cleaned, count=1)
        cleaned = _AGENCY.sub("", cleaned, count=1)
        if cleaned == before:
            break
    return cleaned.strip()
