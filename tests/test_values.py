"""Values that do not fit their column (ids past 32 bits, NUL characters, over-long strings) are refused
before they reach the database, the same on SQLite and PostgreSQL: by the storage layer (lookups find
nothing, writes raise InvalidValueError) and, for a user, with a friendly reply instead of an error."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.emulator import FakeBotAPI
from bot.services import Services
from bot.storage import Store, TopicKind
from bot.storage.errors import InvalidValueError
from bot.storage.models import ArticleRow, TopicRow
from bot.storage.values import INT32, check, fits
from tests.conftest import ADMIN_ID, USER_ID, Chat
from tests.test_e2e_commands import STORY, post

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
PAST_INT32 = [2**31, 2**40, 2**63, 10**18, -(2**31) - 1]
GENERIC = "something went wrong"


@pytest.fixture
async def store(database_url: str) -> Any:
    """A migrated store on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""
    async with await Store.open(database_url) as opened:
        yield opened


async def count(store: Store, model: Any) -> int:
    """Rows in a table."""
    async with store.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def test_check_reads_the_limits_from_the_columns() -> None:
    assert fits(ArticleRow.id, INT32[1]) and not fits(ArticleRow.id, INT32[1] + 1)
    assert fits(ArticleRow.posted_by, 2**40)  # BIGINT
    assert not fits(ArticleRow.posted_by, 2**63)
    assert not fits(ArticleRow.title, "x" * 301) and fits(ArticleRow.title, "x" * 300)
    assert not fits(ArticleRow.body, "a\x00b") and fits(ArticleRow.body, "a" * 200_000)
    assert not fits(TopicRow.phrase, "\ud800")  # a lone surrogate has no UTF-8
    with pytest.raises(InvalidValueError, match=r"topics\.phrase: contains a NUL"):
        check(TopicRow, phrase="eu\x00")


async def test_lookups_of_impossible_ids_find_nothing(store: Store) -> None:
    stored = await store.articles.add(
        title="T", body="B", summary="S", summarizer="x", posted_by=1, created_at=NOW
    )
    for huge in PAST_INT32:
        assert await store.articles.get(huge) is None
        assert await store.articles.delete(huge) is False
        assert await store.feeds.get(huge) is None
        assert await store.feeds.remove(huge) is False
    assert [a.id for a in await store.articles.get_many([stored.id, 2**31, 2**63])] == [stored.id]
    assert await store.articles.embeddings([2**31, stored.id], "m") == {}
    assert await store.articles.id_by_url("https://example.com/\x00") is None
    assert await store.topics.remove(1, "eu\x00") is False


async def test_writes_that_do_not_fit_raise_invalid_value_and_store_nothing(store: Store) -> None:
    good: dict[str, Any] = {"title": "T", "body": "B", "summary": "S", "summarizer": "x", "posted_by": 1}
    for bad in [
        {"title": "a\x00b"},
        {"body": "text with a \x00 inside"},
        {"summary": "\x00"},
        {"title": "x" * 301},
        {"source_url": "https://example.com/" + "a" * 2100},
        {"posted_by": 2**63},
    ]:
        with pytest.raises(InvalidValueError):
            await store.articles.add(**(good | bad), created_at=NOW)
    assert await count(store, ArticleRow) == 0
    with pytest.raises(InvalidValueError):
        await store.topics.set(1, TopicKind.MUTE, "sport\x00", None, now=NOW)
    with pytest.raises(InvalidValueError):
        await store.topics.set(1, TopicKind.MUTE, "x" * 101, None, now=NOW)
    with pytest.raises(InvalidValueError):
        await store.feeds.add(url="https://example.com/\x00", title="T", added_by=1, now=NOW)
    assert await count(store, TopicRow) == 0 and await store.feeds.all() == []


