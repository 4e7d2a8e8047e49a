"""/topics, /follow, /mute, /unfollow and /unmute: what a subscriber's digest puts first or leaves out."""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from bot.formatting import esc
from bot.handlers.replies import chat_id, reply, tr
from bot.i18n.translator import N_, Translator
from bot.semantic.search import to_bytes
from bot.semantic.topics import MAX_TOPIC_CHARS, MAX_TOPICS, normalize_phrase
from bot.services import Services
from bot.storage.types import Article, Topic, TopicKind

_DONE = {TopicKind.FOLLOW: N_("Following “{topic}”."), TopicKind.MUTE: N_("Muted “{topic}”.")}
_NOT_THERE = {
    TopicKind.FOLLOW: N_("You don't follow “{topic}”. /topics lists your topics."),
    TopicKind.MUTE: N_("You don't mute “{topic}”. /topics lists your topics."),
}


async def add_topic(
    services: Services,
    chat: int,
    kind: TopicKind,
    phrase: str,
    vector: bytes | None,
    t: Translator,
    *,
    story: int | None = None,
) -> str:
    """Follow or mute a phrase for the chat; return the reply in `t`'s language (a refusal when the list
    is full).

    `story`: the article a 🔇 button mutes (its title is the phrase, its embedding the vector): only that
    story and other reports of the same event are left out. The caller holds the chat's lock.
    """
    known = await services.store.topics.of_chat(chat)
    if len(known) >= MAX_TOPICS and all(topic.phrase != phrase for topic in known):
        return t(
            "You already have {most} topics — remove one with /unfollow or /unmute first.", most=MAX_TOPICS
        )
    if vector is None:
        embedded = await services.semantic.embed_one(phrase)
        vector = to_bytes(embedded) if embedded is not None else None
    await services.store.topics.set(chat, kind, phrase, vector, now=services.clock(), article_id=story)
    if story is not None:
        return t(
            "Muted this story (“{topic}”) and other reports of it. /topics lists your topics.",
            topic=esc(phrase),
        )
    return t(_DONE[kind], topic=esc(phrase)) + " " + t("/topics lists your topics.")


async def story_topic(services: Services, article: Article) -> tuple[str, bytes | None]:
    """The topic of "stories like this one" (👍, 🔇, a channel's 👍 link): the article's title as the
    phrase, its stored embedding as the vector."""
    vector = (await services.semantic.vectors_of([article.id])).get(article.id)
    return normalize_phrase(article.title)[:MAX_TOPIC_CHARS], to_bytes(vector) if vector is not None else None


def _usage(command: str, t: Translator) -> str:
    return t(
        "Usage: /{command} &lt;words&gt;, e.g. <code>/{command} European Union</code> "
        "(at most {most} characters).",
        command=command,
        most=MAX_TOPIC_CHARS,
    )


async def _set(update: Update, context: Context, kind: TopicKind) -> None:
    t = await tr(update, context)
    raw = " ".join(context.args or [])
    phrase = normalize_phrase(raw)
    if not any(ch.isalnum() for ch in phrase) or len(" ".join(raw.split())) > MAX_TOPIC_CHARS:
        await reply(update, context, _usage(kind, t))
        return
    services = context.services
    await reply(update, context, await add_topic(services, chat_id(update), kind, phrase, None, t))


async def follow(update: Update, context: Context) -> None:
    """Follow a topic: matching stories come first in the digest."""
    await _set(update, context, TopicKind.FOLLOW)


async def mute(update: Update, context: Context) -> None:
    """Mute a topic: matching stories are left out of the digest."""
    await _set(update, context, TopicKind.MUTE)


async def _remove(update: Update, context: Context, kind: TopicKind) -> None:
    t = await tr(update, context)
    phrase = normalize_phrase(" ".join(context.args or []))
    command = "unfollow" if kind == TopicKind.FOLLOW else "unmute"
    if not phrase:
        await reply(
            update,
            context,
            t("Usage: /{command} &lt;words&gt; — /topics lists your topics.", command=command),
        )
        return
    services = context.services
    chat = chat_id(update)
    matches = [topic for topic in await services.store.topics.of_chat(chat) if topic.kind == kind]
    target = next((topic for topic in matches if topic.phrase.casefold() == phrase.casefold()), None)
    if target is None:
        await reply(update, context, t(_NOT_THERE[kind], topic=esc(phrase)))
        return
    await services.store.topics.remove(chat, target.phrase, kind)
    await reply(update, context, t("Removed “{topic}”.", topic=esc(target.phrase)))


async def unfollow(update: Update, context: Context) -> None:
    """Stop following a topic."""
    await _remove(update, context, TopicKind.FOLLOW)


async def unmute(update: Update, context: Context) -> None:
    """Stop muting a topic."""
    await _remove(update, context, TopicKind.MUTE)


# The groups /topics lists, with what each kind of topic matches.
_GROUPS = (
    (N_("Following"), N_("stories with these words or on these subjects come first")),
    (N_("Muted"), N_("stories with these words or on these subjects are left out")),
    (N_("Muted stories"), N_("each of these stories, and other reports of the same event, is left out")),
)


def topics_html(topics: list[Topic], t: Translator) -> str:
    """The /topics listing: followed topics, muted topics and muted stories, each with what it matches."""
    if not topics:
        return t(
            "You follow no topics yet.\n"
            "/follow <i>words</i> puts matching stories first in your digest; "
            "/mute <i>words</i> leaves them out. Matching goes by meaning too: "
            "following “EU” also finds “European Union”. "
            "A digest's 🔇 button mutes just that story (and other reports of it)."
        )
    members = (
        [topic for topic in topics if topic.kind == TopicKind.FOLLOW],
        [topic for topic in topics if topic.kind == TopicKind.MUTE and not topic.is_story],
        [topic for topic in topics if topic.kind == TopicKind.MUTE and topic.is_story],
    )
    lines = [t("<b>Your topics</b>")]
    for (title, matches), group in zip(_GROUPS, members, strict=True):
        if group:
            phrases = ", ".join(esc(topic.phrase) for topic in group)
            lines.append(f"{t(title)}: {phrases}\n<i>({t(matches)})</i>")
    lines.append("\n" + t("/unfollow <i>words</i> or /unmute <i>words</i> removes one."))
    return "\n".join(lines)


async def topics(update: Update, context: Context) -> None:
    """Show the chat's followed and muted topics."""
    services = context.services
    t = await tr(update, context)
    await reply(update, context, topics_html(await services.store.topics.of_chat(chat_id(update)), t))
