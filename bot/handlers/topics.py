"""/topics, /follow, /mute, /unfollow and /unmute: what a subscriber's digest puts first or leaves out."""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from bot.formatting import esc
from bot.handlers.replies import chat_id, reply
from bot.semantic.search import to_bytes
from bot.semantic.topics import MAX_TOPIC_CHARS, MAX_TOPICS, normalize_phrase
from bot.services import Services
from bot.storage.types import Article, Topic, TopicKind

_VERB = {TopicKind.FOLLOW: "Following", TopicKind.MUTE: "Muted"}


async def add_topic(
    services: Services,
    chat: int,
    kind: TopicKind,
    phrase: str,
    vector: bytes | None,
    *,
    story: int | None = None,
) -> str:
    """Follow or mute a phrase for the chat; return the reply (a refusal when the list is full).

    `story`: the article a 🔇 button mutes (its title is the phrase, its embedding the vector): only that
    story and other reports of the same event are left out. The caller holds the chat's lock.
    """
    known = await services.store.topics.of_chat(chat)
    if len(known) >= MAX_TOPICS and all(t.phrase != phrase for t in known):
        return f"You already have {MAX_TOPICS} topics — remove one with /unfollow or /unmute first."
    if vector is None:
        embedded = await services.semantic.embed_one(phrase)
        vector = to_bytes(embedded) if embedded is not None else None
    await services.store.topics.set(chat, kind, phrase, vector, now=services.clock(), article_id=story)
    if story is not None:
        return f"Muted this story (“{esc(phrase)}”) and other reports of it. /topics lists your topics."
    return f"{_VERB[kind]} “{esc(phrase)}”. /topics lists your topics."


async def story_topic(services: Services, article: Article) -> tuple[str, bytes | None]:
    """The topic of "stories like this one" (👍, 🔇, a channel's 👍 link): the article's title as the
    phrase, its stored embedding as the vector."""
    vector = (await services.semantic.vectors_of([article.id])).get(article.id)
    return normalize_phrase(article.title)[:MAX_TOPIC_CHARS], to_bytes(vector) if vector is not None else None


def _usage(command: str) -> str:
    return (
        f"Usage: /{command} &lt;words&gt;, e.g. <code>/{command} European Union</code> "
        f"(at most {MAX_TOPIC_CHARS} characters)."
    )


async def _set(update: Update, context: Context, kind: TopicKind) -> None:
    raw = " ".join(context.args or [])
    phrase = normalize_phrase(raw)
    if not any(ch.isalnum() for ch in phrase) or len(" ".join(raw.split())) > MAX_TOPIC_CHARS:
        await reply(update, context, _usage(kind))
        return
    services = context.services
    await reply(update, context, await add_topic(services, chat_id(update), kind, phrase, None))


async def follow(update: Update, context: Context) -> None:
    """Follow a topic: matching stories come first in the digest."""
    await _set(update, context, TopicKind.FOLLOW)


async def mute(update: Update, context: Context) -> None:
    """Mute a topic: matching stories are left out of the digest."""
    await _set(update, context, TopicKind.MUTE)


async def _remove(update: Update, context: Context, kind: TopicKind) -> None:
    phrase = normalize_phrase(" ".join(context.args or []))
    command = "unfollow" if kind == TopicKind.FOLLOW else "unmute"
    if not phrase:
        await reply(update, context, f"Usage: /{command} &lt;words&gt; — /topics lists your topics.")
        return
    services = context.services
    chat = chat_id(update)
    matches = [t for t in await services.store.topics.of_chat(chat) if t.kind == kind]
    target = next((t for t in matches if t.phrase.casefold() == phrase.casefold()), None)
    if target is None:
        await reply(update, context, f"You don't {kind} “{esc(phrase)}”. /topics lists your topics.")
        return
    await services.store.topics.remove(chat, target.phrase, kind)
    await reply(update, context, f"Removed “{esc(target.phrase)}”.")


async def unfollow(update: Update, context: Context) -> None:
    """Stop following a topic."""
    await _remove(update, context, TopicKind.FOLLOW)


async def unmute(update: Update, context: Context) -> None:
    """Stop muting a topic."""
    await _remove(update, context, TopicKind.MUTE)


# What each kind of topic matches, as /topics says it.
_MATCHES = {
    "follow": "stories with these words or on these subjects come first",
    "mute": "stories with these words or on these subjects are left out",
    "story": "each of these stories, and other reports of the same event, is left out",
}


def topics_html(topics: list[Topic]) -> str:
    """The /topics listing: followed topics, muted topics and muted stories, each with what it matches."""
    if not topics:
        return (
            "You follow no topics yet.\n"
            "/follow <i>words</i> puts matching stories first in your digest; "
            "/mute <i>words</i> leaves them out. Matching goes by meaning too: "
            "following “EU” also finds “European Union”. "
            "A digest's 🔇 button mutes just that story (and other reports of it)."
        )
    groups = [
        ("Following", "follow", [t for t in topics if t.kind == TopicKind.FOLLOW]),
        ("Muted", "mute", [t for t in topics if t.kind == TopicKind.MUTE and not t.is_story]),
        ("Muted stories", "story", [t for t in topics if t.kind == TopicKind.MUTE and t.is_story]),
    ]
    lines = ["<b>Your topics</b>"]
    for title, key, members in groups:
        if members:
            phrases = ", ".join(esc(t.phrase) for t in members)
            lines.append(f"{title}: {phrases}\n<i>({_MATCHES[key]})</i>")
    lines.append("\n/unfollow <i>words</i> or /unmute <i>words</i> removes one.")
    return "\n".join(lines)


async def topics(update: Update, context: Context) -> None:
    """Show the chat's followed and muted topics."""
    services = context.services
    await reply(update, context, topics_html(await services.store.topics.of_chat(chat_id(update))))
