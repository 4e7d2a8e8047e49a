"""End to end: editors correct a stored article; the correction is what readers get from then on."""

from __future__ import annotations

import pytest

from bot.emulator import FakeBotAPI
from bot.services import Services
from tests.conftest import USER_ID, Chat
from tests.digest_helpers import send_digest

pytestmark = pytest.mark.usefixtures("app")

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
