"""The Bot API methods the emulator implements, each a coroutine of (model, params)."""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable, Mapping
from types import MappingProxyType
from typing import Any, Final

from bot.emulator.channels import bot_member, channel_post, check_url, get_chat, pin_chat_message
from bot.emulator.chats import ChatModel
from bot.emulator.html import HtmlParseError, parse_html, utf16_len
from bot.emulator.state import ApiError, SentMessage, bad_request, chat_id_of, opt_int

Params = dict[str, Any]
Method = Callable[[ChatModel, Params], Awaitable[Any]]

_NOT_MODIFIED: Final = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
_CHAT_ACTIONS: Final = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_MAX_POLL_TIMEOUT: Final = 50
_MAX_CALLBACK_DATA: Final = 64
_MAX_INLINE_RESULTS: Final = 50
_MAX_OFFSET_BYTES: Final = 64
_RESULT_TYPES: Final = frozenset(
    {
        "article",
        "photo",
        "gif",
        "mpeg4_gif",
        "video",
        "audio",
        "voice",
        "document",
        "location",
        "venue",
        "contact",
        "game",
        "sticker",
    }
)
MAX_DOWNLOAD: Final = 20 * 1024 * 1024  # getFile's limit for bots
_COMMAND_NAME: Final = re.compile(r"[a-z0-9_]{1,32}")


def _format(params: Params, key: str, entities_key: str, limit: int) -> tuple[str, str, list[dict[str, Any]]]:
    """Validate text or caption like Telegram; return (raw, plain text, entities)."""
    raw = "" if params.get(key) is None else str(params[key])
    mode = params.get("parse_mode") or None
    if mode is None:
        plain, entities = raw, list(params.get(entities_key) or [])
    elif str(mode).lower() == "html":
        try:
            plain, entities = parse_html(raw)
        except HtmlParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from exc
    elif str(mode).lower() in ("markdown", "markdownv2"):
        plain, entities = raw, []  # Markdown is accepted but not validated by the emulator
    else:
        raise bad_request("unsupported parse_mode")
    is_text = key == "text"
    if is_text and not plain.strip():
        raise bad_request("message text is empty")
    if utf16_len(plain) > limit:
        raise bad_request("message is too long" if is_text else "message caption is too long")
    return raw, plain, entities


def _check_keyboard(markup: Any) -> None:
    """Reject inline keyboards Telegram would reject (callback_data 1-64 bytes, one action per button)."""
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not str(button.get("text", "")):
                raise bad_request("can't parse inline keyboard button: Text buttons are unallowed")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= _MAX_CALLBACK_DATA:
                raise bad_request("BUTTON_DATA_INVALID")
            if "url" in button:
                check_url(button["url"])
            actions = [k for k in button if k not in ("text", "style", "icon_custom_emoji_id")]
            if len(actions) != 1:
                raise bad_request("can't parse inline keyboard button: exactly one of the optional fields")


def _inline_markup(params: Params) -> dict[str, Any] | None:
    """reply_markup as Telegram echoes it in a Message (only inline keyboards are echoed)."""
    markup = params.get("reply_markup")
    _check_keyboard(markup)
    return markup if isinstance(markup, dict) and "inline_keyboard" in markup else None


def _reply_target(model: ChatModel, chat_id: int, params: Params) -> dict[str, Any] | None:
    """The message replied to via reply_parameters or reply_to_message_id, if any."""
    reply = params.get("reply_parameters")
    if isinstance(reply, dict):
        message_id, allow = opt_int(reply, "message_id"), bool(reply.get("allow_sending_without_reply"))
        chat_id = opt_int(reply, "chat_id") or chat_id
    else:
        message_id, allow = (
            opt_int(params, "reply_to_message_id"),
            bool(params.get("allow_sending_without_reply")),
        )
    if message_id is None:
        return None
    target = model.stored(chat_id, message_id)
    if target is None and not allow:
        raise bad_request("message to be replied not found")
    return target


_PREVIEW_FLAGS: Final = ("is_disabled", "prefer_small_media", "prefer_large_media", "show_above_text")


