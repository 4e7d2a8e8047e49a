"""Issue 3: cleaning, the learned scorer's weights, verbatim summaries, robustness of the default backend."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from summarizer import ModelLoadError, Summarizer
from summarizer.cleaning import clean_article
from summarizer.extractive import ExtractiveSummarizer, select_diverse
from summarizer.features import FEATURE_NAMES, sentence_features
from summarizer.scorer import load_scorer, parse_scorer
from summarizer.sentences import SentenceSplitter, normalize_whitespace

CNN_DEV = Path(__file__).resolve().parents[2] / "shared" / "data" / "cnn_dailymail_dev100.jsonl"


def summary_sentences(summary: str, article: str) -> list[str]:
    """Return the article sentences the summary is made of: distinct, in article order, space-joined.

    Fails unless the summary decomposes that way, i.e. unless every summary sentence is a verbatim
    sentence of the cleaned article (the splitter's sentences are checked to be verbatim substrings).
    """
    cleaned = normalize_whitespace(clean_article(article))
    candidates = SentenceSplitter().split(clean_article(article))
    assert all(sentence in cleaned for sentence in candidates)

    def decompose(rest: str, start: int) -> list[str] | None:
        if not rest:
            return []
        for i in range(start, len(candidates)):
            sentence = candidates[i]
            if rest == sentence or rest.startswith(sentence + " "):
                tail = decompose(rest[len(sentence) + 1 :], i + 1)
                if tail is not None:
                    return [sentence, *tail]
        return None

    parts = decompose(summary, 0)
    assert parts is not None, f"not made of article sentences: {summary!r}"
    return parts


def assert_verbatim(summary: str, article: str) -> None:
    """Every summary sentence occurs verbatim in the cleaned article, in article order; none repeats."""
    sentences = summary_sentences(summary, article)
    assert len(set(sentences)) == len(sentences)


def test_clean_article_removes_cnn_furniture() -> None:
    byline = (
        "By . Associated Press . PUBLISHED: . 14:11 EST, 25 October 2013 . | . UPDATED: . 15:36 EST, "
        "25 October 2013 . The bishop fell ill. He rests."
    )
    assert clean_article(byline) == "The bishop fell ill. He rests."
    assert clean_article("By . John Hall . and Ted Thornhill . A dog bit a boy.") == "A dog bit a boy."
    assert clean_article("By . Ted T . Last updated at 2:18 PM on 30th December 2011 . Bored?") == "Bored?"
    assert clean_article("WASHINGTON (CNN)  -- Terror is likely.") == "Terror is likely."
    assert clean_article("(CNN)The police faced a question.") == "The police faced a question."


def test_clean_article_leaves_ordinary_text_alone() -> None:
    text = "By the end of the year, prices rose. The (CNN) poll said so. Published: never."
    assert clean_article(text) == text
    assert clean_article("") == ""


def test_packaged_weights_load_and_match_features() -> None:
    scorer = load_scorer()
    assert scorer.feature_names == FEATURE_NAMES
    assert len(scorer.coef) == len(FEATURE_NAMES) and all(s > 0 for s in scorer.scale)
    scores = scorer.score(np.zeros((2, len(FEATURE_NAMES))))
    assert scores.shape == (2,)


def test_bad_weights_raise_model_load_error(tmp_path: Path) -> None:
    good = load_scorer().to_json()
    with pytest.raises(ModelLoadError, match="cannot read"):
        load_scorer(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelLoadError):
        load_scorer(tmp_path / "bad.json")
    with pytest.raises(ModelLoadError, match="do not match"):
        parse_scorer({**good, "feature_names": ["position"]})
    with pytest.raises(ModelLoadError, match="malformed"):
        parse_scorer({**good, "coef": None})
    (tmp_path / "ok.json").write_text(json.dumps(good), encoding="utf-8")
    assert load_scorer(tmp_path / "ok.json") == load_scorer()


def test_features_shape_and_position() -> None:
    rng = np.random.default_rng(0)
    emb = rng.normal(size=(5, 8))
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    feats = sentence_features(["a b c"] * 5, emb)
    assert feats.shape == (5, len(FEATURE_NAMES))
    assert feats[0, FEATURE_NAMES.index("is_first")] == 1.0
    assert sentence_features([], np.zeros((0, 8))).shape == (0, len(FEATURE_NAMES))


def test_select_diverse_blocks_repeated_trigrams() -> None:
    sentences = ["the cat sat on the mat", "The cat sat on the mat!", "dogs bark at night"]
    emb = np.eye(3)
    chosen = select_diverse(sentences, emb, np.array([3.0, 2.0, 1.0]), 2, 0.9)
    assert chosen == [0, 2]


@pytest.mark.slow
def test_summaries_are_verbatim_on_news(extractive: Summarizer) -> None:
    if not CNN_DEV.is_file():
        pytest.skip(f"{CNN_DEV} not present")
    rows = [json.loads(line) for line in CNN_DEV.read_text(encoding="utf-8").splitlines()[:12]]
    summaries = extractive.summarize_batch([row["article"] for row in rows])
    for row, summary in zip(rows, summaries, strict=True):
        assert summary
        assert "PUBLISHED" not in summary and not summary.startswith("By .")
        assert_verbatim(summary, row["article"])
        assert len(summary_sentences(summary, row["article"])) == 3


@pytest.mark.slow
@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n ",
        "Only one sentence here.",
        "First sentence here. Second sentence there.",
        "no punctuation at all just a long stream of words " * 40,
        "Shopping list:\n\n- apples\n- pears and plums\n\n* milk\n* bread\n\n1. call mum\n2. fix the bike",
        '"We will not stop," she said. "Never." He replied: \'Fine.\' They left. The end came soon after.',
        "Der Bundestag hat am Freitag ein neues Gesetz beschlossen. Die Opposition kritisierte den Entwurf "
        "scharf. Das Gesetz tritt im Januar in Kraft. Experten erwarten höhere Kosten.",
        "东京的天气很好。今天有很多人去公园。明天会下雨。政府发布了新的政策。",
        "Москва объявила о новых мерах. Рынок отреагировал спокойно. Аналитики ждут роста. Цены стабильны.",
    ],
    ids=["empty", "blank", "one", "two", "no-punctuation", "lists", "quotes", "german", "chinese", "russian"],
)
def test_robust_inputs(extractive: Summarizer, text: str) -> None:
    summary = extractive.summarize(text)
    if not text.strip():
        assert summary == ""
        return
    assert summary
    assert_verbatim(summary, text)
    if text.count(".") in (1, 2) and len(text) < 60:
        assert summary == normalize_whitespace(text)


@pytest.mark.slow
def test_duplicated_paragraphs_never_repeat(extractive: Summarizer) -> None:
    paragraph = (
        "The council approved the new budget on Monday. Spending on schools rises by five percent. "
        "Critics said the plan ignores roads."
    )
    text = "\n\n".join([paragraph, paragraph, "Residents will vote on it in May.", paragraph])
    summary = extractive.summarize(text)
    assert_verbatim(summary, text)
    assert len(summary_sentences(summary, text)) == 3


@pytest.mark.slow
def test_very_long_article(extractive: Summarizer) -> None:
    words = [f"word{i % 997}" for i in range(20_000)]
    text = " ".join(" ".join(words[i : i + 20]) + "." for i in range(0, len(words), 20))
    summary = extractive.summarize(text)
    assert_verbatim(summary, text)
    assert len(summary_sentences(summary, text)) == 3


@pytest.mark.slow
def test_batch_equals_single(extractive: Summarizer) -> None:
    texts = [
        "A fire broke out downtown. Firefighters arrived fast. Nobody was hurt. The cause is unknown. "
        "Roads reopened at noon.",
        "",
        "Short one.",
        "Markets fell sharply. Oil rose. The central bank held rates. Analysts expect a cut. Bonds rallied.",
    ]
    assert extractive.summarize_batch(texts) == [extractive.summarize(t) for t in texts]


def test_extractive_rejects_bad_parameters() -> None:
    with pytest.raises(ValueError):
        ExtractiveSummarizer(n_sentences=0)
