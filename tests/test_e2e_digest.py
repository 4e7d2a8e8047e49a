"""End to end: subscriptions, the evening digest through PTB's real JobQueue, restarts, blocked users."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram.ext import ApplicationBuilder

from bot.clock import utc_now
from bot.digest.schedule import PRUNE_JOB, DigestSchedule
from bot.digest.selection import LOOK_BACK, new_articles, read_start, recent_article_ids
from bot.emulator import FakeBotAPI
from bot.ingest.pipeline import Draft
from bot.services import Services
from bot.storage import Article, Subscriber
from bot.storage.ledger import Cutoff
from tests.conftest import ADMIN_ID, USER_ID, BotHarness, Chat
from tests.delivery_helpers import record_digest, settle
from tests.digest_helpers import ledger_deliveries, send_digest, services_of
from tests.test_e2e_commands import STORY, post

BRIDGE_STORY = (
    "The harbour bridge reopened to traffic on Monday after a year of repairs. "
    "Engineers replaced the cables and strengthened the deck. "
    "Commuters had faced long detours while the bridge was closed. "
    "The city said the work finished two weeks ahead of schedule."
)

OTHER_ID = 5151


def started(application: Any) -> Services:
    found = services_of(application)
    assert found is not None
    return found


async def fire_soon(services: Services, *chat_ids: int, seconds: int = 2) -> datetime:
    """Move the chats' digest time a few seconds ahead (UTC zone), as stored in the database."""
    when = datetime.now(UTC) + timedelta(seconds=seconds)
    for chat_id in chat_ids:
        await services.store.subscribers.set_timezone(chat_id, "UTC", now=services.clock())
        at = when.time().replace(microsecond=0)
        await services.store.subscribers.set_digest_time(chat_id, at, now=services.clock())
    return when