def _link_preview(params: Params) -> dict[str, Any] | None:
    """link_preview_options checked like Telegram: an object of known fields, url a string, flags bools."""
    options = params.get("link_preview_options")
    if options is None:
        return None
    if not isinstance(options, dict):
        raise bad_request("can't parse link preview options JSON object")
    for key, value in options.items():
        if (key == "url" and isinstance(value, str)) or (key in _PREVIEW_FLAGS and isinstance(value, bool)):
            continue
        raise bad_request(f'can\'t parse link preview options: field "{key}" has a wrong type')
    if options.get("prefer_small_media") and options.get("prefer_large_media"):
        raise bad_request("can't parse link preview options: both small and large media preferred")
    return options


def _thread(model: ChatModel, chat_id: int, params: Params) -> int | None:
    """message_thread_id: a topic of a forum supergroup, as Telegram checks it: none in other chats or
    once deleted ("message thread not found"), a closed one only for admins who manage topics (the bot
    here is not one: TOPIC_CLOSED)."""
    thread = opt_int(params, "message_thread_id")
    if thread is None:
        return None
    if not model.chat(chat_id).get("is_forum") or (chat_id, thread) in model.deleted_topics:
        raise bad_request("message thread not found")
    if (chat_id, thread) in model.closed_topics:
        raise bad_request("TOPIC_CLOSED")
    return thread


def _new_message(model: ChatModel, chat_id: int, params: Params) -> dict[str, Any]:
    """A new bot Message dict in chat_id (call only after validation: it allocates the id)."""
    chat = model.chat(chat_id)
    thread = _thread(model, chat_id, params)
    reply = _reply_target(model, chat_id, params)
    message: dict[str, Any] = {"message_id": model.next_id(chat_id), "date": int(time.time()), "chat": chat}
    if thread is not None:
        message["message_thread_id"], message["is_topic_message"] = thread, True
    message["sender_chat" if chat["type"] == "channel" else "from"] = (
        chat if chat["type"] == "channel" else model.me
    )
    if reply is not None:
        message["reply_to_message"] = reply
    if (markup := _inline_markup(params)) is not None:
        message["reply_markup"] = markup
    return message


def _finish(
    model: ChatModel,
    method: str,
    message: dict[str, Any],
    params: Params,
    text: tuple[str, str, list[Any]],
    **kw: Any,
) -> dict[str, Any]:
    """Store the message, record a SentMessage and return the Message dict."""
    raw, plain, entities = text
    model.store(message)
    markup = params.get("reply_markup")
    model.record(
        SentMessage(
            message_id=message["message_id"],
            chat_id=message["chat"]["id"],
            text=plain,
            raw_text=raw,
            parse_mode=params.get("parse_mode") or None,
            reply_markup=markup if isinstance(markup, dict) else None,
            reply_to_message_id=(message.get("reply_to_message") or {}).get("message_id"),
            method=method,
            date=message.get("edit_date", message["date"]),
            edited="edit_date" in message,
            entities=entities,
            thread_id=message.get("message_thread_id"),
            disable_notification=bool(params.get("disable_notification")),
            **kw,
        )
    )
    channel_post(model, message, edited="edit_date" in message)
    return dict(message)


def _set_text(message: dict[str, Any], key: str, plain: str, entities: list[dict[str, Any]]) -> None:
    """Set text/caption and its entities on a Message dict (dropping empty ones)."""
    entities_key = "entities" if key == "text" else "caption_entities"
    message.pop(entities_key, None)
    if plain:
        message[key] = plain
    if entities:
        message[entities_key] = entities


async def send_message(model: ChatModel, params: Params) -> Any:
    """sendMessage."""
    chat_id = chat_id_of(params)
    text = _format(params, "text", "entities", 4096)
    preview = _link_preview(params)
    message = _new_message(model, chat_id, params)
    _set_text(message, "text", text[1], text[2])
    if preview is not None:
        message["link_preview_options"] = preview
    return _finish(model, "sendMessage", message, params, text, link_preview=preview)


