"""End to end: semantic search, topics, merged stories, digest buttons and inline mode (fake Bot API)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.emulator import FakeBotAPI
from bot.services import Services
from tests.conftest import USER_ID, Chat
from tests.digest_helpers import send_digest
from tests.news_fixtures import DIFFERENT_EVENTS, SAME_EVENT, TOPIC_MATCHES
from tests.test_e2e_commands import post

pytestmark = pytest.mark.usefixtures("app")


def buttons(message_markup: dict[str, object] | None) -> list[dict[str, str]]:
    """The inline keyboard's buttons, flattened."""
    rows = (message_markup or {}).get("inline_keyboard", [])
    assert isinstance(rows, list)
    return [button for row in rows for button in row]


async def test_embedding_is_stored_once_at_post_time(admin: Chat, services: Services) -> None:
    article_id = await post(admin, *DIFFERENT_EVENTS[2])
    vectors = await services.semantic.vectors_of([article_id])
    assert vectors[article_id].shape == (384,)
    assert abs(float(vectors[article_id] @ vectors[article_id]) - 1.0) < 1e-4
    assert "Deleted" in await admin.ask(f"/delete {article_id}")
    assert await services.semantic.vectors_of([article_id]) == {}  # cascades with the article


async def test_search_finds_by_meaning_and_by_words(admin: Chat, user: Chat) -> None:
    quake = await post(admin, *SAME_EVENT[1][1])  # "Strong quake shakes northeastern Japan": no "earthquake"
    await post(admin, *DIFFERENT_EVENTS[3])  # mortgages
    await post(admin, *DIFFERENT_EVENTS[5])  # city budget
    found = await user.ask("/search earthquake")
    assert "Strong quake shakes northeastern Japan" in found and f"#{quake}" in found
    assert "Mortgage" not in found and "budget" not in found
    by_word = await user.ask("/search mortgage")
    assert by_word.splitlines()[2].startswith("Mortgage lenders cut fixed rates")
    assert "Nothing found" in await user.ask("/search zeppelin")


async def test_follow_mute_topics_and_bad_input(user: Chat, services: Services) -> None:
    assert "follow no topics" in await user.ask("/topics")
    assert "Following “EU”" in await user.ask("/follow EU")
    assert "Muted “football”" in await user.ask("/mute   football ")
    listing = await user.ask("/topics")
    assert "Following: EU" in listing and "Muted: football" in listing
    for bad in ["/follow", "/mute ...", "/follow  ?!", "/follow " + "long " * 20]:
        assert "Usage: /" in await user.ask(bad)
    assert "don't follow “sport”" in await user.ask("/unfollow sport")
    assert "Removed “football”" in await user.ask("/unmute Football")
    assert [(t.kind, t.phrase) for t in await services.store.topics.of_chat(USER_ID)] == [("follow", "EU")]
    assert "Muted “EU”" in await user.ask("/mute EU")  # the same phrase switches from follow to mute
    assert [(t.kind, t.phrase) for t in await services.store.topics.of_chat(USER_ID)] == [("mute", "EU")]


async def test_digest_puts_followed_first_drops_muted_and_merges_stories(
    admin: Chat, user: Chat, emulator: FakeBotAPI
) -> None:
    await post(admin, *DIFFERENT_EVENTS[5])  # council budget: neither followed nor muted
    await post(admin, *SAME_EVENT[0][0])  # rail strike, reported twice
    await post(admin, *SAME_EVENT[0][1])
    eu_title = TOPIC_MATCHES[0][1][0]
    await post(admin, *TOPIC_MATCHES[0][1])  # about the European Union; never says "EU"
    await post(admin, *DIFFERENT_EVENTS[2])  # volcano: muted by meaning ("eruption" is not in it)
    await user.ask("/follow EU")
    await user.ask("/mute eruption")
    (digest,) = await user.send("/digest")
    lines = digest.text.splitlines()
    items = [line for line in lines if line[:1].isdigit()]
    assert items[0].startswith(f"1. ⭐ {eu_title}")
    assert len(items) == 3  # EU story, council, and ONE rail story
    assert "Volcano" not in digest.text
    rail = [line for line in items if "strike" in line.lower() or "Train" in line]
    assert len(rail) == 1
    assert "also: " in digest.text
    data = [b["callback_data"] for b in buttons(digest.reply_markup)]
    assert all(len(d.encode()) <= 64 for d in data)
    assert len(data) == 3 * 3


