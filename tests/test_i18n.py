"""The catalogs keep up with the code, and the translators speak each language properly.

Every message the code marks (`t(...)`, `t.plural(...)`, `N_(...)`) must be in every catalog, translated
(English is the source: its catalog may stay empty), with the placeholders of its msgid, the language's
number of plural forms, and a compiled .mo that matches its .po. The extraction these tests run is the one
`make locales` runs (babel.cfg, the same keywords), cross-checked against the code's syntax tree.
"""

from __future__ import annotations

import ast
import gettext
import io
import re
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog as BabelCatalog
from babel.messages.catalog import Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po
from pydantic import ValidationError

from bot.charts import stats_figure
from bot.config import Settings
from bot.digest.render import HIDE_SUMMARY, SHOW_SUMMARY
from bot.i18n.catalog import DOMAIN, KEYWORDS, LOCALES_DIR, Catalog, CatalogError
from bot.i18n.languages import SHIPPED, SOURCE_LANGUAGE
from bot.i18n.translator import N_, ExplainedError, Translator, source_translator
from bot.storage.types import DailyStats
from tests.conftest import REPO_ROOT

PLACEHOLDER = re.compile(r"(?<!\{)\{(\w+)\}(?!\})")
TRANSLATED = [code for code in SHIPPED if code != SOURCE_LANGUAGE]


def placeholders(text: str) -> set[str]:
    """The str.format names in a message."""
    return set(PLACEHOLDER.findall(text))


def read_catalog(path: Path, locale: str | None = None) -> BabelCatalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def po_path(code: str) -> Path:
    return LOCALES_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def extracted() -> dict[str | tuple[str, ...], Message]:
    """What `make locales` extracts from bot/ now, by msgid (a plural's: singular and plural)."""
    keywords = {**DEFAULT_KEYWORDS, **KEYWORDS}
    method_map = [("**.py", "python")]
    found: dict[str | tuple[str, ...], Message] = {}
    for _, _, message, _, _ in extract_from_dir(REPO_ROOT / "bot", method_map, keywords=keywords):
        key = message if isinstance(message, str) else tuple(m for m in message if m)
        found[key] = Message(message)
    return found


def messages_of(catalog: BabelCatalog) -> dict[str | tuple[str, ...], Message]:
    return {(m.id if isinstance(m.id, str) else tuple(m.id)): m for m in catalog if m.id}


def marked_in_code() -> tuple[set[str | tuple[str, ...]], list[str]]:
    """Every literal message of a t(...), x.plural(...) or N_(...) call in bot/ by the syntax tree, and
    the calls whose message is an f-string (it would never be found in a catalog)."""
    found: set[str | tuple[str, ...]] = set()
    fstrings: list[str] = []
    for path in (REPO_ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else ""
            )
            if name not in KEYWORDS:
                continue
            count = 2 if name == "plural" else 1
            args = node.args[:count]
            if any(isinstance(arg, ast.JoinedStr) for arg in args):
                fstrings.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno}")
            if all(isinstance(arg, ast.Constant) and isinstance(arg.value, str) for arg in args):
                values = tuple(arg.value for arg in args if isinstance(arg, ast.Constant))
                if values[0]:
                    found.add(values[0] if count == 1 else values)
    return found, fstrings


def test_the_makefile_extracts_with_the_keywords_the_tests_use() -> None:
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\nlocales:", 1)[1].split("\n\n", 1)[0]
    flags = set(re.findall(r"-k (\S+)", recipe))
    assert flags == {
        name if spec is None else f"{name}:{','.join(map(str, spec))}" for name, spec in KEYWORDS.items()
    }
    assert "-F babel.cfg" in recipe and "pybabel update" in recipe and "pybabel compile" in recipe


def test_extraction_finds_every_message_the_code_marks() -> None:
    """Babel's tokenizer and the syntax tree agree: no message is lost to a quirk of extraction (such
    as a translator call nested inside a plural's arguments), and none is an f-string."""
    in_code, fstrings = marked_in_code()
    assert not fstrings, f"f-strings inside t()/plural()/N_() cannot be translated: {fstrings}"
    found = set(extracted())
    assert in_code - found == set(), "marked in the code but not extracted"
    assert found - in_code == set(), "extracted but not a literal t()/plural()/N_() message"