def forged_press(emulator: FakeBotAPI, message_id: int, data: str, query_id: str) -> None:
    """A callback query Telegram would deliver for data the bot never sent (a modified client)."""
    emulator._model.queries[query_id] = {"kind": "callback_query"}
    message = emulator._model.stored(USER_ID, message_id)  # Telegram attaches the message pressed
    sender = {"id": USER_ID, "is_bot": False, "first_name": "T"}
    emulator.add_update(
        {
            "callback_query": {
                "id": query_id,
                "from": sender,
                "message": message,
                "chat_instance": "c",
                "data": data,
            }
        }
    )


@pytest.mark.usefixtures("app")
async def test_users_get_friendly_replies_for_values_that_do_not_fit(
    admin: Chat, user: Chat, emulator: FakeBotAPI, services: Services
) -> None:
    article_id = await post(admin, "Council approves budget", STORY)
    assert "There is no article #2147483648" in await user.ask("/summary 2147483648")
    assert "There is no article #99999999999999" in await user.ask("/summary #99999999999999")
    assert "There is no article #2147483648" in await admin.ask("/delete 2147483648")
    assert "Usage: /removefeed" in await admin.ask("/removefeed 2147483648")
    assert "There is no feed #999999999" in await admin.ask("/removefeed 999999999")

    (digest,) = await user.send("/digest")
    for n, data in enumerate(["f:2147483648", "m:999999999999999999", "x:1:2147483648", "x:99999999999:1"]):
        forged_press(emulator, digest.message_id, data, f"forged-{n}")
        answer = await emulator.answer_of(f"forged-{n}")
        assert GENERIC not in json.dumps(answer)
    (shown,) = await emulator.wait_for(USER_ID, 1)  # no item 99999999999 to expand: sent as a message
    assert shown.text.startswith("Council approves budget")

    assert "Following “EU”" in await user.ask("/follow E\x00U")  # the NUL is dropped, not stored
    assert "Usage: /mute" in await user.ask("/mute \x00\x00")
    assert [t.phrase for t in await services.store.topics.of_chat(USER_ID)] == ["EU"]
    assert "Nothing found" in await user.ask("/search zep\x00pelin")
    assert "Council approves budget" in await user.ask("/search bud\x00get")
    assert "I don't know the time zone" in await user.ask("/timezone Europe/Ber\x00lin\x00")

    reply = await admin.result(
        "/post Night\x00 train returns\nThe night train\x00 to Vienna runs again. " + STORY
    )
    assert reply.startswith("Posted as #"), reply
    new_id = int(reply.removeprefix("Posted as #").split(":", 1)[0])
    stored = await services.store.articles.get(new_id)
    assert stored is not None and stored.title == "Night train returns" and "\x00" not in stored.body
    for chat in (USER_ID, ADMIN_ID):
        assert all(GENERIC not in m.text for m in emulator.sent(chat))
    assert await services.store.articles.get(article_id) is not None


@pytest.mark.usefixtures("app")
async def test_only_zone_keys_are_accepted_by_timezone(user: Chat, services: Services) -> None:
    for name in ["Europe", "posixrules", "localtime", "Factory", "America/", "zone1970.tab"]:
        assert "I don't know the time zone" in await user.ask(f"/timezone {name}")
    assert await services.store.subscribers.get(USER_ID) is None  # refused: nothing stored
    assert "Your time zone is now Europe/Berlin" in await user.ask("/timezone europe/berlin")


@pytest.mark.usefixtures("app")
async def test_a_button_press_is_answered_even_when_handling_it_fails(
    admin: Chat, user: Chat, emulator: FakeBotAPI
) -> None:
    article_id = await post(admin, "Council approves budget", STORY)
    (digest,) = await user.send("/digest")
    emulator.fail_next("editMessageText", status=502)  # Telegram fails while the summary is expanded
    answer = await emulator.answer_of(emulator.press(USER_ID, digest.message_id, f"x:1:{article_id}"))
    assert GENERIC in answer["text"] and answer["show_alert"] is True
