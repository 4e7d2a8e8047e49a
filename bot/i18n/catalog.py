"""The shipped languages: their compiled catalogs (bot/locales), loaded once, and which one a chat gets.

A chat is spoken to in its own choice (`/language`, stored on its subscriber row); else, in a private
chat, the sender's Telegram language (`language_code`, matched by base language: pt-br → pt), or with no
sender (the digest) the one last seen from that user; else BOT_LANGUAGE. Groups and channels: the
choice of an admin, else BOT_LANGUAGE.
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path
from typing import Final

from babel import Locale

from bot.errors import NewsbotError
from bot.i18n.languages import SHIPPED, SOURCE_LANGUAGE
from bot.i18n.translator import Translator

LOCALES_DIR: Final = Path(__file__).resolve().parent.parent / "locales"
DOMAIN: Final = "messages"
# The Babel locale a language's dates and numbers are written in (English: the British way, as before).
FORMAT_LOCALES: Final = {"en": "en_GB"}
# Telegram's language_code is an IETF tag (en, pt-br, zh-hans); anything else is ignored.
_TAG: Final = re.compile(r"[a-z]{2,3}(?:[-_][a-z0-9]{1,8})*")
# Functions whose string arguments `make locales` extracts (pybabel extract -k; N_ is Babel's own).
KEYWORDS: Final = {"t": None, "plural": (1, 2), "N_": None}


class CatalogError(NewsbotError):
    """A shipped language has no compiled catalog (a build that left out bot/locales/*/LC_MESSAGES/*.mo)."""


def normalize_tag(language_code: str | None) -> str | None:
    """Telegram's language_code, lower case with "-" ("pt_BR" → "pt-br"); None if it is not a tag."""
    tag = (language_code or "").strip().lower().replace("_", "-")
    return tag if _TAG.fullmatch(tag) and len(tag) <= 35 else None


class Catalog:
    """Every shipped language's Translator, and the choice of one for a chat."""

    def __init__(self, default: str = SOURCE_LANGUAGE, directory: Path = LOCALES_DIR) -> None:
        """Load each shipped catalog from `directory`; `default` (BOT_LANGUAGE) is what a chat without a
        language of its own gets. CatalogError when a catalog is missing."""
        if default not in SHIPPED:
            raise ValueError(f"{default!r} is not a shipped language ({', '.join(SHIPPED)})")
        self.default = default
        self._translators = {code: _load(code, directory) for code in SHIPPED}

    def get(self, code: str | None) -> Translator:
        """The translator of a shipped language; the default's for anything else."""
        return self._translators.get(code or "", self._translators[self.default])

    def match(self, language_code: str | None) -> str | None:
        """The shipped language of a Telegram language_code: itself, else its base language (pt-br →
        pt); None when neither is shipped."""
        tag = normalize_tag(language_code)
        if tag is None:
            return None
        if tag in self._translators:
            return tag
        base = tag.split("-", 1)[0]
        return base if base in self._translators else None

    def for_chat(
        self, *, chosen: str | None, private: bool, sender: str | None, last_seen: str | None = None
    ) -> Translator:
        """The chat's language: its own choice, else (private chats) the sender's language_code, else
        the last one seen from that user (no sender: the digest), else the default."""
        if chosen in self._translators:
            return self._translators[chosen]
        if private:
            found = self.match(sender) if sender else self.match(last_seen)
            if found is not None:
                return self._translators[found]
        return self._translators[self.default]


def _load(code: str, directory: Path) -> Translator:
    """One language's compiled catalog (messages.mo); CatalogError if it is missing."""
    try:
        messages = gettext.translation(DOMAIN, directory, languages=[code])
    except OSError as exc:
        raise CatalogError(
            f"no compiled catalog for {code!r} in {directory} (run `make locales`): {exc}"
        ) from None
    return Translator(code, Locale.parse(FORMAT_LOCALES.get(code, code)), messages)
