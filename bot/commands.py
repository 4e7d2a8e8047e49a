"""The one table of commands: each command's name, who may use it, its help line and its handler.

The command menu (setMyCommands, one per shipped language), /help and the CommandHandlers are all made
from `COMMANDS`, so a command is added in exactly one place. Descriptions and refusals are English marked
with `N_(...)` (extracted by `make locales`) and translated where they are shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from telegram import BotCommand, Update

from bot.context import Context
from bot.formatting import esc
from bot.handlers import (
    admin,
    channels,
    common,
    editing,
    feeds,
    language,
    opml,
    reading,
    reports,
    subscription,
    topics,
)
from bot.handlers.access import (
    GROUP_TYPES,
    chat_admins_only,
    editors_only,
    is_editor,
    one_at_a_time,
    private_only,
)
from bot.handlers.replies import Handler, counted, reply, tr
from bot.i18n.translator import N_, Translator


class Audience(StrEnum):
    """Who a command is for."""

    EVERYONE = "everyone"
    EDITORS = "editors"  # ADMIN_IDS only


class ChatChange(StrEnum):
    """Whether a command changes the chat's digest (in groups: its admins only)."""

    NO = "no"
    YES = "yes"
    WITH_ARGS = "with-args"  # bare use only reads (/settings)


@dataclass(frozen=True)
class Command:
    """One row of the table."""

    name: str
    args: str
    description: str
    handler: Handler
    audience: Audience = Audience.EVERYONE
    changes_chat: ChatChange = ChatChange.NO
    refusal: str = ""  # editors' commands: "only the outlet's editors can <refusal>" (N_-marked)
    private: bool = False  # only in the sender's private chat with the bot (managing channels)

    def guarded(self) -> Handler:
        """The handler behind its access checks (and, if it changes the chat, the chat's lock), each use
        counted (refused ones too)."""
        handler = self.handler
        if self.private:
            handler = private_only(handler)
        if self.audience == Audience.EDITORS:
            handler = editors_only(handler, self.refusal)
        if self.changes_chat != ChatChange.NO:
            handler = one_at_a_time(handler)
            handler = chat_admins_only(handler, only_with_args=self.changes_chat == ChatChange.WITH_ARGS)
        return counted(self.name, handler)

    def help_line(self, t: Translator) -> str:
        """`/name args — description`, escaped, in the reader's language."""
        return f"/{self.name} {esc(t(self.args))} — {esc(t(self.description))}".replace("  —", " —")


async def help_command(update: Update, context: Context) -> None:
    """List the commands this user can use."""
    t = await tr(update, context)
    lines = [t("<b>Commands</b>"), *(c.help_line(t) for c in for_audience(Audience.EVERYONE))]
    if is_editor(update, context):
        lines += ["", t("<b>Editors</b>"), *(c.help_line(t) for c in for_audience(Audience.EDITORS))]
        lines.append(
            "\n" + t("/post format: <code>/post Title</code>, then the article text on the next lines.")
        )
        private = ", ".join(f"/{c.name}" for c in COMMANDS if c.private)
        lines.append(
            t(
                "Channels ({commands}) are managed in your private chat with me; make me an administrator "
                "of the channel allowed to post first. Each edition's buttons there are links that "
                "subscribe readers in their own chat.",
                commands=private,
            )
        )
    chat = update.effective_chat
    if chat is not None and chat.type in GROUP_TYPES:
        lines += [
            "",
            t("In this group the digest and its topics are shared: only the group's admins change them."),
        ]
    await reply(update, context, "\n".join(lines))