async def test_summary_button_expands_and_collapses_by_editing(
    admin: Chat, user: Chat, emulator: FakeBotAPI, services: Services
) -> None:
    article_id = await post(admin, *DIFFERENT_EVENTS[5])
    (digest,) = await user.send("/digest")
    assert "spending on public transport" not in digest.text  # compact: headline only
    expand = next(b for b in buttons(digest.reply_markup) if b["callback_data"].startswith("x:"))
    query_id = emulator.press(USER_ID, digest.message_id, expand["callback_data"])
    (edited,) = await emulator.wait_for(USER_ID, 1)
    await emulator.answer_of(query_id)
    stored = await services.store.articles.get(article_id)
    assert stored is not None
    assert edited.edited and edited.message_id == digest.message_id
    assert stored.summary in edited.text
    assert "▴ hide" in json.dumps(edited.reply_markup, ensure_ascii=False)
    emulator.press(USER_ID, digest.message_id, expand["callback_data"])
    (collapsed,) = await emulator.wait_for(USER_ID, 1)
    assert stored.summary not in collapsed.text and collapsed.text == digest.text


async def test_follow_and_mute_buttons(
    admin: Chat, user: Chat, emulator: FakeBotAPI, services: Services
) -> None:
    article_id = await post(admin, *SAME_EVENT[2][0])  # central bank rates
    (digest,) = await user.send("/digest")
    follow = next(b for b in buttons(digest.reply_markup) if b["callback_data"] == f"f:{article_id}")
    answer = await emulator.answer_of(emulator.press(USER_ID, digest.message_id, follow["callback_data"]))
    assert "Following" in answer["text"]
    (topic,) = await services.store.topics.of_chat(USER_ID)
    assert topic.kind == "follow" and topic.phrase == SAME_EVENT[2][0][0] and topic.vector
    # The same event told by another outlet matches the followed story by meaning.
    await post(admin, *DIFFERENT_EVENTS[4])  # telescope, posted before the other outlet's version
    await post(admin, *SAME_EVENT[2][1])
    (followed,) = await user.send("/digest")
    items = [line for line in followed.text.splitlines() if line[:1].isdigit()]
    assert len(items) == 2 and items[0].startswith("1. ⭐ ") and "New telescope" in items[1]
    assert "also: " in followed.text  # both outlets' rate stories merged under the followed one
    assert "Removed" in await user.ask(f"/unfollow {topic.phrase}")
    mute = f"m:{article_id}"
    answer = await emulator.answer_of(emulator.press(USER_ID, digest.message_id, mute))
    assert "Muted" in answer["text"]
    (digest2,) = await user.send("/digest")
    assert "Central bank" not in digest2.text and "Rates go up" not in digest2.text
    assert "New telescope" in digest2.text


async def test_full_layout_setting(admin: Chat, user: Chat) -> None:
    await post(admin, *DIFFERENT_EVENTS[5])
    assert "Usage: <code>/settings layout" not in await user.ask("/settings")
    assert "Usage:" in await user.ask("/settings layout huge")
    assert await user.ask("/settings layout full") == "Your digest layout is now full."
    assert "Layout: full" in await user.ask("/settings")
    (digest,) = await user.send("/digest")
    assert "spending on public transport" in digest.text and digest.reply_markup is None


async def test_inline_query_paginates_and_shares_summaries(
    admin: Chat, emulator: FakeBotAPI, services: Services
) -> None:
    for i in range(23):
        await post(
            admin, f"Harbour report {i}", f"Ships number {i} docked in the harbour today. Cargo was unloaded."
        )
    first = await emulator.answer_of(emulator.inline_query(USER_ID, "harbour ships"))
    assert len(first["results"]) == 20 and first["next_offset"] == "20"
    result = first["results"][0]
    assert result["type"] == "article" and result["title"].startswith("Harbour report")
    assert "Ships number" in result["input_message_content"]["message_text"]
    second = await emulator.answer_of(emulator.inline_query(USER_ID, "harbour ships", offset="20"))
    assert len(second["results"]) == 3 and not second.get("next_offset")
    ids = {r["id"] for r in first["results"]} | {r["id"] for r in second["results"]}
    assert len(ids) == 23
    latest = await emulator.answer_of(emulator.inline_query(USER_ID, ""))
    assert latest["results"][0]["title"] == "Harbour report 22"
    nothing = await emulator.answer_of(emulator.inline_query(USER_ID, "zeppelin"))
    assert nothing["results"] == []
    odd = await emulator.answer_of(emulator.inline_query(USER_ID, "harbour", offset="junk"))
    assert len(odd["results"]) == 20


