"""What the emulator knows of channels: getChat, the bot's getChatMember there (an administrator with its
rights), who may post or pin, and the channel_post updates of what is posted."""

from __future__ import annotations

import re
from typing import Any, Final

from bot.emulator.chats import ChatModel
from bot.emulator.state import ApiError, bad_request, chat_id_of, opt_int

Params = dict[str, Any]
NOT_MEMBER: Final = "Forbidden: bot is not a member of the channel chat"
NO_RIGHTS: Final = "need administrator rights in the channel chat"
_URL: Final = re.compile(r"(https?|tg)://\S+")
_NO_GIFTS: Final = dict.fromkeys(
    ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription", "gifts_from_channels"),
    False,
)


def check_url(url: Any) -> None:
    """An inline keyboard button's url: http(s) or tg:// (Telegram answers BUTTON_URL_INVALID)."""
    if not isinstance(url, str) or _URL.fullmatch(url) is None:
        raise bad_request("BUTTON_URL_INVALID")


def check_post(model: ChatModel, chat_id: int, method: str) -> None:
    """A send or edit in a channel needs the bot to be an administrator allowed to post there."""
    member = model.bot_members.get(chat_id)
    if member is None:
        return  # a channel the test never declared (add_channel): anything goes, as before
    if member["status"] in ("left", "kicked"):
        raise ApiError(403, NOT_MEMBER)
    if method.startswith("send") and not member.get("can_post_messages"):
        raise bad_request(NO_RIGHTS)


def channel_post(model: ChatModel, message: dict[str, Any], *, edited: bool) -> None:
    """Telegram's channel_post (edited_channel_post) update of a message posted in a channel."""
    if message["chat"].get("type") == "channel":
        model.add_update({"edited_channel_post" if edited else "channel_post": dict(message)})


async def get_chat(model: ChatModel, params: Params) -> Any:
    """getChat (a ChatFullInfo): chats the bot has seen, and channels it is in or that are public."""
    chat_id = chat_id_of(params)
    known = chat_id in model.chats or chat_id > 0
    member = model.bot_members.get(chat_id)
    hidden = (
        member is not None
        and member["status"] in ("left", "kicked")
        and chat_id not in model.usernames.values()
    )
    if not known or hidden:
        raise bad_request("chat not found")
    return {
        **model.chat(chat_id),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": _NO_GIFTS,
    }


def bot_member(model: ChatModel, chat_id: int) -> dict[str, Any] | None:
    """getChatMember of the bot itself in a channel (None: not a channel the emulator knows)."""
    member = model.bot_members.get(chat_id)
    return None if member is None else {**member, "user": model.me}


async def pin_chat_message(model: ChatModel, params: Params) -> Any:
    """pinChatMessage: in a channel the bot needs can_edit_messages; the pin is recorded."""
    chat_id, message_id = chat_id_of(params), opt_int(params, "message_id")
    if message_id is None or (chat_id, message_id) not in model.messages:
        raise bad_request("message to pin not found")
    member = model.bot_members.get(chat_id)
    if member is not None and not member.get("can_edit_messages"):
        if member["status"] in ("left", "kicked"):
            raise ApiError(403, NOT_MEMBER)
        raise bad_request("not enough rights to manage pinned messages in the chat")
    model.pins.setdefault(chat_id, []).append(message_id)
    return True
