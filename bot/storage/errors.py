"""Storage exception hierarchy: everything raised on purpose derives from StorageError."""

from __future__ import annotations

from bot.errors import NewsbotError


class StorageError(NewsbotError):
    """Base class for storage-layer errors."""


class DuplicateArticleError(StorageError):
    """An article with the same normalized body is already stored."""

    def __init__(self, existing_id: int) -> None:
        super().__init__(f"duplicate of article #{existing_id}")
        self.existing_id = existing_id


class SubscriberNotFoundError(StorageError, LookupError):
    """The chat has no subscriber row; call ensure_subscriber first."""

    def __init__(self, chat_id: int) -> None:
        super().__init__(f"no subscriber for chat {chat_id}")
        self.chat_id = chat_id


class ChannelNotFoundError(StorageError, LookupError):
    """No channel has this chat id (it was removed meanwhile)."""

    def __init__(self, chat_id: int) -> None:
        super().__init__(f"no channel {chat_id}")
        self.chat_id = chat_id


class DatabaseOpenError(StorageError):
    """The database cannot be created, opened, reached or migrated; the message shows no password."""


class InvalidValueError(StorageError, ValueError):
    """A value does not fit its column (too long, a NUL character, an integer out of range)."""

    def __init__(self, column: str, problem: str) -> None:
        super().__init__(f"{column}: {problem}")
        self.column = column