async def test_stats_sends_a_chart_with_the_numbers(
    app: Any, admin: Chat, user: Chat, emulator: FakeBotAPI, services: Services
) -> None:
    await user.ask("/subscribe")
    await post(admin, *DIFFERENT_EVENTS[5])
    emulator.fail_next("sendMessage", status=400, description="Bad Request: chat not found")
    assert await send_digest(services, USER_ID) == "failed"  # a digest refused for good
    (photo,) = await admin.send("/stats")
    assert photo.method == "sendPhoto" and photo.photo is not None
    assert photo.photo.startswith(b"\x89PNG\r\n\x1a\n") and len(photo.photo) > 10_000
    assert "Subscribers: 1 active of 1" in photo.text
    assert "Last 30 days: 1 articles; digests 0 sent, 1 failed, 0 blocked" in photo.text


async def test_stale_buttons_get_a_friendly_answer(
    admin: Chat, user: Chat, emulator: FakeBotAPI, services: Services
) -> None:
    article_id = await post(admin, *DIFFERENT_EVENTS[0])
    (digest,) = await user.send("/digest")
    message = {"message_id": digest.message_id, "date": 0, "chat": {"id": USER_ID, "type": "private"}}
    forged = {"id": "forged-1", "from": {"id": USER_ID, "is_bot": False, "first_name": "T"}}
    emulator._model.queries["forged-1"] = {"kind": "callback_query"}  # as if Telegram had sent it
    emulator.add_update(
        {"callback_query": {**forged, "message": message, "chat_instance": "c", "data": "zz:1"}}
    )
    assert "no longer supported" in (await emulator.answer_of("forged-1"))["text"]
    assert "Deleted" in await admin.ask(f"/delete {article_id}")
    answer = await emulator.answer_of(emulator.press(USER_ID, digest.message_id, f"f:{article_id}"))
    assert "removed" in answer["text"] and answer["show_alert"] is True
    assert await services.store.topics.of_chat(USER_ID) == []


async def test_mute_button_hides_that_story_and_its_other_reports_not_its_subject(
    admin: Chat, user: Chat, emulator: FakeBotAPI, services: Services
) -> None:
    rail = [await post(admin, *item) for item in SAME_EVENT[0][:2]]  # one strike, two outlets
    bus = await post(admin, *DIFFERENT_EVENTS[0])  # another strike: same subject, different event
    vectors = await services.semantic.vectors_of([*rail, bus])
    # The old rule (the story's embedding at the topic threshold) hid the bus strike too.
    assert float(vectors[rail[0]] @ vectors[bus]) >= services.settings.topic_min_similarity
    await user.ask("/mute eruption")  # a typed mute: still by meaning
    await post(admin, *DIFFERENT_EVENTS[2])  # the volcano
    (digest,) = await user.send("/digest")
    assert "Volcano" not in digest.text
    mute = next(
        b["callback_data"]
        for b in buttons(digest.reply_markup)
        if b["callback_data"] in {f"m:{i}" for i in rail}
    )
    answer = await emulator.answer_of(emulator.press(USER_ID, digest.message_id, mute))
    assert answer["text"].startswith("Muted this story")
    later = await post(admin, *SAME_EVENT[0][2])  # a third report of that strike, after the mute
    (after,) = await user.send("/digest")
    for title, _ in SAME_EVENT[0]:
        assert title not in after.text
    assert DIFFERENT_EVENTS[0][0] in after.text and "Volcano" not in after.text
    (topic, story) = await services.store.topics.of_chat(USER_ID)
    assert not topic.is_story and story.is_story and story.article_id == int(mute[2:]) and later not in rail
    listing = await user.ask("/topics")
    assert "Muted: eruption\n(stories with these words or on these subjects are left out)" in listing
    assert (
        f"Muted stories: {story.phrase}\n(each of these stories, and other reports of the same event"
        in listing
    )
    assert "Removed" in await user.ask(f"/unmute {story.phrase}")
    (back,) = await user.send("/digest")
    assert any(title in back.text for title, _ in SAME_EVENT[0])
