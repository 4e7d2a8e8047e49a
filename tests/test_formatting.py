"""Unit tests for HTML escaping and message splitting."""

from __future__ import annotations

import re

import pytest

from bot.formatting import esc, split_message, utf16_len, visible_len

ALLOWED = {"b", "i", "u", "s", "a", "code", "pre", "blockquote"}


def balanced(chunk: str) -> bool:
    """True when every tag in `chunk` is closed in order and no tag is cut."""
    stack: list[str] = []
    for tag in re.findall(r"<[^<>]*>", chunk):
        name = re.match(r"</?\s*([a-z]+)", tag)
        assert name is not None, f"broken tag {tag!r}"
        if tag.startswith("</"):
            if not stack or stack.pop() != name.group(1):
                return False
        else:
            stack.append(name.group(1))
    return not stack and "<" not in re.sub(r"<[^<>]*>", "", chunk)


def test_escape_user_text() -> None:
    assert (
        esc("<script>alert(1)</script> a < b & c") == "&lt;script&gt;alert(1)&lt;/script&gt; a &lt; b &amp; c"
    )
    assert visible_len(esc("a < b & c")) == len("a < b & c")


def test_utf16_counts_astral_emoji_twice() -> None:
    assert utf16_len("😀") == 2
    assert utf16_len("é") == 1
    assert visible_len("<b>😀</b>&amp;") == 3


def test_short_message_is_one_chunk() -> None:
    assert split_message("<b>hi</b>\n\nthere") == ["<b>hi</b>\n\nthere"]


def test_split_between_paragraphs() -> None:
    paragraphs = [f"<b>Title {i}</b>\n" + esc("word & " * 100) for i in range(40)]
    chunks = split_message("\n\n".join(paragraphs))
    assert len(chunks) > 1
    for chunk in chunks:
        assert visible_len(chunk) <= 4096
        assert balanced(chunk)
    # nothing lost, nothing cut inside a paragraph
    assert "\n\n".join(chunks) == "\n\n".join(paragraphs)


@pytest.mark.parametrize("unit", ["a ", "😀 ", "ж ", "&lt; "])
def test_oversized_paragraph_inside_tag_is_split_with_tags_reopened(unit: str) -> None:
    text = "<b>" + unit * 5000 + "</b>"
    chunks = split_message(text, limit=4096)
    assert len(chunks) >= 2
    for chunk in chunks:
        assert 0 < visible_len(chunk) <= 4096
        assert balanced(chunk), chunk[:80]
        assert chunk.startswith("<b>") and chunk.endswith("</b>")


def test_single_giant_word_is_hard_cut_without_breaking_surrogates() -> None:
    text = "😀" * 3000  # 6000 UTF-16 units, no spaces
    chunks = split_message(text, limit=4096)
    assert [visible_len(c) for c in chunks] == [4096, 1904]
    assert "".join(chunks) == text
