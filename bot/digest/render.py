"""From pages to Telegram: each page's inline keyboard, the callback data its buttons carry and the
deep-link payloads of a channel's buttons (both encoded and decoded here only), and the parts the ledger
stores (split under the limit, the keyboard on the last).

A channel's edition is read by everyone in it, so its buttons change nothing there: they are links into
the bot (`https://t.me/<bot>?start=<payload>`), which opens the reader's private chat and sends
`/start <payload>` — "▾ summaries" (`e<channel>_<cut-off>`: that edition's full text) and "👍 N"
(`f<article id>`: subscribe and follow stories like it)."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Final

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions

from bot.digest.layout import Page, lay_out
from bot.formatting import Reader, split_message
from bot.i18n.translator import N_, Translator, source_translator
from bot.semantic.search import SemanticSearch, from_bytes
from bot.storage.ledger import EDITION_OPTION, PartText
from bot.storage.types import Article, Layout, Topic

MAX_ID_DIGITS = 18  # callback numbers longer than this are forged or corrupted
FOLLOWS_PER_ROW: Final = 4  # a channel edition's 👍 links, side by side
PAYLOAD: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what Telegram passes on as a /start parameter
_EDITION_PAYLOAD: Final = re.compile(r"e(\d{1,18})_(\d{1,18})")
_FOLLOW_PAYLOAD: Final = re.compile(r"f(\d{1,18})")
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND: Final = timedelta(microseconds=1)
# The labels after an item's number: its summary is folded (▾) or open (▴); the arrows tell them apart.
SHOW_SUMMARY = N_("▾ summary")
HIDE_SUMMARY = N_("▴ hide")


class Action(StrEnum):
    """What a digest button does; the value is the callback data's prefix."""

    EXPAND = "x"  # x:<item number>:<article id> expands (or collapses) that item's summary in place
    FOLLOW = "f"  # f:<article id> follows stories like this one
    MUTE = "m"  # m:<article id> mutes stories like this one
    REPORT = "r"  # r:<article id> reports the article to the editors (shown on an expanded summary)


@dataclass(frozen=True)
class Press:
    """A decoded button press: the action and its numbers."""

    action: Action
    numbers: tuple[int, ...]


def encode(action: Action, *numbers: int) -> str:
    """The callback data of a button."""
    return ":".join([action.value, *map(str, numbers)])


def decode(data: str) -> Press | None:
    """The press behind callback data; None when it is malformed or of an unknown kind."""
    prefix, *rest = data.split(":")
    if not rest or not all(p.isascii() and p.isdigit() and len(p) <= MAX_ID_DIGITS for p in rest):
        return None
    try:
        action = Action(prefix)
    except ValueError:
        return None
    numbers = tuple(int(p) for p in rest)
    expected = 2 if action == Action.EXPAND else 1
    return Press(action, numbers) if len(numbers) == expected else None


@dataclass(frozen=True)
class EditionLink:
    """A deep link to the full text of a channel's edition: the channel and the edition's cut-off."""

    chat_id: int
    cutoff: datetime


@dataclass(frozen=True)
class FollowLink:
    """A deep link that subscribes the reader and follows stories like this article."""

    article_id: int


def edition_payload(chat_id: int, cutoff: datetime) -> str:
    """`e<channel id without its minus>_<cut-off in µs since the epoch>`: 31 characters for a -100… id."""
    return f"e{abs(chat_id)}_{(cutoff - _EPOCH) // _MICROSECOND}"


def follow_payload(article_id: int) -> str:
    """`f<article id>`."""
    return f"f{article_id}"


def decode_payload(payload: str) -> EditionLink | FollowLink | None:
    """The link behind a /start payload; None when it is malformed, forged or of an unknown kind."""
    if (found := _EDITION_PAYLOAD.fullmatch(payload)) is not None:
        try:
            cutoff = _EPOCH + int(found.group(2)) * _MICROSECOND
        except OverflowError:  # past year 9999: forged
            return None
        return EditionLink(-int(found.group(1)), cutoff)
    if (found := _FOLLOW_PAYLOAD.fullmatch(payload)) is not None:
        return FollowLink(int(found.group(1)))
    return None


