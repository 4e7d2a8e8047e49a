"""Sentences split by language, and the summarizing method chosen by an article's language."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bot.ingest.meta import LanguageDetector
from summarizer import Summarizer
from summarizer.languages import LanguageRouter, handles
from summarizer.position import PositionSummarizer
from summarizer.sentences import SentenceSplitter, normalize_whitespace
from summarizer.splitting import LanguageSplitter, starts_lower
from tests.language_fixtures import GERMAN_CLIMATE, PARAGRAPHS, RUSSIAN_FOOTBALL, RUSSIAN_TALKS

CASES = [(language, text, expected) for language, cases in PARAGRAPHS.items() for text, expected in cases]


@pytest.mark.parametrize(("language", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_paragraphs_split_into_their_sentences(language: str, text: str, expected: list[str]) -> None:
    assert LanguageSplitter().split(text, language) == expected


def test_english_and_unknown_keep_the_splitter_the_scorer_was_trained_on() -> None:
    text = "\n\n".join(paragraph for cases in PARAGRAPHS.values() for paragraph, _ in cases)
    splitter, syntok = LanguageSplitter(), SentenceSplitter()
    assert splitter.split(text, "en") == syntok.split(text) == splitter.split(text, None)


def test_syntok_alone_gets_these_languages_wrong() -> None:
    """Why the other languages are not split by syntok: it cuts after abbreviations it doesn't know."""
    wrong = 0
    for language in ("ru", "uk", "de", "es"):
        for text, expected in PARAGRAPHS[language]:
            wrong += SentenceSplitter().split(text) != expected
    assert wrong >= 6


def test_sentences_are_verbatim_and_blocks_always_end_a_sentence() -> None:
    text = "Заголовок без точки\n\nПервый абзац, т. е. начало. Второе предложение\n- пункт списка\n- ещё один"
    sentences = LanguageSplitter().split(text, "ru")
    assert sentences == [
        "Заголовок без точки",
        "Первый абзац, т. е. начало.",
        "Второе предложение",
        "- пункт списка",
        "- ещё один",
    ]
    assert all(s in normalize_whitespace(text) for s in sentences)


def test_lower_case_starts_are_not_sentences() -> None:
    assert starts_lower("— и ушёл.") and starts_lower(" «почти»")
    assert not starts_lower("«Мы готовы»") and not starts_lower("5 Закону") and not starts_lower("…")


def test_other_languages_and_scripts_are_split_too() -> None:
    splitter = LanguageSplitter()
    assert splitter.split("Il governo ha approvato il piano. Il ministro era presente.", "it") == [
        "Il governo ha approvato il piano.",
        "Il ministro era presente.",
    ]
    assert splitter.split("北京今天下雨。气温下降了。", "zh") == ["北京今天下雨。", "气温下降了。"]
    assert splitter.split("  \n\n ", "ru") == []


def test_a_run_on_text_is_cut_at_every_stop() -> None:
    run_on = " ".join(f"слово{i} и ещё одно слово." for i in range(30))
    pieces = LanguageSplitter().split(run_on, "ru")
    assert len(pieces) == 30 and all(p.endswith("слово.") for p in pieces)


class Recording:
    """A backend trained on English only that records what it was asked to summarize."""

    name = "extractive"
    languages = frozenset({"en"})

    def __init__(self) -> None:
        self.calls: list[str] = []

    def summarize(self, text: str) -> str:
        self.calls.append(text)
        return "backend summary"

    def summarize_batch(self, texts: Sequence[str]) -> list[str]:
        return [self.summarize(t) for t in texts]


def test_the_language_decides_the_method() -> None:
    backend = Recording()
    router = LanguageRouter(backend)
    assert router.summarize("An English story.", "en").method == "extractive"
    assert router.summarize("No language.", None).method == "extractive"
    assert backend.calls == ["An English story.", "No language."]
    for language, (_title, body) in [("ru", RUSSIAN_TALKS), ("de", GERMAN_CLIMATE)]:
        summary = router.summarize(body, language)
        assert summary.method == "extractive-position"
        assert summary.text == PositionSummarizer().summarize_in(body, language)
    assert len(backend.calls) == 2  # never asked about the Russian or German article


def test_a_backend_for_any_language_gets_every_article() -> None:
    class Anything(Recording):
        name = "lead"
        languages = None  # type: ignore[assignment]

    router = LanguageRouter(Anything())
    assert router.summarize(RUSSIAN_TALKS[1], "ru").method == "lead"
    assert handles(object(), "ru")  # no `languages` attribute: any language


def test_the_real_extractive_backend_is_trained_on_english_only(extractive: Summarizer) -> None:
    router = LanguageRouter(extractive)
    english = (
        "The bridge opened on Monday. Traffic was light. The mayor cut a ribbon. Rain fell. Crowds came."
    )
    assert router.summarize(english, "en").text == extractive.summarize(english)
    russian = router.summarize(RUSSIAN_TALKS[1], "ru")
    assert russian.method == "extractive-position"
    assert russian.text.startswith("Президент Беларуси А. Г. Лукашенко провёл в Минске переговоры")


def test_the_position_method_takes_the_lead_and_skips_repeats_and_stubs() -> None:
    body = (
        "Читайте также\n\n"
        "Президент Беларуси провёл в Минске переговоры с делегацией правительства России.\n\n"
        "Президент Беларуси провёл в Минске переговоры с делегацией правительства России в среду.\n\n"
        "Стороны обсудили цены на газ и поставки нефти на следующий год. "
        "Следующий раунд переговоров намечен на 15 мая в Москве. Погода была хорошей весь день."
    )
    chosen = PositionSummarizer().summarize_in(body, "ru")
    assert chosen == (
        "Президент Беларуси провёл в Минске переговоры с делегацией правительства России. "
        "Стороны обсудили цены на газ и поставки нефти на следующий год. "
        "Следующий раунд переговоров намечен на 15 мая в Москве."
    )
    short = "Один. Два слова. Три."
    assert PositionSummarizer().summarize_in(short, "ru") == short  # three sentences or fewer: all of them
    assert PositionSummarizer().summarize_in("", "ru") == ""


def test_every_position_summary_sentence_is_in_the_article() -> None:
    for (_title, body), language in [(RUSSIAN_TALKS, "ru"), (RUSSIAN_FOOTBALL, "ru"), (GERMAN_CLIMATE, "de")]:
        summarizer = PositionSummarizer()
        sentences = summarizer.sentences(body, language)
        chosen = [sentences[i] for i in summarizer.choose(sentences)]
        assert len(chosen) == 3 and chosen[0] == sentences[0]
        assert summarizer.summarize_in(body, language) == " ".join(chosen)
        assert all(sentence in normalize_whitespace(body) for sentence in chosen)


def test_bad_position_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="n_sentences"):
        PositionSummarizer(n_sentences=0)
    with pytest.raises(ValueError, match="max_overlap"):
        PositionSummarizer(max_overlap=0.0)


@pytest.mark.parametrize(
    ("text", "language"),
    [(RUSSIAN_TALKS[1], "ru"), (RUSSIAN_FOOTBALL[1], "ru"), (GERMAN_CLIMATE[1], "de")]
    + [("\n".join(p for p, _ in cases), code) for code, cases in PARAGRAPHS.items()],
)
def test_the_fixtures_are_detected_as_their_language(
    text: str, language: str, languages: LanguageDetector
) -> None:
    assert languages.detect(text) == language
