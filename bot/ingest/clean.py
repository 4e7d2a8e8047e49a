"""Remove page furniture (share lines, credits, pleas, related-article blocks, bylines...) from article text.

Extractors such as trafilatura work on HTML structure; what editors paste or forward is already plain text
with the structure gone, so the junk is recognised line by line here. Every rule only ever fires on short
lines (story paragraphs are long), and kept paragraphs stay in their original order.
"""

from __future__ import annotations

import re
from typing import Final

import lxml.html
from lxml import etree

# A line with more words than this is always treated as story text, whatever it mentions.
_SHORT_WORDS: Final = 30
# Lines with at least this many words that end like a sentence end a "Related articles" block.
_STORY_WORDS: Final = 18

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?"

_JUNK_LINE: Final = re.compile(
    "|".join(
        [
            # image credits
            r"^(?:image|images|photo|photos|picture|illustration|graphic|video|credit|top image|header image)"
            r"\s*(?:by|:|credit|courtesy|source|via|©)",
            r"^\(?(?:photo|image|picture)(?: credit)?\s*:",
            r"\b(?:getty images|shutterstock|afp via getty|ap photo|reuters/[a-z]+)\b",
            r"^©",
            # social
            r"\bfollow (?:us|me)\b",
            r"\b(?:like|join|find) us on\b",
            r"^(?:share|tweet|pin it|email|print|whatsapp|copy link|facebook|twitter|linkedin|reddit)"
            r"(?: (?:this|on|via|article|story|page|link)\b.*)?$",
            r"\bclick to (?:share|print|email)\b",
            r"^(?:share this|like this|share|related)\s*:?$",
            # pleas
            r"\bdonat(?:e|ion|ions)\b",
            r"\bsupport (?:our|independent|quality) journalism\b",
            r"\bbecome a (?:member|patron|supporter|subscriber)\b",
            r"\bnewsletters?\b",
            r"^subscribe\b",
            r"\bsign up (?:for|to)\b",
            # comments
            r"^(?:leave|post|add|write) a (?:comment|reply)",
            r"^\d+\s+(?:comments?|replies|responses)$",
            r"^(?:comments?|replies|reply|responses)\s*(?:\(\d+\))?$",
            r"^(?:view|show|load|read) (?:all )?(?:\d+ )?comments\b",
            # cookies and site chrome
            r"\bcookies?\b",
            r"^(?:accept|accept all|reject all|manage (?:preferences|settings)|got it|ok)$",
            r"^(?:advertisement|sponsored|skip to (?:main )?content|menu|home|search|loading\.*)$",
            r"^(?:read more|continue reading|see also|read next|more from)\b",
            r"^(?:tags?|filed under|categories|category|posted in|topics?)\s*:",
            # bylines and datelines
            r"^(?:by|written by|words by|text by|reporting by|author:)\s+\S",
            r"^(?:posted|published|updated|last updated|first published)\b",
            rf"^(?:{_WEEKDAY},?\s*)?(?:\d{{1,2}}\s+{_MONTH}|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?),?\s+\d{{4}}\b.{{0,40}}$",
            r"^\d{4}-\d{2}-\d{2}(?:[ t]\d{2}:\d{2}(?::\d{2})?)?\b.{0,20}$",
            r"^\d{1,2}\s*(?:min(?:ute)?s?|hours?|h) (?:read|ago)$",
            # wire copy and press releases
            r"^\((?:reporting|writing|editing|additional reporting|compiled) by\b.*\)?$",
            r"^(?:for immediate release|press release|news release|embargoed\b.*)$",
            r"^[\w.+-]+@[\w-]+\.[\w.]+$|\s[\w.+-]+@[\w-]+\.[\w.]+$",
            r"^(?:media |press )?contacts?\s*:",
            r"^(?:source|sources)\s*:",
            r"^(?:e-?mail|phone|tel|mobile)\s*:",
        ]
    ),
    re.IGNORECASE,
)
_RELATED_HEADER: Final = re.compile(
    r"^(?:related(?: articles| stories| posts| news| reading| coverage| content)?"
    r"|more (?:stories|news|articles)"
    r"|you (?:may|might) also like|recommended(?: for you| reading)?|read next|trending(?: now)?"
    r"|most (?:read|popular|viewed)|popular (?:posts|stories)|latest (?:news|stories)|also in \w+"
    r"|#{3}|-30-|-?ends?-?)\s*:?$",
    re.IGNORECASE,
)
_WIRE_DATELINE: Final = re.compile(
    r"^[A-Z][A-Z .'’-]{1,40}(?:,\s*[A-Za-z .]{2,30}(?:\s\d{1,2})?)?\s*\([A-Za-z .&]{2,30}\)\s*[-—–]+\s+"
)
_BARE_DATELINE: Final = re.compile(r"^[A-Z][A-Z .'’-]{1,40}\s*[-—–]+\s+(?=[A-Z])")
_SENTENCE_END: Final = re.compile(r"[.!?…][\"'”’)]*$")
_HTML_HINT: Final = re.compile(
    r"<\s*(?:html|body|head|script|style|p|div|article|section|br|noscript|iframe|table|ul|li|h[1-6])\b",
    re.IGNORECASE,
)
_DROP_TAGS: Final = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "head")
_BLOCK_TAGS: Final = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "pre"}
    | {"article", "section", "header", "footer", "blockquote", "tr", "table"}
)


def looks_like_html(text: str) -> bool:
    """Whether pasted text is HTML markup (block tags, scripts or styles) rather than prose."""
    return _HTML_HINT.search(text) is not None


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment or page; scripts, styles and other active content are dropped unrun."""
    try:
        root = lxml.html.fromstring(markup)
    except (etree.ParserError, ValueError):
        return ""
    for element in list(root.iter(*_DROP_TAGS)):
        element.drop_tree()
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower() in _BLOCK_TAGS:
            element.tail = "\n\n" + (element.tail or "")
    return str(root.text_content())


def is_junk_line(line: str) -> bool:
    """Whether one (stripped) line is page furniture rather than story text."""
    if len(line.split()) > _SHORT_WORDS:
        return False
    return _JUNK_LINE.search(line) is not None


def _is_story_line(line: str) -> bool:
    """A long line ending like a sentence: what ends a related-articles block."""
    return len(line.split()) >= _STORY_WORDS and _SENTENCE_END.search(line) is not None


def _strip_dateline(line: str) -> str:
    """Drop a wire-copy dateline such as 'LONDON (Reuters) - ' from the start of a paragraph."""
    stripped = _WIRE_DATELINE.sub("", line, count=1)
    if stripped == line:
        stripped = _BARE_DATELINE.sub("", line, count=1)
    return stripped if stripped.strip() else line


def clean_text(text: str) -> str:
    """Story paragraphs of `text`, in order, separated by blank lines; HTML is reduced to its text first."""
    if looks_like_html(text):
        text = html_to_text(text)
    kept: list[str] = []
    in_related = False
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = " ".join(raw.replace("\u00a0", " ").split())
        if not line:
            continue
        if _RELATED_HEADER.match(line):
            in_related = True
            continue
        if in_related:
            if not _is_story_line(line):
                continue
            in_related = False
        if is_junk_line(line):
            continue
        kept.append(_strip_dateline(line))
    return "\n\n".join(kept)


__all__ = ["clean_text", "html_to_text", "is_junk_line", "looks_like_html"]
