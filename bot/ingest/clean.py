"""Remove page furniture (share lines, credits, pleas, related-article blocks, bylines...) from article text.

Extractors such as trafilatura work on HTML structure; what editors paste or forward is already plain text
with the structure gone, so the junk is recognised line by line here. A line is furniture only when it has
furniture's *shape*, never because it holds a keyword: a button or counter that is (almost) the whole line,
a label whose value is a name, date or credit, or a short plea that is not a sentence. A line shaped like a
sentence is story text whatever words it holds, and URLs (a forward's hidden links are written out after
their anchors) are never read by the rules. Kept paragraphs stay in their original order; what was removed
is returned too, so the editor can be told.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from enum import Enum
from typing import Final

import lxml.html
from lxml import etree

# A plea or credit with more words than this is story text, whatever else it looks like.
MENTION_MAX_WORDS: Final = 30
# A label line ("Photo: ...", "By ...") with more words than this is story text.
LABEL_MAX_WORDS: Final = 20
# Words a button line may have after its trigger ("Share" + "on Facebook").
ALONE_MAX_TAIL: Final = 4
# Fewer words than this is never a sentence ("Donate!", "Share prices" are not).
SENTENCE_MIN_WORDS: Final = 4
# A line without a final full stop is a sentence only from this many words on (and not if it ends with "!").
UNPUNCTUATED_SENTENCE_WORDS: Final = 12
# A sentence with at least this many words ends a "Related articles" block.
STORY_WORDS: Final = 10


def _words(text: str) -> frozenset[str]:
    """A set of words written as one space-separated string."""
    return frozenset(text.split())


def _phrases(text: str) -> tuple[str, ...]:
    """Trigger phrases written as one string, separated by "|"."""
    return tuple(phrase.strip() for phrase in text.split("|"))


_NUMBER: Final = "<n>"  # in a trigger: any number ("<n> comments")
_CLOSERS: Final = "\"'”’»)]"
_OPENERS: Final = "\"'“‘«(["
_TRAILING: Final = " \t:.!…|•·"
_SENTENCE_END: Final = re.compile(r"[.?…][\"'”’»)\]]*$")
# Lower-case function words: a sentence has at least one; a Title Case headline or a name has none.
_FUNCTION_WORDS: Final = _words(
    "a an the of to in on at for with from by as into onto after before over under about than and but or "
    "nor so that which who whom whose while when where if because though although not no is are was were be "
    "been being has have had will would can could should may might must do does did said says told tells "
    "he she it they we you his her its their our your them him this these those there here"
)
# Words a button line may continue with ("Share this article", "Click to share (Opens in new window)").
_LINK_WORDS: Final = _words(
    "this on via to the a an article story page post link with in new window opens and or by friend friends "
    "your"
)
_URL: Final = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_EMPTY_PARENS: Final = re.compile(r"\(\s*\)")


class Shape(Enum):
    """Where a rule's trigger must sit, and what the rest of the line must look like, for furniture."""

    ALONE = "alone"  # the trigger is the line, plus at most a few link words: a button, counter, marker
    LABEL = "label"  # the line starts with the trigger and is not a sentence: a credit, byline, date, contact
    MENTION = "mention"  # the trigger anywhere in a short line that is not a sentence: a plea, a photo agency
    HEADER = "header"  # the trigger is the line and heads a block of links: "Related articles", "###"


@dataclass(frozen=True)
class Rule:
    """One kind of page furniture: its trigger phrases (or a pattern, with them as examples) and shape."""

    name: str
    shape: Shape
    triggers: tuple[str, ...]  # case-insensitive phrases; "<n>" stands for a number
    pattern: str | None = None  # a regex used instead of the triggers (dates, addresses); triggers = examples
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        source = self.pattern or "|".join(_phrase(t) for t in sorted(self.triggers, key=len, reverse=True))
        object.__setattr__(self, "regex", re.compile(f"(?:{source})", re.IGNORECASE))

    def fits(self, line: str, words: int) -> bool:
        """Whether `line` (URLs already removed; `words` long) is this furniture."""
        if self.shape is Shape.HEADER:
            return self.regex.fullmatch(line.rstrip(_TRAILING)) is not None
        if self.shape is Shape.ALONE:
            core = line.rstrip(_TRAILING)
            match = self.regex.match(core)
            return match is not None and _link_tail(core[match.end() :].split()) and not is_sentence(line)
        if self.shape is Shape.LABEL:
            found = words <= LABEL_MAX_WORDS and self.regex.match(line) is not None
        else:
            found = words <= MENTION_MAX_WORDS and self.regex.search(line) is not None
        return found and not is_sentence(line)


def _phrase(trigger: str) -> str:
    """A trigger phrase as a regex: whole words, any whitespace between them, "<n>" a number."""
    body = r"\d+".join(re.escape(part) for part in trigger.split(_NUMBER)).replace(r"\ ", r"\s+")
    start = r"(?<!\w)" if trigger[:1].isalnum() or trigger.startswith(_NUMBER) else ""
    end = r"(?!\w)" if trigger[-1:].isalnum() or trigger.endswith(_NUMBER) else ""
    return f"{start}{body}{end}"


