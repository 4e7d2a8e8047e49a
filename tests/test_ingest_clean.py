"""Cleaning pasted and forwarded text: every story paragraph kept, in order; every junk line gone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.ingest.clean import RULES, Rule, Shape, clean, clean_text, html_to_text, is_junk_line
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
    result = clean(path.read_text())
    assert paragraphs(result.text) == story
    assert list(result.removed) == SAMPLE_JUNK  # what was removed is reported, in order


@pytest.mark.parametrize("name", ["wire", "blog", "press_release"])
def test_fixture_cleans_to_expected_story(name: str) -> None:
    raw = (DATA / f"{name}.txt").read_text()
    expected = (DATA / f"{name}.expected.txt").read_text().strip()
    result = clean(raw)
    assert result.text == expected
    story = set(paragraphs(expected))
    junk = [
        line
        for line in paragraphs(raw)
        if line not in story and not line.startswith(("FRANKFURT (Reuters)", "PORTSMOUTH —"))
    ]
    for line in junk:
        assert line not in result.text, line
    assert list(result.removed) == junk  # every removed line is reported, in order, and nothing else


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


# Story paragraphs that merely start with or contain a trigger word are story text (issue 12). The cases
# are generated from the rule table, so a new rule or trigger is covered without touching these tests.
STARTS = (
    "{} the health minister urged residents on Monday, saying hospitals across the region were short of "
    "blood after the storm."
)
CONTAINS = (
    "Hospitals across the region ran short of blood after the storm, and the {} notices put up on Monday "
    "drew thousands of donors to the clinics."
)
NO_FULL_STOP = (  # forwarded channel posts often leave out the final full stop
    "Hospitals across the region ran short of blood after the storm and the {} notices put up on Monday "
    "drew thousands of donors to the clinics"
)


def trigger_cases() -> list[Any]:
    """One case per trigger of every rule, with "<n>" written as a number."""
    return [
        pytest.param(rule, trigger.replace("<n>", "12"), id=f"{rule.name}: {trigger}")
        for rule in RULES
        for trigger in rule.triggers
    ]


def outcome(text: str) -> tuple[str, tuple[str, ...]]:
    """What cleaning keeps and what it reports as removed."""
    result = clean(text)
    return result.text, result.removed


def capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def furniture_example(rule: Rule, trigger: str) -> str:
    """A real furniture line built around the trigger, in the rule's shape."""
    if rule.shape is Shape.LABEL:
        return f"{capitalized(trigger)} Harbor Wind"
    if rule.shape is Shape.MENTION:
        return f"Please {trigger} today!"
    return capitalized(trigger)


def test_every_rule_has_triggers() -> None:
    assert RULES and all(rule.triggers for rule in RULES)
    assert {rule.shape for rule in RULES} == set(Shape)


@pytest.mark.parametrize(("rule", "trigger"), trigger_cases())
def test_story_paragraphs_with_a_trigger_word_are_kept(rule: Rule, trigger: str) -> None:
    paragraphs_ = [
        STARTS.format(capitalized(trigger)),
        CONTAINS.format(trigger),
        NO_FULL_STOP.format(trigger),
    ]
    for story in paragraphs_:
        assert not is_junk_line(story), story
        assert outcome(story) == (story, ()), story
    article = "\n\n".join(["Share this:", *paragraphs_, "Leave a Comment"])
    result = clean(article)
    assert result.text == "\n\n".join(paragraphs_)
    assert result.removed == ("Share this:", "Leave a Comment")


@pytest.mark.parametrize(("rule", "trigger"), trigger_cases())
def test_each_trigger_in_its_furniture_shape_is_removed(rule: Rule, trigger: str) -> None:
    line = furniture_example(rule, trigger)
    assert is_junk_line(line), (rule.name, line)
    story = STARTS.format("Meanwhile,")
    assert outcome(f"{story}\n{line}") == (story, (line,))


def test_a_related_block_ends_at_the_next_story_paragraph() -> None:
    story = STARTS.format("Meanwhile,")
    result = clean(f"{story}\nRelated articles\nTunnel tolls to rise in spring\nJane Doe\n{story} Again.")
    assert result.text == f"{story}\n\n{story} Again."
    assert result.removed == ("Related articles", "Tunnel tolls to rise in spring", "Jane Doe")


@pytest.mark.parametrize(
    "url",
    [
        "https://port.example/newsletter/cookies/donate",
        "https://port.example/follow-us?utm_source=newsletter",
        "www.port.example/subscribe",
    ],
)
def test_urls_never_feed_the_rules(url: str) -> None:
    # a forward's hidden link is written out after its anchor; a short line that is only a link is kept too
    for line in [f"Full story here ({url})", f"Read the full report ({url}).", url, f"({url})"]:
        assert not is_junk_line(line), line
        assert outcome(line) == (line, ()), line
    assert is_junk_line(f"Sign up for our newsletter ({url})")  # the anchor text itself is furniture