async def wait_until(predicate: Any, timeout: float = 15.0) -> None:
    """Poll an async predicate until it holds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.1)


async def test_subscription_lifecycle_moves_the_job(harness: BotHarness, user: Chat) -> None:
    async with harness.run() as app:
        assert "not subscribed" in await user.ask("/unsubscribe")
        assert "Subscribed!" in await user.ask("/subscribe")
        assert "already subscribed" in await user.ask("/subscribe")
        assert services_of(app).schedule.next_run(USER_ID) is not None

        assert "07:30" in await user.ask("/settime 07:30")
        assert "Europe/Berlin" in await user.ask("/timezone Europe/Berlin")
        nxt = services_of(app).schedule.next_run(USER_ID)
        assert nxt is not None and (nxt.hour, nxt.minute) == (7, 30)
        assert nxt.utcoffset() == datetime.now(ZoneInfo("Europe/Berlin")).utcoffset()
        settings_text = await user.ask("/settings")
        assert "subscribed" in settings_text and "07:30" in settings_text and "Europe/Berlin" in settings_text

        assert "Unsubscribed" in await user.ask("/unsubscribe")
        await asyncio.sleep(0.05)
        assert services_of(app).schedule.next_run(USER_ID) is None


async def test_bad_time_and_zone_change_nothing(harness: BotHarness, user: Chat) -> None:
    async with harness.run() as app:
        await user.ask("/subscribe")
        for bad in ["/settime 25:99", "/settime", "/settime 7pm", "/settime 12:60"]:
            assert "Usage: /settime HH:MM" in await user.ask(bad)
        for bad in ["/timezone Mars/Base", "/timezone", "/timezone ../etc/passwd"]:
            assert "Usage: /timezone Area/City" in await user.ask(bad)
        sub = await started(app).store.subscribers.get(USER_ID)
        assert sub is not None and sub.digest_time is None and sub.timezone is None  # still the default


def test_digest_time_is_dst_aware() -> None:
    """A 19:00 New York digest is 23:00 UTC in summer and 00:00 UTC in winter."""
    sub = Subscriber(USER_ID, True, time(19, 0), "America/New_York", datetime.now(UTC), False)

    application: Any = ApplicationBuilder().token("123:not-started").build()
    schedule = DigestSchedule(application.job_queue, None, None, utc_now, retention_days=90)  # jobs only
    job = schedule.schedule(sub)
    trigger = job.job.trigger
    summer = trigger.get_next_fire_time(None, datetime(2026, 7, 1, 12, tzinfo=UTC))
    winter = trigger.get_next_fire_time(None, datetime(2026, 12, 1, 12, tzinfo=UTC))
    assert summer.astimezone(UTC).hour == 23 and winter.astimezone(UTC).hour == 0
    assert summer.hour == winter.hour == 19
    # across the March switch the local hour stays 19:00
    before = trigger.get_next_fire_time(None, datetime(2026, 3, 7, 12, tzinfo=UTC))
    after = trigger.get_next_fire_time(None, datetime(2026, 3, 8, 12, tzinfo=UTC))
    assert (before.hour, after.hour) == (19, 19)
    assert before.astimezone(UTC).hour == 0 and after.astimezone(UTC).hour == 23


def test_next_digest_looks_back_for_what_the_previous_plan_had_not_read() -> None:
    """Before the previous cut-off: only within the look-back and only what its plan had not read; a
    digest planned before plans were recorded keeps its exact cut-off; a first digest takes 24 hours."""
    cut = datetime(2026, 7, 1, 19, tzinfo=UTC)
    now = cut + timedelta(days=1)

    def story(article_id: int, created_at: datetime) -> Article:
        return Article(article_id, "t", "b", None, ADMIN_ID, created_at, "s", "lead", str(article_id))

    read = [
        story(1, cut - LOOK_BACK),  # before the look-back
        story(2, cut - timedelta(seconds=1)),  # read by the previous plan
        story(3, cut - timedelta(seconds=1)),  # stored after the previous plan read the articles
        story(4, cut),  # stamped at the cut-off, stored after it
        story(5, cut + timedelta(hours=1)),
    ]
    assert [a.id for a in new_articles(read, Cutoff(cut, frozenset({2})), now)] == [3, 4, 5]
    assert [a.id for a in new_articles(read, Cutoff(cut, None), now)] == [5]
    assert [a.id for a in new_articles(read, None, now)] == [5]
    assert read_start([Cutoff(cut, frozenset()), Cutoff(cut, None), None], now) == cut - LOOK_BACK
    assert read_start([], now) == now - LOOK_BACK
    assert recent_article_ids(read[:4], cut) == {2, 3, 4}  # a read ends at its cut-off


async def test_digest_command(harness: BotHarness, admin: Chat, user: Chat) -> None:
    async with harness.run():
        assert "Nothing new" in await user.ask("/digest")
        await post(admin, "Council approves budget", STORY)
        text = await user.ask("/digest")
        assert "Your digest" in text and "Council approves budget" in text and "/subscribe" in text


async def test_evening_digest_from_the_job_queue_exactly_once(
    harness: BotHarness, emulator: FakeBotAPI, admin: Chat, user: Chat
) -> None:
    async with harness.run() as app:
        await user.ask("/subscribe")
        await post(admin, "Council approves budget", STORY)
        await fire_soon(started(app), USER_ID)

    # Restart: the job is rebuilt from the database and fires a couple of seconds later.
    async with harness.run():
        (message,) = await emulator.wait_for(USER_ID, 1, timeout=20)
        assert "Your digest" in message.text and "Council approves budget" in message.text
        assert "1 story" in message.text
        # the compact layout's buttons travel through the ledger with the part
        assert message.reply_markup is not None
        labels = [b["text"] for row in message.reply_markup["inline_keyboard"] for b in row]
        assert any("summary" in label for label in labels), labels

    # Restart the same evening with the job due again: the deliveries table prevents a second digest.
    async with harness.run() as app:
        await fire_soon(started(app), USER_ID)
        sub = await started(app).store.subscribers.get(USER_ID)
        assert sub is not None
        services_of(app).schedule.schedule(sub)
        fired_at = datetime.now(UTC) + timedelta(seconds=2)

        async def fired() -> bool:
            nxt = services_of(app).schedule.next_run(USER_ID)
            return nxt is not None and nxt > fired_at + timedelta(hours=1)

        await wait_until(fired)
        await asyncio.sleep(1.0)
        assert len(emulator.sent(USER_ID)) == 2  # the /subscribe reply and the one digest, nothing more


async def test_blocked_user_is_unsubscribed_and_others_still_get_theirs(
    harness: BotHarness, emulator: FakeBotAPI, admin: Chat
) -> None:
    reader, blocker = Chat(emulator, USER_ID), Chat(emulator, OTHER_ID)
    async with harness.run() as app:
        await reader.ask("/subscribe")
        await blocker.ask("/subscribe")
        await post(admin, "Council approves budget", STORY)
        services = started(app)
        emulator.block(OTHER_ID)
        await fire_soon(services, USER_ID, OTHER_ID)
        for sub in await services.store.subscribers.subscribed():
            services_of(app).schedule.schedule(sub)

        (message,) = await emulator.wait_for(USER_ID, 1, timeout=20)
        assert "Council approves budget" in message.text

        async def blocked() -> bool:
            sub = await services.store.subscribers.get(OTHER_ID)
            return sub is not None and sub.blocked and not sub.subscribed

        await wait_until(blocked)
        assert services_of(app).schedule.next_run(OTHER_ID) is None
        assert "Your settings" in await reader.ask("/settings")  # still answering


async def test_nothing_new_sends_nothing(harness: BotHarness, emulator: FakeBotAPI, user: Chat) -> None:
    async with harness.run() as app:
        await user.ask("/subscribe")
        services = started(app)
        status = await send_digest(services, USER_ID)
        assert status == "empty"
        assert len(emulator.sent(USER_ID)) == 1  # only the /subscribe reply
        assert ADMIN_ID not in {m.chat_id for m in emulator.sent()}


async def test_article_posted_while_a_digest_is_sent_comes_in_digest_and_next_digest_once(
    harness: BotHarness, emulator: FakeBotAPI, admin: Chat, user: Chat
) -> None:
    """The fan-out's content cut-off splits the article stream: one posted after a digest was planned
    (while it was still being sent) is not in that digest, is what /digest shows afterwards, and is in
    the next digest exactly once; the first digest's article shows up in neither."""
    async with harness.run() as app:
        services = started(app)
        await user.ask("/subscribe")
        await post(admin, "Council approves budget", STORY)
        emulator.set_delay(2.0, "sendMessage")  # keep the digest "being sent" for a while
        services.fanout.request(USER_ID)  # what the chat's digest job does

        async def sending() -> bool:
            return [status for _, status, _ in await ledger_deliveries(services.store)] == ["sending"]

        await wait_until(sending)
        later = (
            await services.ingestor.ingest(Draft("Harbour bridge reopens", BRIDGE_STORY), posted_by=ADMIN_ID)
        ).article
        assert await sending()  # stored while the digest was on its way
        emulator.set_delay(0, "sendMessage")
        await settle(services.store, 1)
        (first,) = await emulator.wait_for(USER_ID, 1)
        assert "Your digest for" in first.text and "Council approves budget" in first.text
        assert later.title not in first.text

        await check_preview_and_next_digest(services, emulator, user, later.title)


