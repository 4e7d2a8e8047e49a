"""OPML 2.0 feed lists: written for /exportopml, read for /importopml (defusedxml: no entities or DTDs)."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # only to build the export; input is parsed with defusedxml
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from typing import Final

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from bot.i18n.translator import N_, ExplainedError
from bot.storage import Feed

MAX_OPML_BYTES: Final = 1024 * 1024  # checked on the document's file_size before it is downloaded
MAX_OPML_FEEDS: Final = 200


class OpmlError(ExplainedError):
    """A file that is not a usable OPML feed list; `reason(t)` is the reason shown to the editor."""


@dataclass(frozen=True)
class Outline:
    """One feed listed in an OPML file."""

    url: str
    title: str


@dataclass(frozen=True)
class FeedList:
    """The feeds of an OPML file (at most MAX_OPML_FEEDS) and how many it listed in all."""

    outlines: tuple[Outline, ...]
    listed: int


def render_opml(feeds: Iterable[Feed], *, title: str, now: datetime) -> bytes:
    """An OPML 2.0 document with one rss outline per feed."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(now)
    body = ET.SubElement(root, "body")
    for feed in feeds:
        ET.SubElement(body, "outline", type="rss", text=feed.title, title=feed.title, xmlUrl=feed.url)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def parse_opml(data: bytes) -> FeedList:
    """The feeds (outlines with an xmlUrl, nested ones too, first MAX_OPML_FEEDS) of an OPML document."""
    if len(data) > MAX_OPML_BYTES:
        raise OpmlError(N_("That file is larger than {size} KB."), size=MAX_OPML_BYTES // 1024)
    try:
        root = fromstring(data)
    except (ET.ParseError, DefusedXmlException) as exc:
        raise OpmlError(N_("That file is not valid XML ({problem})."), problem=str(exc)) from exc
    if root.tag != "opml" or root.find("body") is None:
        raise OpmlError(N_("That file is XML but not OPML (no <opml><body>)."))
    seen: dict[str, Outline] = {}
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or "").strip()
        if url and url not in seen:
            seen[url] = Outline(url, (outline.get("title") or outline.get("text") or "").strip())
    if not seen:
        raise OpmlError(N_("That OPML file lists no feeds (no outline with an xmlUrl)."))
    return FeedList(tuple(seen.values())[:MAX_OPML_FEEDS], len(seen))
