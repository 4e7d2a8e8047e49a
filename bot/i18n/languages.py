"""The shipped languages (no imports: bot.config validates BOT_LANGUAGE with them, bot.health stays light)."""

from __future__ import annotations

from typing import Final

SOURCE_LANGUAGE: Final = "en"  # the language of the msgids: the strings as written in the code
# Each shipped language's own name, as /language lists it; a catalog for each in bot/locales.
LANGUAGE_NAMES: Final = {
    "en": "English",
    "de": "Deutsch",
    "es": "Español",
    "ru": "Русский",
    "uk": "Українська",
}
SHIPPED: Final = tuple(LANGUAGE_NAMES)
