"""Cleaning pasted and forwarded text: every story paragraph kept, in order; every junk line gone."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.ingest.clean import clean_text, html_to_text, is_junk_line
from bot.ingest.pipeline import looks_binary
from tests.conftest import SHARED_DATA

DATA = Path(__file__).parent / "data" / "clean"
SAMPLE_JUNK = [
    "Image by Presidential Press and Information Office",
    "Please Follow us on GabMindsTelegramRumbleGab TVGETTR",
    "You Won’t Get Anywhere Else What You Get From CDMedia! Donate!",
    "Related articles",
    "Perspective On Elections In Iran…Does Rouhani Resign?",
    "Hassan Mahmoudi",
    "Serbs Commemorate Victims Of NATO Aggression While Faced With Ultimatum On Kosovo",
    "Tsarizm Staff",
    "What Did Rouhani Mean By Saying ‘Do Not Play With The Lion’s Tail?’",
    "Nikoo Amini",
    "Leave a Comment",
    "Subscribe to our evening newsletter to stay informed during these challenging times!!",
]


def paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in text.split("\n") if p.strip()]


def test_sample_article_keeps_every_story_paragraph_and_no_junk() -> None:
    path = SHARED_DATA / "sample_article_with_boilerplate.txt"
    if not path.exists():
        pytest.skip(f"{path} not found")
    raw = paragraphs(path.read_text())
    assert set(SAMPLE_JUNK) <= set(raw)  # the fixture really holds the junk we look for
    story = [p for p in raw if p not in SAMPLE_JUNK]
    assert len(story) == 12  # the title and eleven paragraphs
    cleaned = paragraphs(clean_text(path.read_text()))
    assert cleaned == story


@pytest.mark.parametrize("name", ["wire", "blog", "press_release"])
def test_fixture_cleans_to_expected_story(name: str) -> None:
    raw = (DATA / f"{name}.txt").read_text()
    expected = (DATA / f"{name}.expected.txt").read_text().strip()
    cleaned = clean_text(raw)
    assert cleaned == expected
    story = set(paragraphs(expected))
    for line in paragraphs(raw):
        if line not in story and not line.startswith(("FRANKFURT (Reuters)", "PORTSMOUTH —")):
            assert line not in cleaned, line


def test_wire_dateline_is_stripped_but_paragraph_kept() -> None:
    cleaned = clean_text("WASHINGTON (Reuters) - Lawmakers passed the bill on Friday after a long debate.")
    assert cleaned == "Lawmakers passed the bill on Friday after a long debate."


@pytest.mark.parametrize(
    "line",
    [
        "Share on Facebook",
        "Print",
        "We use cookies to improve your experience. Accept all",
        "Photo: Getty Images",
        "By Anna Smith",
        "Published 12:04 GMT, 3 March 2026",
        "Updated: March 3, 2026",
        "Sign up for our newsletter",
        "Support independent journalism today",
        "42 Comments",
        "Leave a Reply",
    ],
)
def test_junk_lines(line: str) -> None:
    assert is_junk_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "The mayor said she would follow the advice of the committee.",
        "Police are asking anyone who saw the crash to share what they know with investigators, "
        "and the newsletter of the neighbourhood watch has printed the hotline number for people "
        "without internet access to call, the spokesman said on Monday.",
        "Rain is expected tomorrow.",
    ],
)
def test_story_lines_are_kept(line: str) -> None:
    assert not is_junk_line(line)
    assert clean_text(line) == line


def test_only_junk_cleans_to_nothing() -> None:
    assert clean_text("Share this:\nLeave a Comment\nFollow us on Twitter\n\nPhoto: AP Photo") == ""


def test_html_scripts_and_styles_are_stripped_never_kept() -> None:
    markup = (
        "<html><head><style>p { color: red }</style><script>alert('x')</script></head>"
        "<body><p>The council met on Monday.</p><script>document.cookie</script>"
        "<p>It approved the plan.</p><noscript>enable js</noscript></body></html>"
    )
    text = clean_text(markup)
    assert text == "The council met on Monday.\n\nIt approved the plan."
    assert "alert" not in html_to_text(markup) and "color" not in html_to_text(markup)


def test_binary_detection() -> None:
    assert looks_binary("\x00\x01\x02\x03PK\x03\x04" + "\ufffd" * 20)
    assert not looks_binary("Ordinary text with a tab\tand newline\n.")