def deep_link(bot_username: str, payload: str) -> str:
    """The t.me link that opens the bot's private chat and sends `/start <payload>`."""
    if PAYLOAD.fullmatch(payload) is None:
        raise ValueError(f"not a deep-link payload: {payload!r}")
    return f"https://t.me/{bot_username}?start={payload}"


@dataclass(frozen=True)
class ChannelEdition:
    """Render input of a channel's edition: its buttons are deep links into the bot (never callbacks: they
    would change or edit the post for everyone), silent posts carry no notification, and a pinned one's
    first message is pinned once the edition is out."""

    bot_username: str
    chat_id: int
    cutoff: datetime  # the edition's content cut-off: with the chat, what its "▾ summaries" link names
    pin: bool = False
    silent: bool = False


@dataclass(frozen=True)
class DigestMessage:
    """One message of a digest: Telegram HTML and its inline keyboard (None for none)."""

    html: str
    keyboard: InlineKeyboardMarkup | None
    link_preview: LinkPreviewOptions | None = None  # None: the Defaults' (no preview)


def item_buttons(number: int, article_id: int, t: Translator | None = None) -> list[InlineKeyboardButton]:
    """The buttons of one compact item: expand its summary, follow or mute stories like it."""
    t = t or source_translator()
    return [
        InlineKeyboardButton(
            f"{number} {t(SHOW_SUMMARY)}", callback_data=encode(Action.EXPAND, number, article_id)
        ),
        InlineKeyboardButton(t("👍 follow"), callback_data=encode(Action.FOLLOW, article_id)),
        InlineKeyboardButton(t("🔇 mute"), callback_data=encode(Action.MUTE, article_id)),
    ]


def message_of(page: Page, t: Translator | None = None) -> DigestMessage:
    """A page with its keyboard (a row of buttons per item), labelled in the reader's language."""
    rows = [item_buttons(number, article_id, t) for number, article_id in page.items]
    preview = (
        LinkPreviewOptions(is_disabled=False, url=page.preview_url, prefer_large_media=True)
        if page.preview_url
        else None
    )
    return DigestMessage(page.html, InlineKeyboardMarkup(rows) if rows else None, preview)


def channel_message_of(
    page: Page, edition: ChannelEdition, layout: Layout, t: Translator | None = None
) -> DigestMessage:
    """A page of a channel's edition: "▾ summaries" (compact layout) and a "👍 N" per story, all links,
    labelled in the channel's language."""
    t = t or source_translator()
    message = message_of(page, t)
    link = functools.partial(deep_link, edition.bot_username)
    rows: list[list[InlineKeyboardButton]] = []
    if layout == Layout.COMPACT:
        summaries = link(edition_payload(edition.chat_id, edition.cutoff))
        rows.append([InlineKeyboardButton(t("▾ summaries"), url=summaries)])
    follows = [
        InlineKeyboardButton(f"👍 {number}", url=link(follow_payload(article_id)))
        for number, article_id in page.items or page.stories
    ]
    rows += [follows[i : i + FOLLOWS_PER_ROW] for i in range(0, len(follows), FOLLOWS_PER_ROW)]
    return DigestMessage(message.html, InlineKeyboardMarkup(rows) if rows else None, message.link_preview)


def send_options(
    message: DigestMessage, *, first: bool = True, silent: bool = False, edition: ChannelEdition | None = None
) -> str | None:
    """A part's send options other than text and keyboard, as Bot API JSON (None: none): the message's
    link preview on its `first` chunk, no notification when `silent`, and on the last part of a channel's
    `edition` the bot's own EDITION_OPTION."""
    options: dict[str, object] = {}
    if first and message.link_preview is not None:
        options["link_preview_options"] = message.link_preview.to_dict()
    if silent:
        options["disable_notification"] = True
    if edition is not None:
        options[EDITION_OPTION] = {"pin": edition.pin}
    return json.dumps(options, sort_keys=True) if options else None


