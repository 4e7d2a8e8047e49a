"""End to end: editors correct a stored article; the correction is what readers get from then on."""

from __future__ import annotations

import re

from bot.config import Settings
from bot.emulator import FakeBotAPI
from bot.ingest.meta import LanguageDetector
from bot.services import Services
from summarizer import Summarizer
from summarizer.embedding import Embedder
from tests.conftest import USER_ID, BotHarness, Chat
from tests.digest_helpers import send_digest, services_of
from tests.test_e2e_commands import post
from tests.test_semantic_index import Faulty

# Every test here runs the bot: through the `services` fixture (the `app` one), or with its own harness.

STORY = (
    "The city council approved a new budget on Tuesday after months of debate. "
    "The plan raises spending on public transport by twelve percent. "
    "Critics said the increase would strain the city's reserves. "
    "The mayor said new buses would cut congestion and pollution in the centre."
)
EDITED = "Councillors passed the budget; the lighthouse restoration fund doubles."


async def test_edited_summary_is_used_by_the_next_digest_and_search(
    admin: Chat, user: Chat, services: Services, emulator: FakeBotAPI
) -> None:
    assert (await admin.result(f"/post Council approves budget\n{STORY}")).startswith("Posted as #1")
    machine = (await services.store.articles.get(1)).summary  # type: ignore[union-attr]
    assert "lighthouse" not in machine
    assert "Nothing found" in await user.ask("/search lighthouse")

    reply = await admin.ask(f"/edit 1 summary {EDITED}")
    assert "summary replaced" in reply and EDITED in reply
    article = await services.store.articles.get(1)
    assert article is not None and article.summary == EDITED and article.summary_edited_by == 111
    assert await services.store.articles.revisions(1) == [("summary", machine, 111)]  # the machine one kept

    assert "Council approves budget" in await user.ask("/search lighthouse")  # the FTS index follows
    assert EDITED in await user.ask("/summary 1")
    assert "title replaced" in await admin.ask("/edit 1 title Budget   passed")
    assert "Budget passed" in await user.ask("/latest")
    assert "layout" in await user.ask("/settings layout full")
    assert "Subscribed" in await user.ask("/subscribe")
    assert await send_digest(services, USER_ID) == "sent"
    digest = [m for m in emulator.sent(USER_ID) if m.text.startswith("📰")][-1]
    assert EDITED in digest.text and machine not in digest.text

    again = await admin.ask("/resummarize 1")
    assert machine in again
    article = await services.store.articles.get(1)
    assert article is not None and article.summary == machine and article.summary_edited_by is None


async def test_edit_bad_input_changes_nothing(admin: Chat, user: Chat, services: Services) -> None:
    assert (await admin.result(f"/post Council approves budget\n{STORY}")).startswith("Posted as #1")
    before = await services.store.articles.get(1)
    for bad in ["/edit", "/edit 1", "/edit 1 summary", "/edit x summary text", "/edit 1 body text"]:
        assert "Usage: /edit" in await admin.ask(bad), bad
    assert "There is no article #9" in await admin.ask("/edit 9 title New")
    assert "too long" in await admin.ask("/edit 1 title " + "x" * 301)
    assert "Usage: /resummarize" in await admin.ask("/resummarize")
    assert "only the outlet's editors" in await user.ask("/edit 1 title Hacked")
    assert await services.store.articles.get(1) == before
    assert await services.store.articles.revisions(1) == []


# An edit that changes what the article is about, and a query for each subject that shares no word (as a
# prefix) with either article: only the embeddings can find them. Measured with MiniLM (cosines): "marine
# mammals" vs the budget story 0.03 before the edit, 0.30 after (search threshold 0.25); "municipal fiscal
# plans" vs the budget story 0.53 before, 0.44 after, vs the town-hall story 0.48.
WHALE = (
    "A humpback whale calf was freed from fishing nets off the coast by volunteer divers. Scientists "
    "fitted it with a satellite tag and will follow its migration to Antarctic feeding grounds."
)
TOWN_HALL = (
    "Town hall agrees spending plan",
    "Councillors in the northern town voted on Monday for a spending plan that cuts library hours and "
    "raises parking fees. Officials said the cuts were needed to close a deficit left by falling tax income.",
)
NEW_SUBJECT, OLD_SUBJECT = "marine mammals", "municipal fiscal plans"


def first_result(reply: str) -> int | None:
    """The id of the first article a /search reply lists (None: nothing found)."""
    found = re.search(r"#(\d+)", reply)
    return None if "Nothing found" in reply or found is None else int(found.group(1))


async def test_an_edited_summary_is_searched_by_its_new_meaning(
    admin: Chat, user: Chat, services: Services
) -> None:
    budget = await post(admin, "Council approves budget", STORY)
    town = await post(admin, *TOWN_HALL)
    for query in (NEW_SUBJECT, OLD_SUBJECT):  # no word of either query in either article
        assert await services.store.articles.keyword_ids(query) == [], query
    assert first_result(await user.ask(f"/search {NEW_SUBJECT}")) is None
    assert first_result(await user.ask(f"/search {OLD_SUBJECT}")) == budget
    (before,) = (await services.semantic.vectors_of([budget])).values()

    assert "summary replaced" in await admin.ask(f"/edit {budget} summary {WHALE}")
    (after,) = (await services.semantic.vectors_of([budget])).values()
    assert float(before @ after) < 0.95  # the stored vector was replaced...
    assert first_result(await user.ask(f"/search {NEW_SUBJECT}")) == budget  # ...and the index's row
    assert first_result(await user.ask(f"/search {OLD_SUBJECT}")) == town
    assert await services.store.articles.keyword_ids(NEW_SUBJECT) == []  # still: found by meaning

    # /resummarize puts the machine summary back, and its meaning
    assert "summarized again" in await admin.ask(f"/resummarize {budget}")
    assert first_result(await user.ask(f"/search {NEW_SUBJECT}")) is None
    assert first_result(await user.ask(f"/search {OLD_SUBJECT}")) == budget


async def test_an_edit_the_embedder_fails_on_is_kept_and_says_search_by_meaning_lags(
    settings: Settings,
    emulator: FakeBotAPI,
    extractive: Summarizer,
    embedder: Embedder,
    languages: LanguageDetector,
    admin: Chat,
    user: Chat,
) -> None:
    faulty = BotHarness(settings, emulator, extractive, Faulty(embedder, "zeppelin"), languages)
    async with faulty.run() as app:
        services = services_of(app)
        budget = await post(admin, "Council approves budget", STORY)
        (before,) = (await services.semantic.vectors_of([budget])).values()
        reply = await admin.ask(f"/edit {budget} summary A zeppelin landed on the town hall roof.")
        assert "summary replaced" in reply and "Search by meaning could not be updated" in reply
        assert "zeppelin landed" in await user.ask(f"/summary {budget}")  # the edit is kept
        (after,) = (await services.semantic.vectors_of([budget])).values()
        assert float(before @ after) > 0.9999  # the previous vector stays
        assert "Council approves budget" in await user.ask("/search landed")  # found by its words
        reply = await admin.ask(f"/edit {budget} summary {WHALE}")  # the next edit embeds again
        assert "summary replaced" in reply and "could not be updated" not in reply
        assert first_result(await user.ask(f"/search {NEW_SUBJECT}")) == budget