async def test_article_stamped_before_a_cut_off_but_stored_after_the_plan_comes_next_digest_once(
    harness: BotHarness, emulator: FakeBotAPI, admin: Chat, user: Chat
) -> None:
    """The cut-off race: an article whose created_at is stamped just before a digest's cut-off but whose
    INSERT commits only after that digest's plan read the articles is not in that digest; /digest shows
    it and the next digest carries it exactly once. The article the first digest carried (also stamped
    within the look-back before its cut-off) is repeated in neither."""
    async with harness.run() as app:
        services = started(app)
        await user.ask("/subscribe")
        await post(admin, "Council approves budget", STORY)
        stamped = services.clock() - timedelta(milliseconds=1)  # before the cut-off the plan takes next
        assert await send_digest(services, USER_ID) == "sent"
        (first,) = await emulator.wait_for(USER_ID, 1)
        assert "Council approves budget" in first.text

        clock = services.ingestor.clock
        services.ingestor.clock = lambda: stamped
        try:  # ...but committed only now, after that digest was planned (and sent)
            late = (
                await services.ingestor.ingest(Draft("Harbour bridge reopens", BRIDGE_STORY), ADMIN_ID)
            ).article
        finally:
            services.ingestor.clock = clock

        await check_preview_and_next_digest(services, emulator, user, late.title)


async def check_preview_and_next_digest(
    services: Services, emulator: FakeBotAPI, user: Chat, title: str
) -> None:
    """/digest shows `title` once, not the first digest's story; tomorrow's digest carries only it, once."""
    shown = " ".join(m.text for m in await user.send("/digest"))
    assert shown.count(title) == 1 and "Council approves budget" not in shown

    tomorrow = services.clock() + timedelta(days=1)
    assert await services.fanout.planner.plan([USER_ID], tomorrow)
    services.delivery.kick()
    await settle(services.store, 2)
    (second,) = await emulator.wait_for(USER_ID, 1)
    assert "Your digest for" in second.text and "1 story" in second.text
    assert second.text.count(title) == 1 and "Council approves budget" not in second.text
    assert len(emulator.sent(USER_ID)) == 4  # /subscribe's reply, the two digests, /digest's reply


