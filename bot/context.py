"""The typed callback context every handler and job gets (PTB's `ContextTypes`): `context.services`."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot
from telegram.request import BaseRequest

from bot.errors import NewsbotError
from bot.services import Services


class NotStartedError(NewsbotError):
    """A callback ran before start-up attached the services (PTB runs none before post_init)."""


class BotData:
    """The application's `bot_data`: the services, once start-up has built them."""

    def __init__(self) -> None:
        """Empty until `attach`."""
        self._services: Services | None = None
        # The bot's HTTP backends: a start that fails after Bot.initialize opened them (a refused token)
        # leaves them open, since PTB shuts down only what finished initializing; __main__ closes them.
        self.requests: tuple[BaseRequest, ...] = ()

    def attach(self, services: Services) -> None:
        """Make `services` reachable from every callback context."""
        self._services = services

    def detach(self) -> Services | None:
        """Forget the services (shutdown) and return them, if any were attached."""
        services, self._services = self._services, None
        return services

    @property
    def services(self) -> Services:
        """The attached services."""
        if self._services is None:
            raise NotStartedError("the bot's services are not built yet")
        return self._services


ChatData = dict[Any, Any]
UserData = dict[Any, Any]


class Context(CallbackContext[ExtBot[Any], UserData, ChatData, BotData]):
    """PTB's CallbackContext with the bot's services typed."""

    @property
    def services(self) -> Services:
        """The services built at start-up."""
        return self.bot_data.services


NewsApplication = Application[ExtBot[Any], Context, UserData, ChatData, BotData, Any]