def _labels(names: tuple[str, ...], separators: tuple[str, ...]) -> tuple[str, ...]:
    """Every label name followed by every separator ("photo" + ":" -> "photo:", "photo by")."""
    return tuple(f"{name}{separator}" for name in names for separator in separators)


_MONTH: Final = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY: Final = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?"
_DATE: Final = (
    rf"(?:{_WEEKDAY},?\s*)?(?:\d{{1,2}}\s+{_MONTH}|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?),?\s+\d{{4}}(?!\w)"
    r"|\d{4}-\d{2}-\d{2}(?:[ t]\d{2}:\d{2}(?::\d{2})?)?(?!\w)"
)

_CREDIT_NAMES: Final = _phrases(
    "image | images | photo | photos | picture | illustration | graphic | video | top image | header image"
    " | photograph"
)
_CREDIT_SEPARATORS: Final = (":", " by", " credit", " courtesy", " source", " via", " ©")

RULES: Final = (
    Rule(
        "share buttons",
        Shape.ALONE,
        _phrases(
            "share | share this | tweet | pin it | email | e-mail | print | whatsapp | copy link | facebook"
            " | twitter | linkedin | reddit | telegram | like this | click to share | click to print"
            " | click to email | opens in new window"
        ),
    ),
    Rule(
        "comment counters",
        Shape.ALONE,
        _phrases(
            "comments | comment | replies | reply | responses | comments (<n>) | <n> comments | <n> comment"
            " | <n> replies | <n> responses | leave a comment | leave a reply | post a comment"
            " | add a comment | write a comment | view comments | view all comments | view all <n> comments"
            " | show comments | load comments | read comments | join the conversation"
        ),
    ),
    Rule(
        "site chrome",
        Shape.ALONE,
        _phrases(
            "advertisement | advert | sponsored | sponsored content | skip to content | skip to main content"
            " | menu | home | search | loading | accept | accept all | reject all | got it | ok"
            " | manage preferences | manage settings | cookie settings | back to top"
        ),
    ),
    Rule(
        "reading time",
        Shape.ALONE,
        _phrases(
            "<n> min read | <n> mins read | <n> minute read | <n> minutes read | <n> min ago | <n> mins ago"
            " | <n> minutes ago | <n> hour ago | <n> hours ago | <n> h ago | <n> days ago"
        ),
    ),
    Rule("release markers", Shape.ALONE, _phrases("for immediate release | press release | news release")),
    Rule(
        "credits",
        Shape.LABEL,
        (
            *_labels(_CREDIT_NAMES, _CREDIT_SEPARATORS),
            *_phrases("credit: | credits: | (photo: | (photo credit: | (image: | © | copyright"),
        ),
    ),
    Rule(
        "bylines",
        Shape.LABEL,
        _phrases(
            "by | written by | words by | text by | reporting by | author: | authors: | (reporting by"
            " | (writing by | (editing by | (additional reporting by | (compiled by"
        ),
    ),
    Rule(
        "time stamps",
        Shape.LABEL,
        _phrases("posted | published | updated | last updated | first published | last modified"),
    ),
    Rule(
        "dates",
        Shape.LABEL,
        _phrases(
            "March 4, 2026 | 4 March 2026 | Wednesday, March 4, 2026 | Mar. 4th, 2026 | 2026-03-04"
            " | 2026-03-04 10:15"
        ),
        pattern=_DATE,
    ),
    Rule(
        "tags",
        Shape.LABEL,
        _phrases(
            "tags: | tag: | filed under | categories: | category: | posted in | topics: | topic: | keywords:"
        ),
    ),
    Rule(
        "contacts",
        Shape.LABEL,
        _phrases(
            "contact: | contacts: | media contact | media contacts | press contact | press contacts | source:"
            " | sources: | email: | e-mail: | phone: | tel: | mobile: | fax: | embargoed"
        ),
    ),
    Rule(
        "more links", Shape.LABEL, _phrases("read more | continue reading | see also | read next | more from")
    ),
    Rule(
        "pleas",
        Shape.MENTION,
        _phrases(
            "donate | donation | donations | support our journalism | support independent journalism"
            " | support quality journalism | support us | become a member | become a patron"
            " | become a supporter | become a subscriber | newsletter | newsletters | subscribe | sign up for"
            " | sign up to | follow us | follow me | like us on | join us on | find us on | cookie | cookies"
        ),
    ),
    Rule(
        "agency credits",
        Shape.MENTION,
        _phrases("getty images | afp via getty images | shutterstock | ap photo | reuters/ | epa-efe"),
    ),
    Rule(
        "e-mail addresses",
        Shape.MENTION,
        _phrases("press@harborwind.example | jane.doe+news@mail.example.org"),
        pattern=r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
    ),
    Rule(
        "related blocks",
        Shape.HEADER,
        _phrases(
            "related | related articles | related stories | related posts | related news | related reading"
            " | related coverage | related content | more stories | more news | more articles"
            " | you may also like | you might also like | recommended | recommended for you"
            " | recommended reading | read next | trending | trending now | most read | most popular"
            " | most viewed | popular posts | popular stories | latest news | latest stories | ### | -30-"
            " | -end- | end | ends | -ends-"
        ),
    ),
)


