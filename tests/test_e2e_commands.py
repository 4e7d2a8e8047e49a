"""End to end: the real Application, polling the fake Bot API over HTTP, driven as users would."""

from __future__ import annotations

import pytest

from bot.emulator import FakeBotAPI
from bot.services import Services
from tests.conftest import ADMIN_ID, Chat

pytestmark = pytest.mark.usefixtures("app")

STORY = (
    "The city council approved a new budget on Tuesday after months of debate. "
    "The plan raises spending on public transport by twelve percent. "
    "Critics said the increase would strain the city's reserves. "
    "The mayor argued that better buses would cut traffic and pollution. "
    "Council members voted seven to four in favour of the proposal. "
    "The new budget takes effect in January."
)


async def post(admin: Chat, title: str, body: str) -> int:
    """Post an article as the admin and return its id, read from the bot's reply."""
    reply = await admin.result(f"/post {title}\n{body}")
    assert reply.startswith("Posted as #"), reply
    return int(reply.removeprefix("Posted as #").split(":", 1)[0])


async def test_start_and_help(user: Chat, admin: Chat) -> None:
    welcome = await user.ask("/start")
    assert "/subscribe" in welcome and "19:00" in welcome
    help_text = await user.ask("/help")
    for command in ["/latest", "/summary", "/search", "/digest", "/settime", "/timezone", "/settings"]:
        assert command in help_text
    assert "/post" not in help_text
    assert "/post" in await admin.ask("/help")


async def test_command_menu_is_registered(emulator: FakeBotAPI) -> None:
    calls = emulator.calls("setMyCommands")
    assert calls, "setMyCommands was never called"
    default_menu = [c for c in calls if "scope" not in c.params or "default" in str(c.params.get("scope"))]
    assert "subscribe" in str(default_menu[0].params["commands"])
    assert any(
        str(ADMIN_ID) in str(c.params.get("scope")) and "post" in str(c.params["commands"]) for c in calls
    )


async def test_unknown_command_and_plain_text_get_hints(user: Chat) -> None:
    assert "/help" in await user.ask("/frobnicate now")
    assert "/help" in await user.ask("hello bot 👋")


async def test_post_then_read_it_back(admin: Chat, user: Chat, services: Services) -> None:
    article_id = await post(admin, "Council approves budget", STORY)
    stored = await services.store.articles.get(article_id)
    assert stored is not None
    assert stored.title == "Council approves budget"
    assert stored.body == STORY
    assert stored.posted_by == ADMIN_ID
    assert stored.summarizer == "extractive"
    assert stored.summary
    assert all(sentence.rstrip(".") in STORY for sentence in stored.summary.split(". "))

    latest = await user.ask("/latest")
    assert "Council approves budget" in latest and f"#{article_id}" in latest
    summary = await user.ask(f"/summary {article_id}")
    assert stored.summary in summary and "Posted" in summary
    found = await user.ask("/search transport budget")
    assert "Council approves budget" in found


async def test_search_ranks_by_relevance(admin: Chat, user: Chat) -> None:
    await post(admin, "Weather", "Rain is expected tomorrow. Farmers welcome the rain after a dry month.")
    await post(
        admin, "Rail strike", "Rail workers strike. The rail union says the rail strike will last a week."
    )
    reply = await user.ask("/search rail")
    assert "Rail strike" in reply and "Weather" not in reply
    assert "Nothing found" in await user.ask("/search zeppelin")
    assert "Usage" in await user.ask("/search")


async def test_latest_bad_and_empty(user: Chat) -> None:
    assert "No articles yet" in await user.ask("/latest")
    for bad in ["/latest abc", "/latest 0", "/latest 500", "/latest 1 2"]:
        assert "Usage: /latest" in await user.ask(bad)


@pytest.mark.parametrize("command", ["/summary abc", "/summary", "/summary -3", "/summary 1.5"])
async def test_summary_bad_id_gets_usage(user: Chat, command: str) -> None:
    assert "Usage: /summary" in await user.ask(command)


async def test_summary_unknown_id(user: Chat) -> None:
    assert "There is no article #999999" in await user.ask("/summary 999999")


