"""Telegram-style parsing and validation of parse_mode="HTML" text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

# A hand-written scanner rather than html.parser: the stdlib parser silently accepts unknown tags, bare
# "<" and "&", unknown named entities and misnested or unclosed tags, while Telegram rejects them with
# "can't parse entities". This follows Telegram's own (tdlib) parser, except that it is stricter about
# "&": here any "&" that does not start &lt; &gt; &amp; &quot; or a valid numeric entity is an error.

_ENTITY_TYPES: Final = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "tg-emoji": "custom_emoji",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_NAMED: Final = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class HtmlParseError(ValueError):
    """Raised with Telegram's reason text when HTML cannot be parsed."""


@dataclass
class _Open:
    """A start tag waiting for its end tag."""

    tag: str
    offset: int
    attrs: dict[str, str] = field(default_factory=dict)


def utf16_len(text: str) -> int:
    """Length of text in UTF-16 code units, as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    """UTF-8 byte offset of a character index (Telegram reports byte offsets)."""
    return len(text[:index].encode("utf-8"))


def _decode_entity(text: str, i: int) -> tuple[str, int]:
    """Decode the character entity starting at text[i] == "&"; return (char, next index)."""
    j = i + 1
    if text.startswith("#", j):
        j += 1
        hexa = text.startswith(("x", "X"), j)
        j += hexa
        start = j
        digits = "0123456789abcdefABCDEF" if hexa else "0123456789"
        while j < len(text) and text[j] in digits:
            j += 1
        code = int(text[start:j], 16 if hexa else 10) if j > start else 0
        valid = 0 < code < 0x10FFFF and not 0xD800 <= code <= 0xDFFF
        char = chr(code) if valid else ""
    else:
        while j < len(text) and text[j].isascii() and text[j].isalpha():
            j += 1
        char = _NAMED.get(text[i + 1 : j], "")
    end = j + 1 if text.startswith(";", j) else j
    if not char:
        name = text[i:end] if end > i + 1 else "&"
        raise HtmlParseError(f'Unsupported character entity "{name}" at byte offset {_byte_offset(text, i)}')
    return char, end


def _parse_attrs(text: str, i: int, tag: str, begin: int) -> tuple[dict[str, str], int]:
    """Parse attributes after a tag name up to ">"; return (attrs, index after ">")."""
    attrs: dict[str, str] = {}
    where = f"at byte offset {_byte_offset(text, begin)}"
    n = len(text)
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise HtmlParseError(f"Unclosed start tag {where}")
        if text[i] == ">":
            return attrs, i + 1
        name_start = i
        while i < n and not text[i].isspace() and text[i] not in "=>":
            i += 1
        name = text[name_start:i].lower()
        if not name:
            raise HtmlParseError(f'Empty attribute name in the tag "{tag}" {where}')
        while i < n and text[i].isspace():
            i += 1
        if i >= n or text[i] != "=":
            if tag == "blockquote" and name == "expandable":
                attrs[name] = ""
                continue
            raise HtmlParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" {where}'
            )
        i += 1
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise HtmlParseError(f"Unclosed start tag {where}")
        value: list[str] = []
        if text[i] in "'\"":
            quote = text[i]
            i += 1
            while i < n and text[i] != quote:
                if text[i] == "&":
                    char, i = _decode_entity(text, i)
                    value.append(char)
                else:
                    value.append(text[i])
                    i += 1
            i += 1
        else:
            token_start = i
            while i < n and (text[i].isalnum() or text[i] in ".-"):
                i += 1
            value.append(text[token_start:i].lower())
            if i < n and not text[i].isspace() and text[i] != ">":
                raise HtmlParseError(f"Unexpected end of name token at byte offset {_byte_offset(text, i)}")
        attrs[name] = "".join(value)


def _entity(opened: _Open, end: int, inner: str, in_code: bool) -> dict[str, Any] | None:
    """Build the MessageEntity dict for a closed tag (None if empty or inside code/pre)."""
    if end == opened.offset or in_code:
        return None
    kind = _ENTITY_TYPES[opened.tag]
    entity: dict[str, Any] = {"type": kind, "offset": opened.offset, "length": end - opened.offset}
    if kind == "text_link":
        entity["url"] = opened.attrs.get("href") or inner
    elif kind == "custom_emoji":
        entity["custom_emoji_id"] = opened.attrs.get("emoji-id", "")
    elif kind == "pre" and opened.attrs.get("language"):
        entity["language"] = opened.attrs["language"]
    elif kind == "blockquote" and "expandable" in opened.attrs:
        entity["type"] = "expandable_blockquote"
    return entity


def _check_start(tag: str, attrs: dict[str, str], where: str) -> None:
    """Reject start tags whose attributes Telegram would reject."""
    if tag == "span" and attrs.get("class") != "tg-spoiler":
        raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" {where}')
    if tag == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
        raise HtmlParseError(f'Tag "tg-emoji" must have a numeric attribute "emoji-id" {where}')


def _open_tag(text: str, i: int, tag: str, begin: int, stack: list[_Open], pos: int) -> int:
    """Read a start tag's attributes from `i`, push it on `stack`; return the index after it."""
    where = f"at byte offset {_byte_offset(text, begin)}"
    if i >= len(text):
        raise HtmlParseError(f"Unclosed start tag {where}")
    if tag not in _ENTITY_TYPES:
        raise HtmlParseError(f'Unsupported start tag "{tag}" {where}')
    attrs, i = _parse_attrs(text, i, tag, begin)
    _check_start(tag, attrs, where)
    if tag == "code" and stack and stack[-1].tag == "pre" and attrs.get("class", "").startswith("language-"):
        stack[-1].attrs["language"] = attrs["class"].removeprefix("language-")
    stack.append(_Open(tag, pos, attrs))
    return i


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML into (plain text, MessageEntity dicts); raise HtmlParseError when invalid."""
    out: list[str] = []
    pos = 0  # UTF-16 offset of the end of out
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "&":
            char, i = _decode_entity(text, i)
            out.append(char)
            pos += utf16_len(char)
            continue
        if c != "<":
            out.append(c)
            pos += 2 if ord(c) > 0xFFFF else 1
            i += 1
            continue
        begin = i
        where = f"at byte offset {_byte_offset(text, begin)}"
        i += 1
        closing = text.startswith("/", i)
        i += closing
        name_start = i
        while i < n and not text[i].isspace() and text[i] != ">":
            i += 1
        tag = text[name_start:i].lower()
        if not closing:
            i = _open_tag(text, i, tag, begin, stack, pos)
            continue
        if not stack:
            raise HtmlParseError(f"Unexpected end tag {where}")
        while i < n and text[i].isspace():
            i += 1
        if i >= n or text[i] != ">":
            raise HtmlParseError(f"Unclosed end tag {where}")
        i += 1
        opened = stack.pop()
        if tag and tag != opened.tag:
            raise HtmlParseError(f'Unmatched end tag {where}, expected "</{opened.tag}>", found "</{tag}>"')
        # Telegram drops entities inside code/pre; <code> directly in <pre> only sets the language.
        in_code = any(o.tag in ("code", "pre") for o in stack)
        inner = _slice16("".join(out), opened.offset) if opened.tag == "a" else ""
        entity = _entity(opened, pos, inner, in_code)
        if entity is not None:
            entities.append(entity)
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _slice16(text: str, start: int) -> str:
    """The part of text from UTF-16 offset start to the end."""
    return text.encode("utf-16-le")[start * 2 :].decode("utf-16-le")
