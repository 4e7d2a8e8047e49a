"""Webhook mode on loopback: the fake Bot API POSTs updates to the bot; a wrong secret is refused."""

from __future__ import annotations

import asyncio
import socket

import aiohttp

from bot.app import Webhook
from bot.config import Settings
from bot.emulator import FakeBotAPI
from tests.conftest import BotHarness, Chat

SECRET = "s3cret-Token_1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_webhook_mode_answers_updates_pushed_by_telegram_and_refuses_a_wrong_secret(
    harness: BotHarness, emulator: FakeBotAPI, user: Chat
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    hook = Webhook(url=url, secret=SECRET, port=port, listen="127.0.0.1", path="telegram")
    async with harness.run(webhook=hook):
        assert emulator.webhook["url"] == url and emulator.webhook["secret_token"] == SECRET
        assert "/subscribe" in await user.ask("/start")
        assert "Subscribed!" in await user.ask("/subscribe")
        assert emulator.calls("getUpdates") == []  # nothing was polled: the updates were pushed
        assert emulator.webhook_deliveries and set(emulator.webhook_deliveries) == {200}

        forged = {"update_id": 10_000, "message": {**_message(999), "text": "/start"}}
        async with aiohttp.ClientSession() as session:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                async with session.post(url, json=forged, headers=headers) as response:
                    assert response.status == 403
        await asyncio.sleep(0.5)
        assert emulator.sent(999) == []  # the forged updates were not processed


def _message(chat_id: int) -> dict[str, object]:
    return {
        "message_id": 1,
        "date": 0,
        "chat": {"id": chat_id, "type": "private", "first_name": "Mallory"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "Mallory"},
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
    }


def test_webhook_settings_need_a_secret_and_give_the_path() -> None:
    import pytest

    from bot.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match="WEBHOOK_SECRET"):
        load_settings(_env_file=None, webhook_url="https://bot.example.com/tg")
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET"):
        load_settings(_env_file=None, webhook_url="https://bot.example.com/tg", webhook_secret="bad secret!")
    settings: Settings = load_settings(
        _env_file=None, webhook_url="https://bot.example.com/tg/hook", webhook_secret=SECRET, port=8080
    )
    hook = Webhook.from_settings(settings)
    assert hook is not None and hook.path == "tg/hook" and hook.port == 8080 and hook.secret == SECRET
    assert Webhook.from_settings(load_settings(_env_file=None)) is None
