"""The delivery engine's own errors: how one delivery's attempt ends when it does not end "sent"."""

from __future__ import annotations

from bot.errors import NewsbotError


class DeliveryError(NewsbotError):
    """Base class of the delivery engine's own errors."""


class ChatBlocked(DeliveryError):
    """Telegram answered 403: the user blocked the bot or the chat is gone."""


class LeaseLost(DeliveryError):
    """Another instance took the delivery over (this one's lease expired); stop without sending."""


class PartFailed(DeliveryError):
    """A part could not be sent within the retry bound (or Telegram refused it for good)."""
