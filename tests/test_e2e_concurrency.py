"""Updates of one chat fired at once at the real bot (PTB's concurrent_updates is on): the database, the
scheduled digest job and the replies still agree, and the 30-topic limit holds."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from bot.emulator import FakeBotAPI
from bot.semantic.topics import MAX_TOPICS
from bot.services import Services
from tests.conftest import USER_ID, Chat
from tests.test_e2e_commands import STORY, post

pytestmark = pytest.mark.usefixtures("app")

TIMES = ["06:00", "07:15", "08:30", "21:45", "23:05"]
ZONES = ["Asia/Tokyo", "Europe/Berlin", "America/New_York", "Australia/Sydney", "UTC"]


async def fire(emulator: FakeBotAPI, chat: int, texts: list[str]) -> list[str]:
    """Queue all texts at once (one getUpdates batch, handled concurrently); return the replies."""
    for text in texts:
        emulator.send_message(chat, text, user_id=chat)
    return [m.text for m in await emulator.wait_for(chat, len(texts), timeout=60)]


async def job_agrees_with_database(services: Services, chat: int) -> tuple[str, str]:
    """The subscriber's (time, zone) in the database, after checking the JobQueue job fires then."""
    sub = await services.store.subscribers.get(chat)
    assert sub is not None and sub.subscribed
    next_run = services.schedule.next_run(chat)
    assert next_run is not None
    scheduled = (f"{next_run:%H:%M}", getattr(next_run.tzinfo, "key", None))
    defaults = services.schedule.defaults  # a chat that chose no time or zone follows the outlet's
    stored = (f"{defaults.time_of(sub):%H:%M}", defaults.zone_of(sub))
    assert scheduled == stored, f"job fires at {scheduled}, database says {stored}"
    return stored


async def test_settime_and_timezone_back_to_back_keep_the_job_on_the_stored_time(
    emulator: FakeBotAPI, user: Chat, services: Services
) -> None:
    assert "Subscribed!" in await user.ask("/subscribe")
    for round_ in range(6):
        texts = [
            command
            for t, z in zip(itertools.islice(itertools.cycle(TIMES), round_, round_ + 5), ZONES, strict=True)
            for command in (f"/settime {t}", f"/timezone {z}")
        ]
        replies = await fire(emulator, USER_ID, texts)
        assert all("digest" in r for r in replies), replies
        await job_agrees_with_database(services, USER_ID)


async def test_concurrent_follows_respect_the_topic_limit(
    emulator: FakeBotAPI, user: Chat, services: Services
) -> None:
    wanted = MAX_TOPICS + 12
    replies = await fire(emulator, USER_ID, [f"/follow topic{i}" for i in range(wanted)])
    accepted = [r for r in replies if r.startswith("Following")]
    refused = [r for r in replies if f"already have {MAX_TOPICS} topics" in r]
    assert (len(accepted), len(refused)) == (MAX_TOPICS, wanted - MAX_TOPICS)
    assert len(await services.store.topics.of_chat(USER_ID)) == MAX_TOPICS
    assert len(services.chat_locks) == 0  # a chat's lock lives only while it is held or awaited


async def test_concurrent_follow_buttons_and_commands_respect_the_topic_limit(
    emulator: FakeBotAPI, admin: Chat, user: Chat, services: Services
) -> None:
    await fire(emulator, USER_ID, [f"/follow topic{i}" for i in range(MAX_TOPICS - 3)])
    article_id = await post(admin, "Council approves budget", STORY)
    (digest,) = await user.send("/digest")
    presses = [emulator.press(USER_ID, digest.message_id, f"f:{article_id}") for _ in range(4)]
    replies = await fire(emulator, USER_ID, [f"/follow more{i}" for i in range(4)])
    answers = [a["text"] for a in await asyncio.gather(*(emulator.answer_of(q) for q in presses))]
    assert len(await services.store.topics.of_chat(USER_ID)) == MAX_TOPICS
    assert (
        sum(r.startswith("Following") for r in replies) + min(1, sum("Following" in a for a in answers)) == 3
    )


async def test_concurrent_subscribes_answer_consistently(emulator: FakeBotAPI, services: Services) -> None:
    for chat in range(7001, 7004):
        replies = await fire(emulator, chat, ["/subscribe"] * 6)
        assert sum(r.startswith("Subscribed!") for r in replies) == 1, replies
        assert sum(r.startswith("You are already subscribed") for r in replies) == 5, replies
        await job_agrees_with_database(services, chat)
        replies = await fire(emulator, chat, ["/unsubscribe"] * 3 + ["/settime 10:10"])
        assert sum(r.startswith("Unsubscribed.") for r in replies) == 1, replies
        sub = await services.store.subscribers.get(chat)
        assert sub is not None and not sub.subscribed and services.schedule.next_run(chat) is None
    assert len(services.chat_locks) == 0
