"""A channel edition's deep links (encoded and decoded in bot.digest.render), its keyboards in both layouts,
its send options, and the channels aggregate on both databases."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.digest.layout import lay_out
from bot.digest.render import (
    PAYLOAD,
    ChannelEdition,
    EditionLink,
    FollowLink,
    channel_message_of,
    decode_payload,
    deep_link,
    edition_payload,
    follow_payload,
    message_of,
    send_options,
)
from bot.storage import ChannelStatus, Layout, Store
from bot.storage.errors import ChannelNotFoundError, InvalidValueError
from bot.storage.ledger import EDITION_OPTION
from tests.conftest import PG_SKIP, reset_postgres
from tests.delivery_helpers import record_digest
from tests.test_digest_layout import DAY, MERGE_MIN, TOPIC_MIN, article

CHANNEL = -1001555000111
CUTOFF = datetime(2026, 11, 28, 18, 0, 0, 123456, tzinfo=UTC)


@pytest.mark.parametrize(
    "link",
    [
        EditionLink(CHANNEL, CUTOFF),
        EditionLink(-(10**17), datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
        FollowLink(1),
        FollowLink(2**31 - 1),
    ],
)
def test_payloads_round_trip_within_telegrams_limits(link: EditionLink | FollowLink) -> None:
    payload = (
        edition_payload(link.chat_id, link.cutoff)
        if isinstance(link, EditionLink)
        else follow_payload(link.article_id)
    )
    assert PAYLOAD.fullmatch(payload) and len(payload) <= 64, payload
    assert decode_payload(payload) == link
    assert deep_link("newsbot", payload) == f"https://t.me/newsbot?start={payload}"


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "e",
        "f",
        "fx",
        "f-1",
        "e1",
        "e1_",
        "e_1",
        "x12",
        "e1_1_1",
        "f" + "9" * 19,
        "e1_" + "9" * 19,
        "e1_999999999999999999",
        "f1 ",
    ],
)
def test_malformed_or_impossible_payloads_decode_to_nothing(payload: str) -> None:
    assert decode_payload(payload) is None


def test_deep_link_refuses_what_telegram_would_drop() -> None:
    for bad in ("a" * 65, "a b", "ü", ""):
        with pytest.raises(ValueError, match="not a deep-link payload"):
            deep_link("newsbot", bad)


def edition(**kwargs: bool) -> ChannelEdition:
    return ChannelEdition("newsbot", CHANNEL, CUTOFF, **kwargs)


def test_a_compact_edition_has_a_summaries_link_and_a_follow_link_per_item() -> None:
    items = [article(i, f"Story {i}", f"Body {i}.") for i in range(1, 7)]
    (page,) = lay_out(
        items,
        {},
        [],
        day=DAY,
        layout=Layout.COMPACT,
        topic_min_similarity=TOPIC_MIN,
        merge_min_similarity=MERGE_MIN,
    )
    message = channel_message_of(page, edition(), Layout.COMPACT)
    assert message.html == message_of(page).html  # the same text as anyone's digest
    assert message.keyboard is not None
    rows = [[(b.text, b.url, b.callback_data) for b in row] for row in message.keyboard.inline_keyboard]
    summaries = f"https://t.me/newsbot?start={edition_payload(CHANNEL, CUTOFF)}"
    assert rows[0] == [("▾ summaries", summaries, None)]
    assert [len(row) for row in rows[1:]] == [4, 2]
    assert [b for row in rows[1:] for b in row] == [
        (f"👍 {n}", f"https://t.me/newsbot?start=f{n}", None) for n in range(1, 7)
    ]


def test_a_full_edition_links_each_story_on_the_page_it_is_written_on() -> None:
    items = [article(i, f"Story {i}", f"Sentence {i} " * 120) for i in range(1, 21)]
    pages = lay_out(
        items,
        {},
        [],
        day=DAY,
        layout=Layout.FULL,
        topic_min_similarity=TOPIC_MIN,
        merge_min_similarity=MERGE_MIN,
    )
    assert len(pages) > 1
    assert all(message_of(p).keyboard is None for p in pages)  # a private full digest has no buttons
    seen: list[int] = []
    for page in pages:
        message = channel_message_of(page, edition(), Layout.FULL)
        assert message.keyboard is not None
        urls = [b.url for row in message.keyboard.inline_keyboard for b in row]
        assert all(url and "start=f" in url for url in urls)  # no summaries link: the text is all there
        numbers = [int(url.rsplit("f", 1)[1]) for url in urls if url]
        assert all(f"{n}. <b>Story {n}</b>" in page.html for n in numbers)
        seen += numbers
    assert seen == list(range(1, 21))


def test_send_options_of_an_edition() -> None:
    items = [article(1, "Story", "Body.", url="https://example.com/a")]
    (page,) = lay_out(
        items,
        {},
        [],
        day=DAY,
        layout=Layout.COMPACT,
        topic_min_similarity=TOPIC_MIN,
        merge_min_similarity=MERGE_MIN,
    )
    message = message_of(page)
    private = send_options(message)
    assert private is not None and json.loads(private) == {
        "link_preview_options": message.link_preview.to_dict()
    }  # type: ignore[union-attr]
    assert send_options(message, first=False) is None
    silent = json.loads(send_options(message, first=False, silent=True, edition=edition(pin=True)) or "{}")
    assert silent == {"disable_notification": True, EDITION_OPTION: {"pin": True}}


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """A migrated store on each backend (PostgreSQL when TEST_DATABASE_URL is set)."""
    url = f"sqlite+aiosqlite:///{tmp_path}/t.db"
    if request.param == "postgresql":
        url = os.environ.get("TEST_DATABASE_URL", "")
        if not url:
            pytest.skip(PG_SKIP)
        await reset_postgres(url)
    opened = await Store.open(url)
    try:
        yield opened
    finally:
        await opened.close()


async def test_the_channels_aggregate(store: Store) -> None:
    now = datetime.now(UTC)
    channels = store.channels
    added = await channels.add(CHANNEL, title="Outlet News", username="outletnews", added_by=111, now=now)
    assert (added.status, added.pin, added.silent, added.name) == (
        ChannelStatus.ACTIVE,
        False,
        False,
        "@outletnews",
    )
    await channels.add(-1001, title="Private", username=None, added_by=112, now=now + timedelta(seconds=1))
    assert [c.chat_id for c in await channels.all()] == [CHANNEL, -1001]
    assert (await channels.get(-1001)).name == "Private"  # type: ignore[union-attr]
    assert (await channels.set_options(CHANNEL, pin=True)).pin is True
    assert (await channels.set_options(CHANNEL, silent=True)).silent is True
    assert set(await channels.active_among([CHANNEL, -1001, 5, -5])) == {CHANNEL, -1001}
    assert await channels.mark_removed(CHANNEL, reason="I was removed from it")
    assert not await channels.mark_removed(CHANNEL, reason="again")  # told once
    removed = await channels.get(CHANNEL)
    assert (
        removed is not None
        and removed.status == ChannelStatus.REMOVED
        and removed.last_error == "I was removed from it"
    )
    assert set(await channels.active_among([CHANNEL, -1001])) == {-1001}
    # added again: active, its options kept, its error cleared
    back = await channels.add(CHANNEL, title="Outlet News 2", username="outletnews", added_by=113, now=now)
    assert (back.status, back.pin, back.silent, back.title, back.added_by, back.last_error) == (
        ChannelStatus.ACTIVE,
        True,
        True,
        "Outlet News 2",
        111,
        None,
    )
    await channels.posted(CHANNEL, at=now, error="pinning failed: Not enough rights")
    posted = await channels.get(CHANNEL)
    assert (
        posted is not None and posted.last_post_at == now and posted.last_error.startswith("pinning failed")
    )  # type: ignore[union-attr]
    await channels.posted(CHANNEL, at=now)
    assert (await channels.get(CHANNEL)).last_error is None  # type: ignore[union-attr]
    assert await channels.remove(CHANNEL) and not await channels.remove(CHANNEL)
    assert await channels.get(CHANNEL) is None and await channels.get(2**70) is None
    with pytest.raises(ChannelNotFoundError):
        await channels.set_options(CHANNEL, pin=True)
    with pytest.raises(InvalidValueError, match=r"channels\.title"):
        await channels.add(-1002, title="x" * 300, username=None, added_by=1, now=now)
    with pytest.raises(InvalidValueError, match=r"channels\.username"):
        await channels.add(-1002, title="x", username="a\x00b", added_by=1, now=now)
    assert await channels.get(-1002) is None


async def test_the_ledger_finds_an_edition_and_the_one_before(store: Store) -> None:
    first = datetime(2026, 11, 27, 18, tzinfo=UTC)
    second = first + timedelta(days=1)
    assert await store.ledger.previous_cutoff(CHANNEL, first) is None
    await record_digest(store, CHANNEL, first.date(), "sent", first)
    delivery = await record_digest(store, CHANNEL, second.date(), "sent", second)
    assert await store.ledger.has_delivery(CHANNEL, second)
    assert not await store.ledger.has_delivery(CHANNEL, second + timedelta(microseconds=1))
    assert not await store.ledger.has_delivery(CHANNEL - 1, second)
    previous = await store.ledger.previous_cutoff(CHANNEL, second)
    assert previous is not None and previous.at == first and previous.recent_article_ids == frozenset()
    assert await store.ledger.first_message(delivery) is None  # record_digest never sent it to Telegram
