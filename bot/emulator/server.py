"""FakeBotAPI: a fake Telegram Bot API server over real HTTP, driven from the user side."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Callable
from http import HTTPStatus
from types import TracebackType
from typing import Any, Final, Self

import aiohttp
from aiohttp import web

from bot.emulator.channels import check_post
from bot.emulator.chats import CHANNEL_ADMIN, ChatModel
from bot.emulator.methods import METHODS
from bot.emulator.state import (
    ApiCall,
    ApiError,
    Fault,
    SentMessage,
    bad_request,
    chat_id_of,
    normalize_params,
)

_PATH: Final = re.compile(r"/bot([^/]+)/([^/]*)")
_DEEP_LINK: Final = re.compile(r"https://t\.me/([A-Za-z0-9_]+)\?start=(.*)")
_PAYLOAD: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")
_FILE_PATH: Final = re.compile(r"/file/bot([^/]+)/(.+)")
_DESCRIPTIONS: Final = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


async def _read_params(request: web.Request) -> dict[str, Any]:
    """Parameters from the query string and a JSON, urlencoded or multipart body."""
    values: dict[str, Any] = dict(request.query)
    files: dict[str, tuple[bytes, str | None]] = {}
    if request.content_type == "application/json" and request.can_read_body:
        try:
            body = await request.json()
        except ValueError as exc:
            raise bad_request("can't parse JSON object") from exc
        if not isinstance(body, dict):
            raise bad_request("JSON object expected")
        values.update(body)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                files[key] = (value.file.read(), value.filename)
            else:
                values[key] = value
    return normalize_params(values, files)


def _default_description(status: int, parameters: dict[str, Any]) -> str:
    """The description Telegram would give a failure with this status."""
    if status == 429:
        return f"Too Many Requests: retry after {parameters['retry_after']}"
    if "migrate_to_chat_id" in parameters:
        return "Bad Request: group chat was upgraded to a supergroup chat"
    if status in _DESCRIPTIONS:
        return _DESCRIPTIONS[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"Error {status}"


class FakeBotAPI:
    """A fake Bot API on 127.0.0.1: PTB talks to base_url; tests play the user and inject faults."""

    def __init__(
        self,
        *,
        token: str = "123456:TEST-token",
        bot_username: str = "newsbot",
        bot_id: int = 100000,
        inline_mode: bool = True,
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.bot_id = bot_id
        me = {"id": bot_id, "is_bot": True, "first_name": bot_username, "username": bot_username}
        self._model = ChatModel(me)
        self._model.inline_mode = inline_mode
        self._methods = {name.lower(): name for name in METHODS}
        self._runner: web.AppRunner | None = None
        self._address = ("127.0.0.1", 0)
        self._cursors: dict[int, int] = {}
        self._calls: list[ApiCall] = []
        self._faults: list[Fault] = []
        self._delays: dict[str, float] = {}
        self._pusher: asyncio.Task[None] | None = None
        self._drop_if_gone: set[str] = set()
        self.webhook_deliveries: list[int] = []  # HTTP status of every webhook POST, in order

    # --- lifecycle ---

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Bind the HTTP server (port 0 picks a free port)."""
        if self._runner is not None:
            raise RuntimeError("FakeBotAPI is already started")
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner, self._model.closing = runner, False
        self._address = (host, int(runner.addresses[0][1]))
        self._pusher = asyncio.create_task(self._push_webhook(), name="fake-telegram-webhook")

    async def stop(self) -> None:
        """Release long polls and delayed calls, then close the server."""
        if self._runner is None:
            return
        self._model.closing = True
        self._model.updates_signal.notify()
        if self._pusher is not None:
            self._pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pusher
            self._pusher = None
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """Base URL for PTB: requests go to f"{base_url}{token}/{method}"."""
        if self._runner is None:
            raise RuntimeError("FakeBotAPI is not started")
        return f"http://{self._address[0]}:{self._address[1]}/bot"

    # --- the user side ---

    def send_message(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        first_name: str = "Test",
        reply_to_message_id: int | None = None,
        forward_from_chat_title: str | None = None,
        entities: list[dict[str, Any]] | None = None,
        chat_type: str = "private",
        thread_id: int | None = None,
    ) -> dict[str, Any]:
        """Queue an Update with a user's message (a channel_post in a "channel"); return the Message dict.
        `thread_id`: written in that topic of a forum supergroup (see make_forum)."""
        extra: dict[str, Any] = {}
        if thread_id is not None:
            self._topic(chat_id, thread_id)
            extra.update(message_thread_id=thread_id, is_topic_message=True)
        if forward_from_chat_title is not None:
            extra["forward_origin"] = self._origin(forward_from_chat_title, "Someone")
        if reply_to_message_id is not None:
            target = self._model.stored(chat_id, reply_to_message_id)
            if target is None:
                raise ValueError(f"no message {reply_to_message_id} in chat {chat_id} to reply to")
            extra["reply_to_message"] = target
        uid = user_id if user_id is not None else (chat_id if chat_id > 0 else 1)
        return self._model.user_message(
            chat_id, text, self._model.user(uid, first_name), chat_type, entities, extra
        )

    def set_language(self, user_id: int, language_code: str | None) -> None:
        """The language of a user's Telegram app (an IETF tag such as "ru" or "pt-br"; None: the client
        sends none): from now on every update from them carries it as from.language_code."""
        if language_code is None:
            self._model.languages.pop(user_id, None)
        else:
            self._model.languages[user_id] = language_code

    def make_forum(self, chat_id: int) -> None:
        """Turn a supergroup into a forum (topics on): its messages may carry message_thread_id."""
        self._model.forums.add(chat_id)
        if chat_id in self._model.chats:
            self._model.chats[chat_id]["is_forum"] = True

    def create_topic(self, chat_id: int, name: str, *, user_id: int = 1) -> int:
        """A member creates a topic in forum chat_id: its forum_topic_created service message is queued
        as an update; returns the topic's message_thread_id (any other id also works as a topic that
        existed before the test)."""
        if chat_id not in self._model.forums:
            raise ValueError(f"chat {chat_id} is not a forum: call make_forum() first")
        sender = {"id": user_id, "is_bot": False, "first_name": "Test"}
        return self._model.create_topic(chat_id, name, sender)

    def close_topic(self, chat_id: int, thread_id: int, *, closed: bool = True) -> None:
        """Close (or, closed=False, reopen) a topic: the bot's sends there fail with 400 TOPIC_CLOSED."""
        self._topic(chat_id, thread_id)
        (self._model.closed_topics.add if closed else self._model.closed_topics.discard)((chat_id, thread_id))

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        """Delete a topic with its messages (no update is sent): sends there then fail with 400 "message
        thread not found", edits of its messages with "message to edit not found"."""
        self._topic(chat_id, thread_id)
        self._model.delete_topic(chat_id, thread_id)

    def _topic(self, chat_id: int, thread_id: int) -> None:
        """Check that a test addresses a topic that can exist: in a forum, not deleted."""
        if chat_id not in self._model.forums:
            raise ValueError(f"chat {chat_id} is not a forum: call make_forum() first")
        if (chat_id, thread_id) in self._model.deleted_topics:
            raise ValueError(f"topic {thread_id} of chat {chat_id} was deleted")

    def send_document(
        self,
        chat_id: int,
        data: bytes,
        file_name: str,
        *,
        caption: str = "",
        mime_type: str = "application/octet-stream",
        user_id: int | None = None,
        chat_type: str = "private",
    ) -> dict[str, Any]:
        """Queue a user's document (getFile, then GET /file/bot<token>/<path>); return the Message."""
        file_id = f"doc-{len(self._model.files) + 1}-{chat_id}"
        self._model.files[file_id] = (data, f"documents/{file_id}_{file_name}")
        document = {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(data),
        }
        uid = user_id if user_id is not None else (chat_id if chat_id > 0 else 1)
        sender = self._model.user(uid)
        extra = {"document": document, "caption_only": True}
        return self._model.user_message(chat_id, caption, sender, chat_type, None, extra)

    def forward_message(
        self,
        chat_id: int,
        text: str,
        *,
        channel_title: str | None = None,
        sender_name: str = "Someone",
        user_id: int | None = None,
        first_name: str = "Test",
        entities: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Queue a private message forwarded from a channel (channel_title given) or else from a user."""
        uid = user_id if user_id is not None else chat_id
        sender = self._model.user(uid, first_name)
        extra = {"forward_origin": self._origin(channel_title, sender_name)}
        return self._model.user_message(chat_id, text, sender, "private", entities, extra)

    def inline_query(self, user_id: int, query: str, *, offset: str = "", first_name: str = "Test") -> str:
        """Queue an inline query (`@bot query` typed by user_id); return its id for inline_answer()."""
        if not self._model.inline_mode:
            raise RuntimeError("inline mode is off for this bot (@BotFather /setinline)")
        if len(query) > 256:
            raise ValueError("Telegram sends inline queries of at most 256 characters")
        query_id = self._model.new_query_id()
        sender = self._model.user(user_id, first_name)
        body = {"id": query_id, "from": sender, "query": query, "offset": offset, "chat_type": "sender"}
        self._model.queries[query_id] = {"kind": "inline_query", **body}
        self._model.add_update({"inline_query": body})
        return query_id

    def press(
        self, chat_id: int, message_id: int, data: str, *, user_id: int | None = None, stale: bool = False
    ) -> str:
        """Queue a callback query: the user pressed a button with this callback_data; return its id.

        stale=True sends data the message's keyboard no longer has (a client showing an old keyboard).
        """
        message = self._model.stored(chat_id, message_id)
        if message is None:
            raise ValueError(f"no message {message_id} in chat {chat_id}")
        buttons = [b for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
        if not stale and not any(b.get("callback_data") == data for b in buttons):
            raise ValueError(f"message {message_id} has no button with callback_data {data!r}")
        uid = user_id if user_id is not None else chat_id
        query_id = self._model.new_query_id()
        body = {
            "id": query_id,
            "from": self._model.user(uid),
            "message": message,
            "chat_instance": f"ci{chat_id}",
            "data": data,
        }
        self._model.queries[query_id] = {"kind": "callback_query", **body}
        self._model.add_update({"callback_query": body})
        return query_id

    async def answer_of(self, query_id: str, timeout: float = 10.0) -> dict[str, Any]:
        """Wait for the bot's answerInlineQuery / answerCallbackQuery to a query; return its parameters."""
        if not await self._model.sent_signal.wait_until(lambda: query_id in self._model.answers, timeout):
            raise TimeoutError(f"query {query_id} got no answer within {timeout}s")
        return dict(self._model.answers[query_id])

    def add_update(self, update: dict[str, Any]) -> int:
        """Queue a raw update dict (its update_id is assigned here); return the update_id."""
        return self._model.add_update(update)

    def sent(self, chat_id: int | None = None) -> list[SentMessage]:
        """Messages the bot sent or edited so far, in order (an edit is a record with edited=True)."""
        if chat_id is None:
            return list(self._model.sent)
        return list(self._model.sent_by_chat.get(chat_id, ()))

    async def wait_for(self, chat_id: int, count: int = 1, timeout: float = 10.0) -> list[SentMessage]:
        """Wait for the next `count` unread records of a chat; return exactly those and mark them read."""
        start = self._cursors.get(chat_id, 0)

        def arrived() -> bool:
            return len(self._model.sent_by_chat.get(chat_id, ())) >= start + count

        if not await self._model.sent_signal.wait_until(arrived, timeout):
            raise TimeoutError(self._wait_report(chat_id, start, count, timeout))
        self._cursors[chat_id] = start + count
        return self.sent(chat_id)[start : start + count]

    def calls(self, method: str | None = None) -> list[ApiCall]:
        """Every request received, in order (method names compare case-insensitively)."""
        return [c for c in self._calls if method is None or c.method.lower() == method.lower()]

    def on_send(self, callback: Callable[[SentMessage], None]) -> None:
        """Call callback with each SentMessage as it is recorded (exceptions are logged)."""
        self._model.hooks.append(callback)

    def my_commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """The commands stored by setMyCommands for a scope (default scope when None) and language."""
        return list(self._model.commands.get(self._model.scope_key(scope, language_code), []))

    def menu_shown(self, chat_id: int, language_code: str = "") -> list[dict[str, Any]]:
        """The menu a user's app shows in their private chat with the bot, found as Telegram does: the
        most specific scope that has commands (this chat, all private chats, default), at each scope
        the user's language first, then the commands for all languages."""
        scopes = ({"type": "chat", "chat_id": chat_id}, {"type": "all_private_chats"}, None)
        for scope in scopes:
            for language in dict.fromkeys((language_code, "")):
                key = self._model.scope_key(scope, language)
                if self._model.commands.get(key):
                    return list(self._model.commands[key])
        return []

    @property
    def webhook(self) -> dict[str, Any]:
        """The webhook stored by setWebhook: url ("" when none), secret_token, allowed_updates."""
        return dict(self._model.webhook)

    # --- faults ---

    def block(self, chat_id: int, *, notify: bool = False) -> None:
        """Make calls to chat_id fail with 403; notify queues the my_chat_member update (kicked)."""
        self._model.set_blocked(chat_id, True, notify=notify)

    def unblock(self, chat_id: int, *, notify: bool = False) -> None:
        """Undo block(); notify queues the my_chat_member update (member)."""
        self._model.set_blocked(chat_id, False, notify=notify)

    def set_member_status(self, chat_id: int, user_id: int, status: str) -> None:
        """Set what getChatMember answers for a user in a chat: creator, administrator, member or left."""
        if status not in {"creator", "administrator", "member", "left"}:
            raise ValueError(f"not a chat member status: {status!r}")
        self._model.member_status[(chat_id, user_id)] = status

    # --- channels ---

    def add_channel(
        self,
        chat_id: int,
        title: str = "Test channel",
        *,
        username: str | None = None,
        admin: bool = True,
        notify: bool = True,
        **rights: bool,
    ) -> None:
        """A channel (`@username` when public); admin: the bot is its administrator with every right
        (`rights`, e.g. can_post_messages=False, override some), else not in it. notify queues the
        my_chat_member update Telegram sends when the bot is made an administrator."""
        self._model.add_channel(chat_id, title, username)
        if admin:
            self._model.set_bot_member(chat_id, {**CHANNEL_ADMIN, **rights}, notify=notify)

    def set_bot_rights(self, chat_id: int, *, notify: bool = True, **rights: bool) -> None:
        """Change the bot's administrator rights in a channel (promoted if it was not an admin), e.g.
        can_post_messages=False; notify queues the my_chat_member update."""
        current = self._model.bot_members.get(chat_id, {})
        base = current if current.get("status") == "administrator" else CHANNEL_ADMIN
        self._model.set_bot_member(chat_id, {**base, **rights}, notify=notify)

    def remove_bot(self, chat_id: int, *, banned: bool = False, notify: bool = True) -> None:
        """An admin removes (banned: bans) the bot from a channel: posting there then fails with 403 "bot is
        not a member of the channel chat"; notify queues the my_chat_member update."""
        self._model.set_bot_member(chat_id, {"status": "kicked" if banned else "left"}, notify=notify)

    def pins(self, chat_id: int) -> list[int]:
        """The message ids pinned in a chat (pinChatMessage), in order."""
        return list(self._model.pins.get(chat_id, ()))

    def post_in_channel(self, chat_id: int, text: str) -> dict[str, Any]:
        """Someone posts in a channel: Telegram sends the bot a channel_post (no sender user)."""
        return self._model.user_message(chat_id, text, {}, "channel", None, {})

    def open_link(self, user_id: int, url: str, *, first_name: str = "Test") -> dict[str, Any]:
        """A user opens a t.me deep link to this bot: Telegram opens the private chat and sends
        "/start <payload>" (a link to another bot, or a payload Telegram would drop, is refused)."""
        match = _DEEP_LINK.fullmatch(url)
        if match is None or match.group(1).casefold() != self.bot_username.casefold():
            raise ValueError(f"not a deep link to @{self.bot_username}: {url!r}")
        if _PAYLOAD.fullmatch(match.group(2)) is None:
            raise ValueError(f"Telegram ignores the start parameter {match.group(2)!r}")
        return self.send_message(user_id, f"/start {match.group(2)}", user_id=user_id, first_name=first_name)

    def migrate(self, chat_id: int, new_chat_id: int) -> None:
        """Upgrade group chat_id to supergroup new_chat_id: sends to the old id then fail (400, migrate)."""
        self._model.migrated[chat_id] = new_chat_id

    def fail_next(
        self,
        method: str,
        *,
        status: int,
        count: int = 1,
        retry_after: int | None = None,
        description: str | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        """Make the next `count` calls of method ("*" = any, getUpdates included) fail with status."""
        if count <= 0:
            return
        parameters: dict[str, Any] = {}
        if retry_after is not None or status == 429:
            parameters["retry_after"] = retry_after if retry_after is not None else 1
        if migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = migrate_to_chat_id
        text = description if description is not None else _default_description(status, parameters)
        self._faults.append(Fault(method.lower(), status, count, text, parameters or None))

    def set_delay(self, seconds: float, method: str = "*", *, drop_if_gone: bool = False) -> None:
        """Delay responses to method ("*" = methods without their own delay); 0 removes the delay.

        By default the request is still executed when the client has given up meanwhile (Telegram may
        deliver a message whose request timed out). drop_if_gone=True models latency on the way *to*
        Telegram instead: a request whose client went away (timeout, killed process) is never executed.
        """
        key = method.lower()
        if seconds > 0:
            self._delays[key] = seconds
        else:
            self._delays.pop(key, None)
        (self._drop_if_gone.add if seconds > 0 and drop_if_gone else self._drop_if_gone.discard)(key)

    # --- HTTP ---

    def _download(self, request: web.Request) -> web.Response | None:
        """GET /file/bot<token>/<file_path>: a file's bytes (None: not a download request)."""
        match = _FILE_PATH.fullmatch(request.path)
        if match is None:
            return None
        if match.group(1) != self.token:
            return web.json_response(ApiError(401, "Unauthorized").body(), status=401)
        for data, path in self._model.files.values():
            if path == match.group(2):
                self._calls.append(ApiCall("download", {"file_path": path}, 200, 0.0))
                return web.Response(body=data, content_type="application/octet-stream")
        return web.json_response(ApiError(404, "Not Found").body(), status=404)

    async def _handle(self, request: web.Request) -> web.Response:
        """Serve one Bot API request."""
        download = self._download(request)
        if download is not None:
            return download
        match = _PATH.fullmatch(request.path)
        method = match.group(2) if match else request.path
        params: dict[str, Any] = {}
        try:
            if match is None:
                raise ApiError(404, "Not Found")
            if match.group(1) != self.token:
                raise ApiError(401, "Unauthorized")
            method = self._methods.get(method.lower(), method)
            params = await _read_params(request)
            if "chat_id" in params:  # a public chat's "@username"
                params["chat_id"] = self._model.resolve(params["chat_id"])
                if params["chat_id"] is None:
                    raise bad_request("chat not found")
            dropping = self._delay_key(method) in self._drop_if_gone
            await self._delay(method)
            if dropping and (request.transport is None or request.transport.is_closing()):
                # The client gave up (timeout) or died while the request was still on its way: it never
                # reached Telegram, so nothing is executed (see set_delay's drop_if_gone).
                self._calls.append(ApiCall(method, params, 499, asyncio.get_running_loop().time()))
                return web.Response(status=499)
            self._check_fault(method)
            if method not in METHODS:
                raise ApiError(404, "Not Found: method not found")
            self._check_blocked(method, params)
            status, body = 200, {"ok": True, "result": await METHODS[method](self._model, params)}
        except ApiError as exc:
            status, body = exc.status, exc.body()
        self._calls.append(ApiCall(method, params, status, asyncio.get_running_loop().time()))
        return web.json_response(body, status=status)

    def _delay_key(self, method: str) -> str:
        return method.lower() if method.lower() in self._delays else "*"

    async def _delay(self, method: str) -> None:
        seconds = self._delays.get(method.lower(), self._delays.get("*", 0.0))
        if seconds > 0:
            await self._model.updates_signal.wait_until(lambda: self._model.closing, seconds)

    def _check_fault(self, method: str) -> None:
        for fault in self._faults:
            if fault.method in ("*", method.lower()):
                fault.count -= 1
                self._faults = [f for f in self._faults if f.count > 0]
                raise ApiError(fault.status, fault.description, fault.parameters)

    def _check_blocked(self, method: str, params: dict[str, Any]) -> None:
        if not method.startswith(("send", "edit", "forward", "copy")) or "chat_id" not in params:
            return
        chat = self._model.chat(chat_id_of(params))
        if chat["id"] in self._model.migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self._model.migrated[chat["id"]]},
            )
        check_post(self._model, chat["id"], method)
        if chat["id"] in self._model.blocked:
            reason = {
                "private": "bot was blocked by the user",
                "channel": "bot is not a member of the channel chat",
            }.get(chat["type"], f"bot was kicked from the {chat['type']} chat")
            raise ApiError(403, f"Forbidden: {reason}")

    # --- webhook ---

    async def _push_webhook(self) -> None:
        """While a webhook is set, POST each pending update to it (with the secret header), in order;
        an update is dropped from the queue only once the bot answered 2xx, as Telegram does."""
        model = self._model
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            while not model.closing:
                await model.updates_signal.wait_until(
                    lambda: model.closing or bool(model.webhook["url"] and model.pending()), 3600
                )
                if model.closing:
                    return
                update = model.pending()[0]
                headers = {}
                if model.webhook.get("secret_token"):
                    headers["X-Telegram-Bot-Api-Secret-Token"] = str(model.webhook["secret_token"])
                try:
                    async with session.post(model.webhook["url"], json=update, headers=headers) as response:
                        status = response.status
                except (aiohttp.ClientError, TimeoutError):
                    status = 0
                self.webhook_deliveries.append(status)
                if 200 <= status < 300:
                    model.confirm(update["update_id"] + 1)
                else:
                    await asyncio.sleep(0.2)  # Telegram retries later

    # --- helpers ---

    def _origin(self, channel_title: str | None, sender_name: str) -> dict[str, Any]:
        """A MessageOrigin dict: from a channel when channel_title is given, else from a user."""
        date = int(time.time()) - 60
        if channel_title is None:
            user = {"id": 999000, "is_bot": False, "first_name": sender_name}
            return {"type": "user", "date": date, "sender_user": user}
        chat = {"id": -1001000000001, "type": "channel", "title": channel_title}
        return {"type": "channel", "date": date, "chat": chat, "message_id": 1}

    def _wait_report(self, chat_id: int, start: int, count: int, timeout: float) -> str:
        """Why wait_for timed out: what this chat got, other chats, recent failed calls."""
        got = self.sent(chat_id)
        lines = [f"chat {chat_id}: wanted {count} new message(s) within {timeout}s, got {len(got) - start}"]
        for i, m in enumerate(got):
            lines.append(f"  {'new ' if i >= start else 'read'} #{m.message_id} {m.method}: {m.text!r}")
        others = sorted({m.chat_id for m in self._model.sent} - {chat_id})
        if others:
            lines.append(f"  other chats the bot sent to: {others}")
        lines += [f"  failed: {c.method} -> {c.status} {c.params}" for c in self._calls if c.status != 200][
            -10:
        ]
        return "\n".join(lines)
