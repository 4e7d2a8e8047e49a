"""From pages to Telegram: each page's inline keyboard, the callback data its buttons carry (encoded and
decoded here only), and the parts the ledger stores (split under the limit, the keyboard on the last)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions

from bot.digest.layout import Page, lay_out
from bot.formatting import Reader, split_message
from bot.i18n.translator import N_, Translator, source_translator
from bot.semantic.search import SemanticSearch, from_bytes
from bot.storage.ledger import PartText
from bot.storage.types import Article, Layout, Topic

MAX_ID_DIGITS = 18  # callback numbers longer than this are forged or corrupted
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


def send_options(message: DigestMessage) -> str | None:
    """The message's send options other than text and keyboard, as Bot API JSON (None: none)."""
    if message.link_preview is None:
        return None
    return json.dumps({"link_preview_options": message.link_preview.to_dict()}, sort_keys=True)


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
    ) -> list[DigestMessage]:
        """The digest messages with their inline keyboards ([] when nothing is left to show)."""
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
        return [message_of(page, reader.t if reader is not None else None) for page in pages]

    async def parts(
        self,
        articles: list[Article],
        day: date,
        layout: Layout,
        topics: list[Topic],
        reader: Reader | None = None,
    ) -> tuple[PartText, ...]:
        """The messages split to Telegram's limit; a message's keyboard rides on its last chunk, its
        link preview on its first."""
        parts: list[PartText] = []
        for message in await self.messages(articles, day, layout, topics, reader):
            chunks = split_message(message.html)
            markup = json.dumps(message.keyboard.to_dict()) if message.keyboard is not None else None
            options = send_options(message)
            parts += [
                PartText(c, markup if i == len(chunks) - 1 else None, options if i == 0 else None)
                for i, c in enumerate(chunks)
            ]
        return tuple(parts)
