"""One language's messages and formats: gettext for the words, Babel for numbers, dates and ages."""

from __future__ import annotations

import gettext
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Final

from babel import Locale
from babel.dates import format_date, format_skeleton, format_timedelta
from babel.numbers import format_decimal

from bot.errors import NewsbotError
from bot.i18n.languages import LANGUAGE_NAMES

log = logging.getLogger(__name__)

# Ages are floored to whole minutes and hours ("3 h ago" until 4 h have passed) and never round up to
# the next unit (59 minutes stay minutes): Babel picks the largest unit whose value is at least this.
_WHOLE_UNITS: Final = 1.0


def N_(message: str) -> str:
    """Mark a string for extraction (`make locales`) without translating it: it is translated where it
    is shown, `t(MESSAGE)`. For strings defined before a reader is known (the command table, usage lines)."""
    return message


JUST_NOW: Final = N_("just now")


@dataclass(frozen=True)
class Translator:
    """The reader's language: `t("Hello, {name}!", name=...)`, `t.plural("{count} story", "{count}
    stories", n)`, and the reader's way of writing numbers, dates and ages.

    Placeholders are str.format names; values are inserted as given (escape user text first). A
    translation whose placeholders do not fit falls back to the English text (the catalog tests forbid it).
    """

    code: str  # a shipped language code: en, de, es, ru, uk
    locale: Locale  # Babel's locale for formats (English is written the British way: 24 h, day first)
    messages: gettext.NullTranslations = field(default_factory=gettext.NullTranslations, compare=False)

    @property
    def name(self) -> str:
        """The language's own name: "Deutsch", "Русский"."""
        return LANGUAGE_NAMES.get(self.code, self.code)

    def __call__(self, message: str, /, **params: object) -> str:
        """The translation of `message`, its placeholders filled ("" stays "": gettext would give the
        catalog's header)."""
        return self._fill(self.messages.gettext(message), message, params) if message else ""

    def plural(self, singular: str, plural: str, count: int, /, **params: object) -> str:
        """The form for `count` (three in Russian and Ukrainian); `{count}` is the number, written the
        reader's way."""
        text = self.messages.ngettext(singular, plural, count)
        return self._fill(text, singular if count == 1 else plural, {"count": self.number(count), **params})

    def _fill(self, text: str, source: str, params: dict[str, object]) -> str:
        if not params:
            return text
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            log.error("translation of %r into %s has other placeholders: English used", source, self.code)
            return source.format(**params)

    def number(self, value: int) -> str:
        """A whole number: 1,234 / 1 234 / 1.234."""
        return format_decimal(value, locale=self.locale)

    def day(self, value: date) -> str:
        """A full date with the weekday: "Saturday, 28 November 2026", "суббота, 28 ноября 2026 г."."""
        return format_date(value, "full", locale=self.locale)

    def short_date(self, value: date, *, with_year: bool) -> str:
        """Day and abbreviated month ("28 Nov", "28. Nov."), with the year if asked."""
        return format_skeleton("yMMMd" if with_year else "MMMd", value, locale=self.locale)

    def stamp(self, moment: datetime) -> str:
        """Date, time and the zone's abbreviation of an aware datetime, as it is (convert it first)."""
        pattern = str(self.locale.datetime_formats["medium"]).replace("'", "")
        when = pattern.replace("{1}", format_date(moment, "long", locale=self.locale))
        return f"{when.replace('{0}', f'{moment:%H:%M}')} {moment.tzname() or ''}".rstrip()

    def ago(self, age: timedelta) -> str:
        """How long ago, in whole minutes under an hour and whole hours under a day: "12 min ago",
        "vor 3 Std.", "3 ч назад"; under a minute: "just now"."""
        if age < timedelta(minutes=1):
            return self(JUST_NOW)
        unit = timedelta(minutes=1) if age < timedelta(hours=1) else timedelta(hours=1)
        floored = (age // unit) * unit
        return format_timedelta(
            -floored,
            threshold=_WHOLE_UNITS,
            add_direction=True,
            format="short",
            locale=self.locale,
        )


def source_translator() -> Translator:
    """The messages as written in the code (English), for text made where no reader is known."""
    return Translator("en", Locale.parse("en_GB"))


class ExplainedError(NewsbotError):
    """An error whose message is a user's reply, in their language: `reason(t)`; str(error) is the same
    in English (logs, a feed's last error).

    `message` is N_-marked English with str.format placeholders filled from `params` (whole numbers are
    written the reader's way); `detail` follows it untranslated (lines quoted, a parser's own words).
    """

    def __init__(self, message: str, /, *, detail: str = "", **params: object) -> None:
        """The reason, its placeholders' values and any untranslated detail."""
        self.message, self.detail, self.params = message, detail, params
        super().__init__(self.reason(source_translator()))

    def reason(self, t: Translator) -> str:
        """The reason in `t`'s language (plain text: escape it for HTML)."""
        values = {
            key: t.number(v) if isinstance(v, int) and not isinstance(v, bool) else v
            for key, v in self.params.items()
        }
        return t(self.message, **values) + self.detail
