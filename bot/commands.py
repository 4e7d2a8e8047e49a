"""The one table of commands: each command's name, who may use it, its help line and its handler.

The command menu (setMyCommands), /help and the CommandHandlers are all made from `COMMANDS`, so a
command is added in exactly one place.
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
from bot.handlers.replies import Handler, counted, reply


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
    refusal: str = ""  # editors' commands: "only the outlet's editors can <refusal>"
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

    def help_line(self) -> str:
        """`/name args — description`, escaped."""
        return f"/{self.name} {esc(self.args)} — {esc(self.description)}".replace("  —", " —")


async def help_command(update: Update, context: Context) -> None:
    """List the commands this user can use."""
    lines = ["<b>Commands</b>", *(c.help_line() for c in for_audience(Audience.EVERYONE))]
    if is_editor(update, context):
        lines += ["", "<b>Editors</b>", *(c.help_line() for c in COMMANDS if c.audience == Audience.EDITORS)]
        lines.append("\n/post format: <code>/post Title</code>, then the article text on the next lines.")
        private = ", ".join(f"/{c.name}" for c in COMMANDS if c.private)
        lines.append(
            f"Channels ({private}) are managed in your private chat with me; make me an administrator of "
            "the channel allowed to post first. Each edition's buttons there are links that subscribe "
            "readers in their own chat."
        )
    chat = update.effective_chat
    if chat is not None and chat.type in GROUP_TYPES:
        lines += [
            "",
            "In this group the digest and its topics are shared: only the group's admins change them.",
        ]
    await reply(update, context, "\n".join(lines))


_E, _CHANGES, _WITH_ARGS = Audience.EDITORS, ChatChange.YES, ChatChange.WITH_ARGS
COMMANDS: Final[tuple[Command, ...]] = (
    Command("start", "", "welcome and how to subscribe", common.start),
    Command("help", "", "this list of commands", help_command),
    Command("subscribe", "", "get the evening digest", subscription.subscribe, changes_chat=_CHANGES),
    Command("unsubscribe", "", "stop the evening digest", subscription.unsubscribe, changes_chat=_CHANGES),
    Command("latest", "[n]", "the n newest articles (default 5)", reading.latest),
    Command("summary", "<id>", "one article's summary", reading.summary),
    Command("search", "<words>", "find stored articles, by meaning and words", reading.search),
    Command("report", "<id> [why]", "tell the editors something is wrong with an article", reports.report),
    Command("topics", "", "your followed and muted topics", topics.topics),
    Command(
        "follow",
        "<words>",
        "put stories on a topic first in your digest",
        topics.follow,
        changes_chat=_CHANGES,
    ),
    Command(
        "mute", "<words>", "leave stories on a topic out of your digest", topics.mute, changes_chat=_CHANGES
    ),
    Command("unfollow", "<words>", "stop following a topic", topics.unfollow, changes_chat=_CHANGES),
    Command("unmute", "<words>", "stop muting a topic", topics.unmute, changes_chat=_CHANGES),
    Command("digest", "", "your digest, right now", reading.digest_command),
    Command(
        "settime", "HH:MM|default", "when your digest arrives", subscription.settime, changes_chat=_CHANGES
    ),
    Command(
        "timezone",
        "Area/City|default",
        "your time zone, e.g. Europe/Berlin",
        subscription.timezone,
        changes_chat=_CHANGES,
    ),
    Command(
        "settings",
        "",
        "your settings; /settings layout compact|full",
        subscription.settings,
        changes_chat=_WITH_ARGS,
    ),
    Command(
        "post",
        "Title + text | url",
        "publish an article, fetch a link, or reply /post to a message",
        admin.post,
        _E,
        refusal="post articles",
    ),
    Command("delete", "<id>", "remove an article", admin.delete, _E, refusal="delete articles"),
    Command(
        "edit",
        "<id> title|summary <text>",
        "correct an article's title or summary (the old one is kept)",
        editing.edit,
        _E,
        refusal="edit articles",
    ),
    Command(
        "resummarize",
        "<id>",
        "run the summarizer on an article again",
        editing.resummarize,
        _E,
        refusal="edit articles",
    ),
    Command("stats", "", "subscribers, articles and digests", admin.stats, _E, refusal="see statistics"),
    Command("addfeed", "<url>", "follow an RSS/Atom feed", feeds.addfeed, _E, refusal="follow feeds"),
    Command(
        "feeds", "", "the followed feeds and their health", feeds.list_feeds, _E, refusal="see the feeds"
    ),
    Command("removefeed", "<id>", "stop following a feed", feeds.removefeed, _E, refusal="remove feeds"),
    Command(
        "feed",
        "<id> name <text> | every <minutes> | pause | resume",
        "rename a feed, set how often it is checked, pause or resume it",
        feeds.feed_command,
        _E,
        refusal="change feeds",
    ),
    Command("exportopml", "", "the feeds as an OPML file", opml.exportopml, _E, refusal="export feeds"),
    Command(
        "importopml",
        "",
        "follow an OPML file's feeds: send it with this caption, or reply to it",
        opml.importopml,
        _E,
        refusal="import feeds",
    ),
    Command(
        "addchannel",
        "@name | -100…",
        "post editions to a channel I am an administrator of",
        channels.addchannel,
        _E,
        refusal="manage channels",
        private=True,
    ),
    Command(
        "channels",
        "",
        "the channels, their editions and last posts",
        channels.list_channels,
        _E,
        refusal="manage channels",
        private=True,
    ),
    Command(
        "removechannel",
        "<id>",
        "stop posting to a channel",
        channels.removechannel,
        _E,
        refusal="manage channels",
        private=True,
    ),
    Command(
        "channel",
        "<id> time|timezone|layout|pin|silent <value>",
        "set a channel's edition time, zone, layout, pinning or silent posting",
        channels.channel_command,
        _E,
        refusal="manage channels",
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


def menu(*audiences: Audience) -> list[BotCommand]:
    """The setMyCommands menu for these audiences."""
    return [BotCommand(c.name, c.description) for c in COMMANDS if c.audience in audiences]