async def test_old_digests_are_pruned_daily_by_the_job_queue(
    harness: BotHarness, emulator: FakeBotAPI, user: Chat
) -> None:
    """The daily prune job (03:17 UTC) deletes deliveries past LEDGER_RETENTION_DAYS, not a chat's latest."""
    async with harness.run(ledger_retention_days=31) as app:
        services = started(app)
        await user.ask("/subscribe")
        now = services.clock()
        old = now - timedelta(days=40)
        for days_ago in (41, 40):  # two old digests of this chat, the second its latest sent one
            at = now - timedelta(days=days_ago)
            await record_digest(services.store, USER_ID, at.date(), "sent", at)
        (job,) = app.job_queue.get_jobs_by_name(PRUNE_JOB)
        assert job.next_t is not None and (job.next_t.hour, job.next_t.minute) == (3, 17)
        assert job.next_t.utcoffset() == timedelta(0)
        await job.run(app)
        (kept,) = await ledger_deliveries(services.store)
        assert kept[:2] == (USER_ID, "sent")
        assert (await services.store.ledger.last_cutoffs([USER_ID]))[USER_ID].at == old


async def test_chats_without_their_own_time_follow_the_outlets_default_across_restarts(
    harness: BotHarness, emulator: FakeBotAPI
) -> None:
    """DIGEST_TIME / TIMEZONE are the outlet's defaults: a chat that never chose follows the current one
    (restart with new defaults: its job moves); /settime and /timezone make a choice of its own, and
    `default` returns to the outlet's."""
    follower, chooser = Chat(emulator, USER_ID), Chat(emulator, OTHER_ID)
    async with harness.run():
        assert "19:00 (UTC)" in await follower.ask("/subscribe")
        shown = await follower.ask("/settings")
        assert (
            "Time: 19:00 (the outlet's default)" in shown and "Time zone: UTC (the outlet's default)" in shown
        )
        await chooser.ask("/subscribe")
        assert "07:30" in await chooser.ask("/settime 07:30")
        shown = await chooser.ask("/settings")
        assert "Time: 07:30 (your time)" in shown and "/settime default" in shown

    async with harness.run(digest_time=time(18, 0), timezone="America/New_York") as app:
        schedule = started(app).schedule
        for chat_id, hour in ((USER_ID, 18), (OTHER_ID, 7)):  # the chooser keeps 07:30, in the new zone
            nxt = schedule.next_run(chat_id)
            assert nxt is not None and (nxt.hour, nxt.minute) == (hour, 0 if hour == 18 else 30)
            assert nxt.utcoffset() == nxt.astimezone(ZoneInfo("America/New_York")).utcoffset()
        shown = await follower.ask("/settings")
        assert "Time: 18:00 (the outlet's default)" in shown
        assert "Time zone: America/New_York (the outlet's default)" in shown
        assert "the outlet's default: 18:00 (America/New_York)" in await chooser.ask("/settime default")
        assert "Europe/Berlin" in await chooser.ask("/timezone Europe/Berlin")
        nxt = schedule.next_run(OTHER_ID)
        assert nxt is not None and nxt.hour == 18 and nxt.tzinfo == ZoneInfo("Europe/Berlin")
        reply = await chooser.ask("/timezone default")
        assert "follows the outlet's default, America/New_York: digest at 18:00" in reply
        assert "Time zone: America/New_York (the outlet's default)" in await chooser.ask("/settings")
        sub = await started(app).store.subscribers.get(OTHER_ID)
        assert sub is not None and (sub.digest_time, sub.timezone) == (None, None)


async def test_a_new_default_time_fires_the_followers_digest_after_a_restart(
    harness: BotHarness, emulator: FakeBotAPI, admin: Chat, user: Chat
) -> None:
    """Subscribe under the default; restart with DIGEST_TIME a few seconds ahead: the digest comes then."""
    async with harness.run():
        await user.ask("/subscribe")
        await post(admin, "Council approves budget", STORY)
    due = datetime.now(UTC) + timedelta(seconds=5)
    async with harness.run(digest_time=due.time().replace(microsecond=0), timezone="UTC") as app:
        nxt = started(app).schedule.next_run(USER_ID)
        assert nxt is not None and abs(nxt - due) < timedelta(seconds=1)
        (digest,) = await emulator.wait_for(USER_ID, 1, timeout=20)
        assert "Council approves budget" in digest.text
        assert datetime.now(UTC) >= due - timedelta(seconds=1)
        await settle(started(app).store, 1)
        assert [status for _, status, _ in await ledger_deliveries(started(app).store)] == ["sent"]