async def test_non_admin_cannot_post_or_delete(admin: Chat, user: Chat, services: Services) -> None:
    article_id = await post(admin, "Kept", STORY)
    assert "only the outlet's editors" in await user.ask(f"/post Sneaky\n{STORY} Extra.")
    assert "only the outlet's editors" in await user.ask(f"/delete {article_id}")
    assert "only the outlet's editors" in await user.ask("/stats")
    assert [a.id for a in await services.store.articles.latest(10)] == [article_id]


@pytest.mark.parametrize("text", ["/post", "/post   ", "/post Only a title"])
async def test_post_without_text_gets_usage(admin: Chat, services: Services, text: str) -> None:
    assert "Usage: /post Title" in await admin.ask(text)
    assert await services.store.articles.latest(5) == []


async def test_post_too_long_is_refused(admin: Chat, services: Services) -> None:
    body = "This sentence is filler for a very long article. " * 2100  # > 100,000 characters
    reply = await admin.ask(f"/post Long one\n{body}")
    assert "too long" in reply and "100,000" in reply
    assert await services.store.articles.latest(5) == []


async def test_duplicate_post_is_refused(admin: Chat, services: Services) -> None:
    article_id = await post(admin, "Council approves budget", STORY)
    reply = await admin.ask(f"/post Another title\n{STORY.upper()}")
    assert f"Already posted as #{article_id}" in reply
    assert len(await services.store.articles.latest(5)) == 1


async def test_post_as_reply_to_a_forwarded_message(
    admin: Chat, emulator: FakeBotAPI, services: Services
) -> None:
    forwarded = emulator.send_message(
        ADMIN_ID, f"Budget passes\n{STORY}", user_id=ADMIN_ID, forward_from_chat_title="City News"
    )
    (hint,) = await emulator.wait_for(ADMIN_ID, 1)
    assert "/post" in hint.text
    reply = await admin.result("/post", reply_to_message_id=forwarded["message_id"])
    assert reply.startswith("Posted as #")
    (article,) = await services.store.articles.latest(1)
    assert article.title == "Budget passes"
    assert article.body == STORY


async def test_html_emoji_and_non_latin_text_round_trip(admin: Chat, user: Chat, services: Services) -> None:
    title = "<script>alert('x')</script> a < b & c 🚀"
    body = (
        "Москва объявила о новых мерах поддержки. 東京では新しい政策が発表された。 "
        "Engineers wrote <b>bold</b> claims & said a < b > c. 🎉 The launch went well. "
        "Officials promised more news next week."
    )
    article_id = await post(admin, title, body)
    stored = await services.store.articles.get(article_id)
    assert stored is not None and stored.title == title and stored.body == body
    shown = await user.ask(f"/summary {article_id}")
    assert title in shown  # displayed literally: escaped on the way out, accepted by the HTML parser
    assert "<script>" in (await user.ask("/latest 1"))


async def test_delete(admin: Chat, user: Chat) -> None:
    article_id = await post(admin, "To be removed", STORY)
    assert f"Deleted article #{article_id}" in await admin.ask(f"/delete {article_id}")
    assert f"There is no article #{article_id}" in await user.ask(f"/summary {article_id}")
    assert "Nothing found" in await user.ask("/search council")
    assert "There is no article" in await admin.ask(f"/delete {article_id}")
    assert "Usage: /delete" in await admin.ask("/delete x")


async def test_stats_for_admin(admin: Chat, user: Chat) -> None:
    await user.ask("/subscribe")
    await post(admin, "Council approves budget", STORY)
    stats = await admin.ask("/stats")
    assert "Subscribers: 1 active of 1" in stats
    assert "Articles: 1" in stats


async def test_long_listing_is_split_under_the_limit(admin: Chat, user: Chat, emulator: FakeBotAPI) -> None:
    for i in range(8):
        long_sentence = f"Story {i} reports that " + "the committee heard evidence and " * 12 + "adjourned."
        await post(admin, f"Story number {i} " + "x" * 250, " ".join([long_sentence] * 3))
    parts = await user.send("/latest 8", replies=2)
    assert "Latest 8" in parts[0].text and "Story number 7" in parts[0].text
    while "Story number 0 " not in parts[-1].text:  # the oldest article closes the last part
        parts += await emulator.wait_for(user.user_id, 1)
    for message in emulator.sent(user.user_id):
        assert len(message.text.encode("utf-16-le")) // 2 <= 4096