def toggled_keyboard(
    markup: InlineKeyboardMarkup | None, data: str, t: Translator | None = None
) -> InlineKeyboardMarkup | None:
    """The same keyboard with the pressed summary button's label flipped (▾ summary ↔ ▴ hide, in the
    reader's language) and, while that summary is open, a 🚩 button (report it) in its row."""
    if markup is None:
        return None
    t = t or source_translator()
    press, rows = decode(data), []
    report = f"{Action.REPORT.value}:"
    for row in markup.inline_keyboard:
        if press is None or all(button.callback_data != data for button in row):
            rows.append(list(row))
            continue
        buttons, opening = [], False
        for button in row:
            text = button.text
            if str(button.callback_data).startswith(report):
                continue  # shown only while the summary is open: added back below when it opens
            if button.callback_data == data:
                number, opening = text.split(" ", 1)[0], "▾" in text
                text = f"{number} {t(HIDE_SUMMARY) if opening else t(SHOW_SUMMARY)}"
            buttons.append(InlineKeyboardButton(text, callback_data=button.callback_data, url=button.url))
        if opening:
            buttons.append(InlineKeyboardButton("🚩", callback_data=encode(Action.REPORT, press.numbers[-1])))
        rows.append(buttons)
    return InlineKeyboardMarkup(rows)


class DigestRenderer:
    """Lays out one chat's digest (its topics, merged stories, its layout) as messages or ledger parts."""

    def __init__(self, semantic: SemanticSearch, *, topic_min_similarity: float, merge_min_similarity: float):
        """Read stored vectors through `semantic`; the thresholds are the settings'."""
        self._semantic = semantic
        self._topic_min, self._merge_min = topic_min_similarity, merge_min_similarity

    async def messages(
        self,
        articles: list[Article],
        day: date,
        layout: Layout,
        topics: list[Topic],
        reader: Reader | None = None,
        edition: ChannelEdition | None = None,
    ) -> list[DigestMessage]:
        """The digest messages with their inline keyboards ([] when nothing is left to show); a channel's
        `edition` gets the deep-link keyboard."""
        if not articles:
            return []
        vectors = await self._semantic.vectors_of([a.id for a in articles])
        pages = lay_out(
            articles,
            vectors,
            [(t, from_bytes(t.vector) if t.vector else None) for t in topics],
            day=day,
            layout=layout,
            topic_min_similarity=self._topic_min,
            merge_min_similarity=self._merge_min,
            reader=reader,
        )
        t = reader.t if reader is not None else None
        if edition is not None:
            return [channel_message_of(page, edition, layout, t) for page in pages]
        return [message_of(page, t) for page in pages]

    async def parts(
        self,
        articles: list[Article],
        day: date,
        layout: Layout,
        topics: list[Topic],
        reader: Reader | None = None,
        edition: ChannelEdition | None = None,
    ) -> tuple[PartText, ...]:
        """The messages split to Telegram's limit; a message's keyboard rides on its last chunk, its
        link preview on its first; a channel's `edition` is silent if asked, its last part marked."""
        silent = edition is not None and edition.silent
        chunked = [
            (message, split_message(message.html))
            for message in await self.messages(articles, day, layout, topics, reader, edition)
        ]
        parts: list[PartText] = []
        for index, (message, chunks) in enumerate(chunked):
            markup = json.dumps(message.keyboard.to_dict()) if message.keyboard is not None else None
            for i, chunk in enumerate(chunks):
                last = i == len(chunks) - 1
                mark = edition if last and index == len(chunked) - 1 else None
                options = send_options(message, first=i == 0, silent=silent, edition=mark)
                parts.append(PartText(chunk, markup if last else None, options))
        return tuple(parts)
