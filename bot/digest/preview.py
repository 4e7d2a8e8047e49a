"""/digest: what the chat's next scheduled digest would carry if it were cut now, laid out the same way."""

from __future__ import annotations

from bot.digest.render import DigestMessage, DigestRenderer
from bot.digest.selection import new_articles, window_start
from bot.formatting import Reader
from bot.storage import Layout, Store


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