async def _send_file(model: ChatModel, params: Params, kind: str, method: str) -> Any:
    """sendPhoto / sendDocument: an upload (bytes, filename) or a file_id/URL string."""
    chat_id = chat_id_of(params)
    upload = params.get(kind)
    if not upload:
        raise bad_request(f"there is no {kind} in the request")
    text = _format(params, "caption", "caption_entities", 1024)
    data, name = upload if isinstance(upload, tuple) else (None, None)
    message = _new_message(model, chat_id, params)
    file_id = f"{kind}-{chat_id}-{message['message_id']}"
    info = {"file_id": file_id, "file_unique_id": file_id, "file_size": len(data or b"")}
    if kind == "photo":
        message["photo"] = [{**info, "width": 640, "height": 480}]
    else:
        message["document"] = {**info, "file_name": name or "file"}
    _set_text(message, "caption", text[1], text[2])
    return _finish(model, method, message, params, text, **{kind: data}, file_name=name)


async def send_photo(model: ChatModel, params: Params) -> Any:
    """sendPhoto."""
    return await _send_file(model, params, "photo", "sendPhoto")


async def send_document(model: ChatModel, params: Params) -> Any:
    """sendDocument."""
    return await _send_file(model, params, "document", "sendDocument")


def _own_message(model: ChatModel, params: Params) -> dict[str, Any]:
    """The bot's message addressed by chat_id + message_id, for editing."""
    chat_id, message_id = chat_id_of(params), opt_int(params, "message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    message = model.messages.get((chat_id, message_id))
    if message is None:
        raise bad_request("message to edit not found")
    if not any(s.message_id == message_id for s in model.sent_by_chat.get(chat_id, ())):
        raise bad_request("message can't be edited")
    return message


async def edit_message_text(model: ChatModel, params: Params) -> Any:
    """editMessageText (inline messages are accepted and not tracked)."""
    if params.get("inline_message_id"):
        _format(params, "text", "entities", 4096)
        return True
    message = _own_message(model, params)
    if "text" not in message:
        raise bad_request("there is no text in the message to edit")
    text = _format(params, "text", "entities", 4096)
    markup = _inline_markup(params)
    if (text[1], text[2], markup) == (
        message["text"],
        message.get("entities", []),
        message.get("reply_markup"),
    ):
        raise bad_request(_NOT_MODIFIED)
    _set_text(message, "text", text[1], text[2])
    message.pop("reply_markup", None)
    if markup is not None:
        message["reply_markup"] = markup
    message["edit_date"] = int(time.time())
    return _finish(model, "editMessageText", message, params, text)


async def edit_message_reply_markup(model: ChatModel, params: Params) -> Any:
    """editMessageReplyMarkup."""
    if params.get("inline_message_id"):
        return True
    message = _own_message(model, params)
    markup = _inline_markup(params)
    if markup == message.get("reply_markup"):
        raise bad_request(_NOT_MODIFIED)
    message.pop("reply_markup", None)
    if markup is not None:
        message["reply_markup"] = markup
    message["edit_date"] = int(time.time())
    plain = message.get("text", message.get("caption", ""))
    text = (plain, plain, message.get("entities", message.get("caption_entities", [])))
    return _finish(model, "editMessageReplyMarkup", message, {**params, "parse_mode": None}, text)


async def delete_message(model: ChatModel, params: Params) -> Any:
    """deleteMessage."""
    key = (chat_id_of(params), opt_int(params, "message_id") or 0)
    if model.messages.pop(key, None) is None:
        raise bad_request("message to delete not found")
    for record in model.sent_by_chat.get(key[0], ()):
        if record.message_id == key[1]:
            record.deleted = True
    return True


async def send_chat_action(model: ChatModel, params: Params) -> Any:
    """sendChatAction."""
    chat_id_of(params)
    if params.get("action") not in _CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


async def get_updates(model: ChatModel, params: Params) -> Any:
    """getUpdates: confirm by offset, long-poll up to timeout, 409 when superseded or a webhook is set."""
    if model.webhook["url"]:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    if params.get("allowed_updates") is not None:
        model.allowed_updates = frozenset(params["allowed_updates"]) or None
    model.confirm(opt_int(params, "offset") or 0)
    limit = min(max(opt_int(params, "limit") or 100, 1), 100)
    timeout = min(max(opt_int(params, "timeout") or 0, 0), _MAX_POLL_TIMEOUT)
    model.poll_generation += 1
    mine = model.poll_generation
    model.updates_signal.notify()  # an older long poll still waiting now ends with 409

    def ready() -> bool:
        return bool(model.pending()) or model.poll_generation != mine or model.closing

    await model.updates_signal.wait_until(ready, timeout)
    if model.poll_generation != mine:
        raise ApiError(
            409,
            "Conflict: terminated by other getUpdates request; "
            "make sure that only one bot instance is running",
        )
    return model.pending()[:limit]


async def set_webhook(model: ChatModel, params: Params) -> Any:
    """setWebhook: stored only (an empty url removes it)."""
    if params.get("drop_pending_updates"):
        model.updates.clear()
    if params.get("allowed_updates") is not None:
        model.allowed_updates = frozenset(params["allowed_updates"]) or None
    model.webhook = {
        "url": str(params.get("url") or ""),
        "secret_token": params.get("secret_token"),
        "allowed_updates": params.get("allowed_updates"),
    }
    return True


async def delete_webhook(model: ChatModel, params: Params) -> Any:
    """deleteWebhook."""
    if params.get("drop_pending_updates"):
        model.updates.clear()
    model.webhook = {"url": "", "secret_token": None, "allowed_updates": None}
    return True


async def get_webhook_info(model: ChatModel, params: Params) -> Any:
    """getWebhookInfo."""
    info: dict[str, Any] = {
        "url": model.webhook["url"],
        "has_custom_certificate": False,
        "pending_update_count": len(model.pending()),
    }
    if model.webhook["url"]:
        info["max_connections"] = 40
    if model.allowed_updates:
        info["allowed_updates"] = sorted(model.allowed_updates)
    return info


async def set_my_commands(model: ChatModel, params: Params) -> Any:
    """setMyCommands (stored per scope and language_code)."""
    commands = params.get("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("commands must be a list of at most 100 BotCommand")
    for command in commands:
        name, description = str(command.get("command", "")), str(command.get("description", ""))
        if not _COMMAND_NAME.fullmatch(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    key = model.scope_key(params.get("scope"), _language_code(params))
    model.commands[key] = [{"command": c["command"], "description": c["description"]} for c in commands]
    return True


def _language_code(params: Params) -> str:
    """The commands' language_code: a two-letter ISO 639-1 code or empty (all languages), as Telegram
    requires (a tag such as "pt-br" is refused)."""
    code = str(params.get("language_code") or "")
    if code and not re.fullmatch(r"[a-z]{2}", code):
        raise bad_request("language_code must be a two-letter ISO 639-1 code")
    return code


async def get_my_commands(model: ChatModel, params: Params) -> Any:
    """getMyCommands."""
    return model.commands.get(model.scope_key(params.get("scope"), _language_code(params)), [])


async def delete_my_commands(model: ChatModel, params: Params) -> Any:
    """deleteMyCommands."""
    model.commands.pop(model.scope_key(params.get("scope"), _language_code(params)), None)
    return True


_QUERY_INVALID: Final = "query is too old and response timeout expired or query ID is invalid"


def _open_query(model: ChatModel, query_id: Any, kind: str) -> str:
    """The id of a query of this kind ("inline_query"/"callback_query") that has no answer yet."""
    key = str(query_id or "")
    query = model.queries.get(key)
    if query is None or query["kind"] != kind or key in model.answers:
        raise bad_request(_QUERY_INVALID)
    return key


async def answer_callback_query(model: ChatModel, params: Params) -> Any:
    """answerCallbackQuery: once per query, text up to 200 characters."""
    key = _open_query(model, params.get("callback_query_id"), "callback_query")
    if len(str(params.get("text") or "")) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    model.answer(key, dict(params))
    return True


def _check_result(result: Any, seen: set[str]) -> None:
    """Validate one InlineQueryResult like Telegram (type, unique id of 1-64 bytes, required fields)."""
    if not isinstance(result, dict) or result.get("type") not in _RESULT_TYPES:
        raise bad_request("RESULT_TYPE_INVALID")
    result_id = str(result.get("id") or "")
    if not 1 <= len(result_id.encode()) <= 64:
        raise bad_request("RESULT_ID_INVALID")
    if result_id in seen:
        raise bad_request("RESULT_ID_DUPLICATE")
    seen.add(result_id)
    _check_keyboard(result.get("reply_markup"))
    if result["type"] != "article":
        return
    if not str(result.get("title") or "").strip():
        raise bad_request("RESULT_TITLE_EMPTY")
    content = result.get("input_message_content")
    if not isinstance(content, dict) or "message_text" not in content:
        raise bad_request("MESSAGE_EMPTY")
    _format(
        {"text": content["message_text"], "parse_mode": content.get("parse_mode")}, "text", "entities", 4096
    )


async def answer_inline_query(model: ChatModel, params: Params) -> Any:
    """answerInlineQuery: at most 50 valid results, next_offset up to 64 bytes, one answer per query."""
    key = _open_query(model, params.get("inline_query_id"), "inline_query")
    results = params.get("results")
    if not isinstance(results, list):
        raise bad_request("can't parse inline query results JSON object")
    if len(results) > _MAX_INLINE_RESULTS:
        raise bad_request("RESULTS_TOO_MUCH")
    seen: set[str] = set()
    for result in results:
        _check_result(result, seen)
    if len(str(params.get("next_offset") or "").encode()) > _MAX_OFFSET_BYTES:
        raise bad_request("NEXT_OFFSET_INVALID")
    model.answer(key, dict(params))
    return True


async def get_me(model: ChatModel, params: Params) -> Any:
    """getMe."""
    return {
        **model.me,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": model.inline_mode,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


_ADMIN_RIGHTS: Final = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
)


async def get_chat_member(model: ChatModel, params: Params) -> Any:
    """getChatMember: the status set with FakeBotAPI.set_member_status ("member" unless set); the bot
    itself in a channel: what FakeBotAPI.add_channel / set_bot_rights / remove_bot made it."""
    chat_id, uid = chat_id_of(params), opt_int(params, "user_id")
    if uid is None:
        raise bad_request("user_id is required")
    if uid == model.me["id"] and (own := bot_member(model, chat_id)) is not None:
        return own  # the bot in a channel: its status and administrator rights
    status = model.member_status.get((chat_id, uid), "member")
    member: dict[str, Any] = {"status": status, "user": model.user(uid)}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update({"can_be_edited": False, "is_anonymous": False}, **dict.fromkeys(_ADMIN_RIGHTS, True))
    return member


async def get_file(model: ChatModel, params: Params) -> Any:
    """getFile: a file sent to the bot, with the path it is downloaded from (at most 20 MB)."""
    file_id = str(params.get("file_id") or "")
    stored = model.files.get(file_id)
    if stored is None:
        raise bad_request("invalid file_id")
    data, path = stored
    if len(data) > MAX_DOWNLOAD:
        raise bad_request("file is too big")
    return {"file_id": file_id, "file_unique_id": file_id, "file_size": len(data), "file_path": path}


async def ok(model: ChatModel, params: Params) -> Any:
    """logOut / close."""
    return True


METHODS: Final[Mapping[str, Method]] = MappingProxyType(
    {
        "getMe": get_me,
        "getUpdates": get_updates,
        "setWebhook": set_webhook,
        "deleteWebhook": delete_webhook,
        "getWebhookInfo": get_webhook_info,
        "logOut": ok,
        "close": ok,
        "sendMessage": send_message,
        "sendPhoto": send_photo,
        "sendDocument": send_document,
        "editMessageText": edit_message_text,
        "editMessageReplyMarkup": edit_message_reply_markup,
        "deleteMessage": delete_message,
        "sendChatAction": send_chat_action,
        "setMyCommands": set_my_commands,
        "getMyCommands": get_my_commands,
        "deleteMyCommands": delete_my_commands,
        "answerCallbackQuery": answer_callback_query,
        "answerInlineQuery": answer_inline_query,
        "getChatMember": get_chat_member,
        "getChat": get_chat,
        "pinChatMessage": pin_chat_message,
        "getFile": get_file,
    }
)
