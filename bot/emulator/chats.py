"""ChatModel: the emulator's chats, messages, update queue and record of what the bot sent."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any, Final

from bot.emulator.state import SentMessage, Signal

log = logging.getLogger(__name__)

_COMMAND: Final = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{1,64})?")
_DEFAULT_EXCLUDED: Final = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
# A channel administrator's rights (ChatMemberAdministrator) unless a test says otherwise.
CHANNEL_ADMIN: Final = {
    "status": "administrator",
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": True,
    "can_edit_stories": True,
    "can_delete_stories": True,
    "can_post_messages": True,
    "can_edit_messages": True,
}


class ChatModel:
    """Everything the fake Telegram remembers; no HTTP here."""

    def __init__(self, me: dict[str, Any]) -> None:
        self.me = me
        self.closing = False
        self.chats: dict[int, dict[str, Any]] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}  # user and bot messages
        self.last_ids: dict[int, int] = {}
        self.updates: list[dict[str, Any]] = []
        self.next_update_id = 1
        self.allowed_updates: frozenset[str] | None = None
        self.poll_generation = 0
        self.updates_signal = Signal()
        self.sent: list[SentMessage] = []
        # The same records per chat: wait_for() re-checks its chat on every send, and scanning all of
        # `sent` there made a fan-out with a command waiting O(messages^2) (minutes at 100k).
        self.sent_by_chat: dict[int, list[SentMessage]] = {}
        self.sent_signal = Signal()
        self.hooks: list[Callable[[SentMessage], None]] = []
        self.blocked: set[int] = set()
        self.migrated: dict[int, int] = {}  # group id -> the supergroup it was upgraded to
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.webhook: dict[str, Any] = {"url": "", "secret_token": None, "allowed_updates": None}
        self.inline_mode = True
        self.queries: dict[str, dict[str, Any]] = {}  # inline and callback query id -> the query
        self.answers: dict[str, dict[str, Any]] = {}  # query id -> parameters of its answer
        self.next_query_id = 1
        self.member_status: dict[tuple[int, int], str] = {}  # (chat, user) -> status; default "member"
        self.files: dict[str, tuple[bytes, str]] = {}  # file_id -> (content, file_path) of user uploads
        self.forums: set[int] = set()  # supergroups with topics (is_forum)
        self.bot_members: dict[int, dict[str, Any]] = {}  # channel -> the bot's ChatMember there
        self.usernames: dict[str, int] = {}  # casefolded public @username -> chat id
        self.pins: dict[int, list[int]] = {}  # chat -> message ids pinned, in order
        self.closed_topics: set[tuple[int, int]] = set()  # (forum, thread): only its admins write there
        self.deleted_topics: set[tuple[int, int]] = set()  # (forum, thread): gone, with its messages
        self.languages: dict[int, str] = {}  # user id -> the language_code of their Telegram app

    def user(self, user_id: int, first_name: str = "Test") -> dict[str, Any]:
        """The User dict of a person: with the language_code of their app when set_language() set one
        (Telegram sends it on their messages, button presses and inline queries)."""
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if user_id in self.languages:
            user["language_code"] = self.languages[user_id]
        return user

    def chat(self, chat_id: int) -> dict[str, Any]:
        """The Chat dict of a chat: as last seen, or derived from the sign of its id."""
        if chat_id in self.chats:
            return dict(self.chats[chat_id])
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "Test"}
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        return {"id": chat_id, "type": kind, "title": f"Test {kind}", **self._forum(chat_id)}

    def _forum(self, chat_id: int) -> dict[str, Any]:
        """{"is_forum": True} for a forum supergroup."""
        return {"is_forum": True} if chat_id in self.forums else {}

    def next_id(self, chat_id: int) -> int:
        """Allocate the next message_id of a chat (shared by user and bot messages)."""
        self.last_ids[chat_id] = self.last_ids.get(chat_id, 0) + 1
        return self.last_ids[chat_id]

    def store(self, message: dict[str, Any]) -> None:
        """Remember a message so it can be replied to, edited or deleted."""
        chat_id, message_id = message["chat"]["id"], message["message_id"]
        self.chats.setdefault(chat_id, dict(message["chat"]))
        self.last_ids[chat_id] = max(self.last_ids.get(chat_id, 0), message_id)
        self.messages[(chat_id, message_id)] = message

    def stored(self, chat_id: int, message_id: int | None) -> dict[str, Any] | None:
        """A copy of a stored message without its own reply_to_message (Telegram nests one level)."""
        message = self.messages.get((chat_id, message_id or 0))
        return None if message is None else {k: v for k, v in message.items() if k != "reply_to_message"}

    def add_update(self, update: dict[str, Any]) -> int:
        """Queue a raw update, assigning its update_id; return the update_id."""
        update = {**update, "update_id": self.next_update_id}
        self.next_update_id += 1
        for key in ("message", "edited_message", "channel_post", "edited_channel_post"):
            if isinstance(update.get(key), dict):
                self.store(update[key])
        self.updates.append(update)
        self.updates_signal.notify()
        return self.next_update_id - 1

    def confirm(self, offset: int) -> None:
        """Forget updates before offset (a negative offset keeps only the last -offset ones)."""
        if offset > 0:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        elif offset < 0:
            self.updates = self.updates[offset:]

    def pending(self) -> list[dict[str, Any]]:
        """Queued updates of allowed types (others are dropped, as Telegram never sends them)."""
        allowed = self.allowed_updates

        def wanted(update: dict[str, Any]) -> bool:
            kinds = set(update) - {"update_id"}
            return bool(kinds & allowed) if allowed else not kinds <= _DEFAULT_EXCLUDED

        self.updates = [u for u in self.updates if wanted(u)]
        return list(self.updates)

    def user_message(
        self,
        chat_id: int,
        text: str,
        sender: dict[str, Any],
        chat_type: str,
        entities: list[dict[str, Any]] | None,
        extra: dict[str, Any],
    ) -> dict[str, Any]:
        """Queue an update with a message written by sender (a channel_post in channels)."""
        if chat_type == "private":
            chat = {"id": chat_id, "type": chat_type, "first_name": sender["first_name"]}
            if chat_id in self.blocked:  # a blocked user writing again has restarted the bot
                self.set_blocked(chat_id, False, notify=True)
        elif self.chats.get(chat_id, {}).get("type") == chat_type:  # a known group or channel
            chat = dict(self.chats[chat_id])
        else:
            chat = {"id": chat_id, "type": chat_type, "title": f"Test {chat_type}", **self._forum(chat_id)}
        self.chats[chat_id] = chat
        entities = list(entities or [])
        command = _COMMAND.match(text)
        if command and not any(e.get("type") == "bot_command" and e.get("offset") == 0 for e in entities):
            entities.insert(0, {"type": "bot_command", "offset": 0, "length": command.end()})
        message: dict[str, Any] = {
            "message_id": self.next_id(chat_id),
            "date": int(time.time()),
            "chat": chat,
        }
        message["sender_chat" if chat_type == "channel" else "from"] = (
            chat if chat_type == "channel" else sender
        )
        caption = extra.pop("caption_only", False)  # a document: its text is the caption
        message.update(extra)
        if text or not caption:
            message["caption" if caption else "text"] = text
        if entities:
            message["caption_entities" if caption else "entities"] = entities
        self.add_update({"channel_post" if chat_type == "channel" else "message": message})
        return message

    def create_topic(self, chat_id: int, name: str, sender: dict[str, Any]) -> int:
        """Queue the forum_topic_created service message of a new topic; return its message_thread_id
        (Telegram's: the id of that first message of the topic)."""
        chat = self.chat(chat_id)
        self.chats[chat_id] = chat
        message_id = self.next_id(chat_id)
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": sender,
            "message_thread_id": message_id,
            "is_topic_message": True,
            "forum_topic_created": {"name": name, "icon_color": 7322096},
        }
        self.add_update({"message": message})
        return message_id

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        """Delete a forum topic and every message in it; Telegram sends the bot no update for that."""
        self.deleted_topics.add((chat_id, thread_id))
        self.closed_topics.discard((chat_id, thread_id))
        gone = {
            message_id
            for (chat, message_id), message in self.messages.items()
            if chat == chat_id
            and message.get("is_topic_message")
            and message.get("message_thread_id") == thread_id
        }
        for message_id in gone:
            del self.messages[(chat_id, message_id)]
        for record in self.sent_by_chat.get(chat_id, ()):
            if record.message_id in gone:
                record.deleted = True

    def new_query_id(self) -> str:
        """A fresh inline or callback query id (Telegram's are opaque strings)."""
        self.next_query_id += 1
        return str(7_000_000_000 + self.next_query_id)

    def answer(self, query_id: str, params: dict[str, Any]) -> None:
        """Record the one answer a query may get, and wake waiters."""
        self.answers[query_id] = params
        self.sent_signal.notify()

    def set_blocked(self, chat_id: int, blocked: bool, *, notify: bool) -> None:
        """Block or unblock a chat; notify queues the my_chat_member update Telegram would send."""
        if chat_id in self.bot_members:  # a channel: the bot is banned from it (or made an admin again)
            self.set_bot_member(chat_id, {"status": "kicked"} if blocked else CHANNEL_ADMIN, notify=notify)
            return
        (self.blocked.add if blocked else self.blocked.discard)(chat_id)
        if not notify:
            return
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        member = {"user": self.me, "until_date": 0}
        self._member_update(chat_id, {"status": old, **member}, {"status": new, **member})

    def _member_update(self, chat_id: int, old: dict[str, Any], new: dict[str, Any]) -> None:
        """Queue the my_chat_member update of the bot's change from `old` to `new` in a chat."""
        change = {
            "chat": self.chat(chat_id),
            "from": self.user(chat_id if chat_id > 0 else 1),
            "date": int(time.time()),
            "old_chat_member": old,
            "new_chat_member": new,
        }
        self.add_update({"my_chat_member": change})

    def add_channel(self, chat_id: int, title: str, username: str | None) -> None:
        """Know a channel (its Chat, its public @username if any); the bot is not in it yet."""
        chat: dict[str, Any] = {"id": chat_id, "type": "channel", "title": title}
        if username:
            chat["username"] = username
            self.usernames[username.casefold()] = chat_id
        self.chats[chat_id] = chat
        self.bot_members.setdefault(chat_id, {"status": "left", "user": self.me})

    def set_bot_member(self, chat_id: int, member: dict[str, Any], *, notify: bool) -> None:
        """The bot's ChatMember in a channel becomes `member` (an administrator with its rights, "left",
        "kicked"); notify queues the my_chat_member update. Out of the channel, posting there fails (403)."""
        old = self.bot_members.get(chat_id, {"status": "left", "user": self.me})
        member = {**member, "user": self.me}
        if member["status"] != "administrator":
            member = {key: value for key, value in member.items() if key in ("status", "user")}
            if member["status"] == "kicked":
                member["until_date"] = 0
        self.bot_members[chat_id] = member
        out = member["status"] in ("left", "kicked")
        (self.blocked.add if out else self.blocked.discard)(chat_id)
        if notify:
            self._member_update(chat_id, old, member)

    def resolve(self, chat_id: Any) -> Any:
        """A chat_id parameter with "@username" replaced by the chat's numeric id (None: unknown)."""
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            return self.usernames.get(chat_id[1:].casefold())
        return chat_id

    @staticmethod
    def scope_key(scope: Any, language_code: Any) -> str:
        """Key of a BotCommandScope + language for stored commands."""
        return json.dumps(scope or {"type": "default"}, sort_keys=True) + "|" + str(language_code or "")

    def record(self, record: SentMessage) -> None:
        """Append a SentMessage, wake wait_for() and run on_send hooks."""
        self.sent.append(record)
        self.sent_by_chat.setdefault(record.chat_id, []).append(record)
        self.sent_signal.notify()
        for hook in self.hooks:
            try:
                hook(record)
            except Exception:
                log.exception("on_send callback failed")