@dataclass(frozen=True)
class Cleaned:
    """The story text left after cleaning, and the lines that were removed (in their order)."""

    text: str
    removed: tuple[str, ...]


_WIRE_DATELINE: Final = re.compile(
    r"^[A-Z][A-Z .'’-]{1,40}(?:,\s*[A-Za-z .]{2,30}(?:\s\d{1,2})?)?\s*\([A-Za-z .&]{2,30}\)\s*[-—–]+\s+"
)
_BARE_DATELINE: Final = re.compile(r"^[A-Z][A-Z .'’-]{1,40}\s*[-—–]+\s+(?=[A-Z])")
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


def _bare(word: str) -> str:
    """A word without the punctuation around it."""
    return word.strip(string.punctuation + _OPENERS + _CLOSERS + "…—–")


def is_sentence(line: str) -> bool:
    """Whether a line is shaped like prose: enough words, lower-case function words, and a sentence's end.

    Headlines in Title Case, names, credits, dates and shouted pleas ("Donate!") are not sentences.
    """
    words = line.split()
    if len(words) < SENTENCE_MIN_WORDS:
        return False
    if _SENTENCE_END.search(line) is None and (
        len(words) < UNPUNCTUATED_SENTENCE_WORDS or line.rstrip(_CLOSERS).endswith("!")
    ):
        return False
    rest = [_bare(word) for word in words[1:]]
    lower = sum(1 for word in rest if word[:1].islower())
    upper = sum(1 for word in rest if word[:1].isupper())
    function = sum(1 for word in map(_bare, words) if word in _FUNCTION_WORDS)  # as written: lower case
    return function > 0 and 2 * lower >= upper


def _link_tail(words: list[str]) -> bool:
    """Whether what follows a button's trigger is only link words or names ("on Facebook", "this article")."""
    return len(words) <= ALONE_MAX_TAIL and all(
        not _bare(word)[:1].islower() or _bare(word).lower() in _LINK_WORDS for word in words
    )


def without_urls(line: str) -> str:
    """The line with its URLs taken out: what the rules judge (a link's address is not the line's words)."""
    if "://" not in line and "www." not in line.lower():
        return line
    return " ".join(_EMPTY_PARENS.sub(" ", _URL.sub(" ", line)).split())


def furniture_rule(line: str) -> Rule | None:
    """The rule that makes one (stripped) line page furniture, or None for story text."""
    judged = without_urls(line)
    words = len(judged.split())
    if not words:
        return None
    return next((rule for rule in RULES if rule.fits(judged, words)), None)


def is_junk_line(line: str) -> bool:
    """Whether one (stripped) line is page furniture rather than story text."""
    return furniture_rule(line) is not None


def _is_story_line(line: str) -> bool:
    """A sentence of some length: what ends a related-articles block."""
    judged = without_urls(line)
    return len(judged.split()) >= STORY_WORDS and is_sentence(judged)


def _strip_dateline(line: str) -> str:
    """Drop a wire-copy dateline such as 'LONDON (Reuters) - ' from the start of a paragraph."""
    stripped = _WIRE_DATELINE.sub("", line, count=1)
    if stripped == line:
        stripped = _BARE_DATELINE.sub("", line, count=1)
    return stripped if stripped.strip() else line


def clean(text: str) -> Cleaned:
    """Story paragraphs of `text`, in order, separated by blank lines, and the lines removed as furniture."""
    if looks_like_html(text):
        text = html_to_text(text)
    kept: list[str] = []
    removed: list[str] = []
    in_related = False
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = " ".join(raw.replace("\u00a0", " ").split())
        if not line:
            continue
        rule = furniture_rule(line)
        if rule is not None and rule.shape is Shape.HEADER:
            in_related = True
        elif in_related and _is_story_line(line):
            in_related = False
        if rule is not None or in_related:
            removed.append(line)
            continue
        kept.append(_strip_dateline(line))
    return Cleaned("\n\n".join(kept), tuple(removed))


def clean_text(text: str) -> str:
    """Story paragraphs of `text`, in order, separated by blank lines; HTML is reduced to its text first."""
    return clean(text).text


__all__ = [
    "RULES",
    "Cleaned",
    "Rule",
    "Shape",
    "clean",
    "clean_text",
    "furniture_rule",
    "html_to_text",
    "is_junk_line",
    "is_sentence",
    "looks_like_html",
    "without_urls",
]
