"""Records, request parameters and small helpers of the fake Bot API server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

_JSON_KEYS: Final = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "allowed_updates",
        "reply_parameters",
        "link_preview_options",
        "media",
        "results",
    }
)
_INT_KEYS: Final = frozenset(
    {
        "message_id",
        "offset",
        "limit",
        "timeout",
        "user_id",
        "message_thread_id",
        "cache_time",
        "reply_to_message_id",
        "max_connections",
        "file_size",
    }
)
_BOOL_KEYS: Final = frozenset(
    {
        "disable_notification",
        "protect_content",
        "show_alert",
        "drop_pending_updates",
        "allow_sending_without_reply",
        "disable_web_page_preview",
        "has_spoiler",
        "show_caption_above_media",
    }
)
_ID_KEYS: Final = frozenset({"chat_id", "from_chat_id"})


class ApiError(Exception):
    """A Bot API error response: HTTP status, description and optional parameters."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        """The JSON envelope Telegram returns for this error."""
        body: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str) -> ApiError:
    """A 400 error with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {reason}")


@dataclass
class SentMessage:
    """A message the bot sent or edited (one record per accepted sendX/editX call)."""

    message_id: int
    chat_id: int
    text: str  # plain text after entity parsing (the caption for photos/documents)
    raw_text: str  # as sent by the bot
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    reply_to_message_id: int | None
    method: str
    date: int
    edited: bool = False
    entities: list[dict[str, Any]] = field(default_factory=list)
    photo: bytes | None = None
    document: bytes | None = None
    file_name: str | None = None
    deleted: bool = False  # set when the bot later deletes this message
    thread_id: int | None = None  # message_thread_id: the forum topic it was sent to
    link_preview: dict[str, Any] | None = None  # link_preview_options as sent (None: not given)
    disable_notification: bool = False  # sent silently


@dataclass(frozen=True)
class ApiCall:
    """One HTTP request the server received."""

    method: str
    params: dict[str, Any]
    status: int
    at: float  # loop time when the response was produced


@dataclass
class Fault:
    """A scheduled failure for the next `count` calls of `method` ("*" = any)."""

    method: str
    status: int
    count: int
    description: str
    parameters: dict[str, Any] | None


class Signal:
    """Wakes every coroutine waiting in wait_until() when notify() is called (no lock needed)."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Event] = set()

    def notify(self) -> None:
        """Wake all current waiters."""
        for event in self._waiters:
            event.set()

    async def wait_until(self, predicate: Callable[[], bool], seconds: float) -> bool:
        """Wait until predicate() is true (re-checked on notify); False when `seconds` pass first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            event = asyncio.Event()
            self._waiters.add(event)
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                pass
            finally:
                self._waiters.discard(event)
        return True


def _normalize(key: str, value: Any) -> Any:
    """Give a form (string) value the type it would have in a JSON body."""
    if not isinstance(value, str):
        return value
    try:
        if key in _JSON_KEYS:
            return json.loads(value)
        if key in _INT_KEYS or (key in _ID_KEYS and value.lstrip("-").isdigit()):
            return int(value)
    except ValueError as exc:
        raise bad_request(f"can't parse {key} JSON object" if key in _JSON_KEYS else f"wrong {key}") from exc
    if key in _BOOL_KEYS:
        return value.lower() in ("true", "1")
    return value


def normalize_params(
    values: Mapping[str, Any], files: Mapping[str, tuple[bytes, str | None]]
) -> dict[str, Any]:
    """Decode nested JSON/ints/bools of form values and resolve uploaded files (and attach://name)."""
    params: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, str) and value.startswith("attach://") and value[9:] in files:
            params[key] = files[value[9:]]
        else:
            params[key] = _normalize(key, value)
    for key, upload in files.items():
        params.setdefault(key, upload)
    return params


def opt_int(params: Mapping[str, Any], key: str) -> int | None:
    """An optional integer parameter."""
    value = params.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise bad_request(f"wrong parameter {key}")
    try:
        return int(value)
    except ValueError as exc:
        raise bad_request(f"wrong parameter {key}") from exc


def chat_id_of(params: Mapping[str, Any]) -> int:
    """The required chat_id parameter (numeric ids only; "@username" chats are not emulated)."""
    if params.get("chat_id") in (None, ""):
        raise bad_request("chat_id is empty")
    value = params["chat_id"]
    if isinstance(value, str) and not value.lstrip("-").isdigit():
        raise bad_request("chat not found")
    chat_id = opt_int(params, "chat_id")
    assert chat_id is not None
    return chat_id