def test_the_template_is_up_to_date() -> None:
    template = read_catalog(LOCALES_DIR / "messages.pot")
    assert set(messages_of(template)) == set(extracted()), "run `make locales`"


@pytest.mark.parametrize("code", SHIPPED)
def test_every_catalog_has_every_message_and_no_other(code: str) -> None:
    catalog = read_catalog(po_path(code), code)
    assert set(messages_of(catalog)) == set(extracted()), f"{code}: run `make locales` and translate"
    assert not list(catalog.obsolete), f"{code}: obsolete entries"


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_message_is_translated_with_its_placeholders(code: str) -> None:
    catalog = read_catalog(po_path(code), code)
    problems = []
    for key, message in messages_of(catalog).items():
        forms = [message.string] if isinstance(key, str) else list(message.string)
        if "fuzzy" in message.flags or not all(forms):
            problems.append(f"untranslated or fuzzy: {key!r}")
            continue
        if isinstance(key, str):
            if placeholders(forms[0]) != placeholders(key):
                problems.append(f"placeholders differ: {key!r} → {forms[0]!r}")
            continue
        wanted = placeholders(key[1])
        for form in forms:  # a form may say "one" instead of {count}, but drops nothing else
            if not placeholders(form) <= wanted or wanted - {"count"} - placeholders(form):
                problems.append(f"placeholders differ: {key!r} → {form!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("code", SHIPPED)
def test_plural_forms_are_the_languages(code: str) -> None:
    catalog = read_catalog(po_path(code), code)
    rule = get_plural(code)
    assert catalog.num_plurals == rule.num_plurals
    assert catalog.plural_expr == rule.plural_expr
    if code in ("ru", "uk"):
        assert catalog.num_plurals == 3  # one, few, many
    for key, message in messages_of(catalog).items():
        if isinstance(key, tuple) and code != SOURCE_LANGUAGE:
            assert len(message.string) == rule.num_plurals, key


@pytest.mark.parametrize("code", SHIPPED)
def test_the_compiled_catalog_matches_its_source(code: str) -> None:
    catalog = read_catalog(po_path(code), code)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    mo = po_path(code).with_suffix(".mo")
    assert mo.read_bytes() == compiled.getvalue(), f"{mo} is stale: run `make locales`"


@pytest.mark.parametrize("code", TRANSLATED)
def test_the_summary_buttons_keep_their_arrows(code: str) -> None:
    """▾ and ▴ tell a folded summary's button from an open one (bot.digest.render.toggled_keyboard)."""
    t = Catalog().get(code)
    assert t(SHOW_SUMMARY).startswith("▾ ") and t(HIDE_SUMMARY).startswith("▴ ")


def test_russian_and_ukrainian_have_three_forms_of_a_count() -> None:
    catalog = Catalog()
    ru, uk, de, es = catalog.get("ru"), catalog.get("uk"), catalog.get("de"), catalog.get("es")
    stories = [ru.plural("{count} story", "{count} stories", n) for n in (1, 2, 5, 11, 21, 22, 25)]
    assert stories == [
        "1 новость",
        "2 новости",
        "5 новостей",
        "11 новостей",
        "21 новость",
        "22 новости",
        "25 новостей",
    ]
    assert [uk.plural("{count} story", "{count} stories", n) for n in (1, 3, 7)] == [
        "1 новина",
        "3 новини",
        "7 новин",
    ]
    assert [de.plural("{count} story", "{count} stories", n) for n in (1, 2)] == ["1 Meldung", "2 Meldungen"]
    assert es.plural("{count} story", "{count} stories", 1_000_000) == "1.000.000 de noticias"
    assert source_translator().plural("{count} story", "{count} stories", 1234) == "1,234 stories"


def test_language_codes_match_by_base_language() -> None:
    catalog = Catalog()
    assert catalog.match("ru") == "ru"
    assert catalog.match("de-AT") == "de" and catalog.match("es_MX") == "es" and catalog.match("UK") == "uk"
    assert catalog.match("pt-br") is None and catalog.match("pt") is None
    assert catalog.match("") is None and catalog.match("r!u") is None and catalog.match(None) is None
    spanish = Catalog("es")
    assert spanish.for_chat(chosen=None, private=True, sender="pt-br").code == "es"  # pt-br → pt → default
    assert spanish.for_chat(chosen=None, private=True, sender="ru").code == "ru"
    assert spanish.for_chat(chosen="de", private=True, sender="ru").code == "de"  # /language wins
    assert spanish.for_chat(chosen=None, private=False, sender="ru").code == "es"  # a group: BOT_LANGUAGE
    assert spanish.for_chat(chosen="uk", private=False, sender=None).code == "uk"
    assert spanish.for_chat(chosen=None, private=True, sender=None, last_seen="de-CH").code == "de"
    assert spanish.for_chat(chosen="fr", private=True, sender=None).code == "es"  # no longer shipped


def test_dates_and_ages_are_written_the_readers_way() -> None:
    catalog = Catalog()
    ru, de, es = catalog.get("ru"), catalog.get("de"), catalog.get("es")
    day = date(2026, 11, 28)
    assert ru.day(day) == "суббота, 28 ноября 2026\u202fг."  # CLDR: a narrow no-break space
    assert de.day(day) == "Samstag, 28. November 2026"
    assert source_translator().day(day) == "Saturday, 28 November 2026"
    assert de.ago(timedelta(hours=3, minutes=59)) == "vor 3 Std."
    assert ru.ago(timedelta(minutes=12, seconds=40)) == "12 мин. назад"
    assert es.ago(timedelta(minutes=59, seconds=59)) == "hace 59 min"  # never rounded up to an hour
    assert ru.ago(timedelta(seconds=30)) == "только что"
    moment = datetime(2026, 11, 28, 19, 5, tzinfo=UTC)
    assert de.stamp(moment) == "28. November 2026, 19:05 UTC"
    assert ru.short_date(day, with_year=False) == "28 нояб."


def test_a_translation_with_other_placeholders_falls_back_to_english(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Broken(gettext.NullTranslations):
        def gettext(self, message: str) -> str:
            return "Привет, {nom}!"

    t = Translator("ru", source_translator().locale, Broken())
    assert t("Hello, {name}!", name="Ann") == "Hello, Ann!"
    assert "other placeholders" in caplog.text
    assert t("") == ""  # not the catalog's header


def test_an_explained_error_is_english_in_logs_and_translated_when_shown() -> None:
    error = ExplainedError(
        N_("That article is too long ({length} characters; the limit is {most})."), length=123456, most=100000
    )
    assert str(error) == "That article is too long (123,456 characters; the limit is 100,000)."
    de = Catalog().get("de")
    assert error.reason(de) == "Dieser Artikel ist zu lang (123.456 Zeichen; erlaubt sind 100.000)."


def test_a_missing_compiled_catalog_stops_start_up(tmp_path: Path) -> None:
    shutil.copytree(LOCALES_DIR, tmp_path / "locales")
    (tmp_path / "locales" / "uk" / "LC_MESSAGES" / "messages.mo").unlink()
    with pytest.raises(CatalogError, match="'uk'"):
        Catalog(directory=tmp_path / "locales")


def test_bot_language_is_a_shipped_language() -> None:
    assert Settings(_env_file=None, bot_language="DE").bot_language == "de"  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="shipped languages"):
        Settings(_env_file=None, bot_language="fr")  # type: ignore[call-arg]


def test_the_stats_chart_is_labelled_in_the_editors_language() -> None:
    days = [date(2026, 11, 1) + timedelta(days=i) for i in range(30)]
    zeros = [0] * 30
    stats = DailyStats(days, list(range(30)), zeros, zeros, zeros, zeros, zeros)
    figure = stats_figure(stats, Catalog().get("ru"))
    titles = [axis.get_title() for axis in figure.axes]
    assert titles == ["Подписчики (нарастающим итогом)", "Статей в день", "Доставка дайджестов по дням"]
    legend = figure.axes[2].get_legend()
    assert [text.get_text() for text in legend.get_texts()] == [
        "отправлено",
        "с ошибкой",
        "заблокировано",
        "пропущено",
    ]
    assert figure.get_suptitle() == "Последние 30 дней (1 нояб. – 30 нояб. 2026\u202fг., UTC)"
    figure.canvas.draw()
    ticks = [label.get_text() for label in figure.axes[2].get_xticklabels() if label.get_text()]
    assert ticks[0] == "1 нояб." and all(re.fullmatch(r"\d+ [а-я]+\.", tick) for tick in ticks), ticks
