"""A fake Telegram Bot API server over real HTTP, for tests and the local playground."""

from bot.emulator.html import HtmlParseError, parse_html, utf16_len
from bot.emulator.server import FakeBotAPI
from bot.emulator.state import ApiCall, SentMessage

__all__ = ["ApiCall", "FakeBotAPI", "HtmlParseError", "SentMessage", "parse_html", "utf16_len"]
