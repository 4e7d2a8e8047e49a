"""/digest: what the chat's next scheduled digest would carry if it were cut now, laid out the same way;
and what a digest already sent carried (a channel edition's full text, opened from its deep link)."""

from __future__ import annotations

from datetime import datetime

from bot.digest.render import DigestMessage, DigestRenderer
from bot.digest.selection import new_articles, window_start
from bot.formatting import Reader
from bot.storage import Article, Layout, Store


async def preview(
    store: Store, renderer: DigestRenderer, chat_id: int, reader: Reader, *, layout: Layout
) -> list[DigestMessage]:
    """The chat's digest as of `reader.now`, in its zone and language: its topics applied, same-event
    articles merged, in its layout.

    The same selection as the planner (`Ledger.last_cutoffs`, `selection.new_articles`): what came after
    the content cut-off of the chat's latest digest that Telegram accepted, not the time it finished
    sending, plus what was stamped just before that cut-off but stored after its plan read the
    articles. So an article posted while that digest was planned or sent is shown here and goes out in
    the next digest, once. A read-only look: it moves no cut-off, so the next digest still carries
    everything since the last one whether or not the user looked in between (first: the last 24 hours).
    """
    now = reader.now
    cutoff = (await store.ledger.last_cutoffs([chat_id])).get(chat_id)
    read = await store.articles.between(window_start(cutoff, now), now)
    articles = new_articles(read, cutoff, now)
    if not articles:
        return []
    day = reader.local(now).date()
    topics = await store.topics.of_chat(chat_id)
    return await renderer.messages(articles, day, layout, topics, reader)


async def edition_articles(store: Store, chat_id: int, cutoff: datetime) -> list[Article]:
    """The articles the chat's digest cut at `cutoff` carried (a channel edition's "▾ summaries"): the same
    selection as its plan made, from the chat's sent digest before it (`Ledger.previous_cutoff`). An article
    deleted since is left out."""
    previous = await store.ledger.previous_cutoff(chat_id, cutoff)
    read = await store.articles.between(window_start(previous, cutoff), cutoff)
    return new_articles(read, previous, cutoff)