_E, _CHANGES, _WITH_ARGS = Audience.EDITORS, ChatChange.YES, ChatChange.WITH_ARGS
# Arguments in <angle brackets> are placeholders (translated); bare words (default, title, pause...) are
# typed as they are, in every language.
COMMANDS: Final[tuple[Command, ...]] = (
    Command("start", "", N_("welcome and how to subscribe"), common.start),
    Command("help", "", N_("this list of commands"), help_command),
    Command("subscribe", "", N_("get the evening digest"), subscription.subscribe, changes_chat=_CHANGES),
    Command(
        "unsubscribe", "", N_("stop the evening digest"), subscription.unsubscribe, changes_chat=_CHANGES
    ),
    Command("latest", N_("[n]"), N_("the n newest articles (default 5)"), reading.latest),
    Command("summary", N_("<id>"), N_("one article's summary"), reading.summary),
    Command("search", N_("<words>"), N_("find stored articles, by meaning and words"), reading.search),
    Command(
        "report",
        N_("<id> [why]"),
        N_("tell the editors something is wrong with an article"),
        reports.report,
    ),
    Command("topics", "", N_("your followed and muted topics"), topics.topics),
    Command(
        "follow",
        N_("<words>"),
        N_("put stories on a topic first in your digest"),
        topics.follow,
        changes_chat=_CHANGES,
    ),
    Command(
        "mute",
        N_("<words>"),
        N_("leave stories on a topic out of your digest"),
        topics.mute,
        changes_chat=_CHANGES,
    ),
    Command("unfollow", N_("<words>"), N_("stop following a topic"), topics.unfollow, changes_chat=_CHANGES),
    Command("unmute", N_("<words>"), N_("stop muting a topic"), topics.unmute, changes_chat=_CHANGES),
    Command("digest", "", N_("your digest, right now"), reading.digest_command),
    Command(
        "settime",
        "HH:MM|default",
        N_("when your digest arrives"),
        subscription.settime,
        changes_chat=_CHANGES,
    ),
    Command(
        "timezone",
        "Area/City|default",
        N_("your time zone, e.g. Europe/Berlin"),
        subscription.timezone,
        changes_chat=_CHANGES,
    ),
    Command(
        "settings",
        "",
        N_("your settings; /settings layout compact|full"),
        subscription.settings,
        changes_chat=_WITH_ARGS,
    ),
    Command(
        "language",
        N_("[code]"),
        N_("the bot's language here; alone: the choices as buttons"),
        language.language,
        changes_chat=_WITH_ARGS,
    ),
    Command(
        "post",
        N_("Title + text | url"),
        N_("publish an article, fetch a link, or reply /post to a message"),
        admin.post,
        _E,
        refusal=N_("post articles"),
    ),
    Command("delete", N_("<id>"), N_("remove an article"), admin.delete, _E, refusal=N_("delete articles")),
    Command(
        "edit",
        N_("<id> title|summary <text>"),
        N_("correct an article's title or summary (the old one is kept)"),
        editing.edit,
        _E,
        refusal=N_("edit articles"),
    ),
    Command(
        "resummarize",
        N_("<id>"),
        N_("run the summarizer on an article again"),
        editing.resummarize,
        _E,
        refusal=N_("edit articles"),
    ),
    Command(
        "stats", "", N_("subscribers, articles and digests"), admin.stats, _E, refusal=N_("see statistics")
    ),
    Command(
        "addfeed", N_("<url>"), N_("follow an RSS/Atom feed"), feeds.addfeed, _E, refusal=N_("follow feeds")
    ),
    Command(
        "feeds",
        "",
        N_("the followed feeds and their health"),
        feeds.list_feeds,
        _E,
        refusal=N_("see the feeds"),
    ),
    Command(
        "removefeed",
        N_("<id>"),
        N_("stop following a feed"),
        feeds.removefeed,
        _E,
        refusal=N_("remove feeds"),
    ),
    Command(
        "feed",
        N_("<id> name <text> | every <minutes> | pause | resume"),
        N_("rename a feed, set how often it is checked, pause or resume it"),
        feeds.feed_command,
        _E,
        refusal=N_("change feeds"),
    ),
    Command(
        "exportopml", "", N_("the feeds as an OPML file"), opml.exportopml, _E, refusal=N_("export feeds")
    ),
    Command(
        "importopml",
        "",
        N_("follow an OPML file's feeds: send it with this caption, or reply to it"),
        opml.importopml,
        _E,
        refusal=N_("import feeds"),
    ),
    Command(
        "addchannel",
        "@name | -100…",
        N_("post editions to a channel I am an administrator of"),
        channels.addchannel,
        _E,
        refusal=N_("manage channels"),
        private=True,
    ),
    Command(
        "channels",
        "",
        N_("the channels, their editions and last posts"),
        channels.list_channels,
        _E,
        refusal=N_("manage channels"),
        private=True,
    ),
    Command(
        "removechannel",
        N_("<id>"),
        N_("stop posting to a channel"),
        channels.removechannel,
        _E,
        refusal=N_("manage channels"),
        private=True,
    ),
    Command(
        "channel",
        N_("<id> time|timezone|layout|pin|silent <value>"),
        N_("set a channel's edition time, zone, layout, pinning or silent posting"),
        channels.channel_command,
        _E,
        refusal=N_("manage channels"),
        private=True,
    ),
)


def named(name: str) -> Command:
    """The row of one command."""
    (command,) = (c for c in COMMANDS if c.name == name)
    return command


def for_audience(audience: Audience) -> tuple[Command, ...]:
    """The commands of one audience, in menu order."""
    return tuple(c for c in COMMANDS if c.audience == audience)


def menu(t: Translator, *audiences: Audience) -> list[BotCommand]:
    """The setMyCommands menu for these audiences, described in `t`'s language."""
    return [BotCommand(c.name, t(c.description)) for c in COMMANDS if c.audience in audiences]
