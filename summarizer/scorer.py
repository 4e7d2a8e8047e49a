"""A linear sentence scorer; its weights ship as a small JSON file (trained by python -m summarizer.train)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final

import numpy as np

from summarizer.errors import ModelLoadError
from summarizer.features import FEATURE_NAMES, FloatArray

WEIGHTS_RESOURCE: Final = "sentence_scorer.json"


@dataclass(frozen=True)
class LinearScorer:
    """score = ((features - mean) / scale) @ coef + intercept, a logistic-regression logit."""

    feature_names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float

    def score(self, features: FloatArray) -> FloatArray:
        """Return one score per feature row (higher = more summary-worthy)."""
        standardized = (features - np.asarray(self.mean)) / np.asarray(self.scale)
        scores: FloatArray = standardized @ np.asarray(self.coef) + self.intercept
        return scores

    def to_json(self) -> dict[str, Any]:
        """Return the JSON-serializable form written by the training script."""
        return {
            "feature_names": list(self.feature_names),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": list(self.coef),
            "intercept": self.intercept,
        }


def parse_scorer(data: Any) -> LinearScorer:
    """Build a LinearScorer from decoded JSON; raises ModelLoadError if it does not fit FEATURE_NAMES."""
    try:
        names = tuple(str(n) for n in data["feature_names"])
        vectors = [tuple(float(v) for v in data[key]) for key in ("mean", "scale", "coef")]
        intercept = float(data["intercept"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelLoadError(f"malformed sentence scorer weights: {exc!r}") from exc
    if names != FEATURE_NAMES or any(len(v) != len(names) for v in vectors):
        raise ModelLoadError("sentence scorer weights do not match this version's features")
    if any(s <= 0.0 for s in vectors[1]):
        raise ModelLoadError("sentence scorer weights have a non-positive scale")
    return LinearScorer(names, vectors[0], vectors[1], vectors[2], intercept)


def load_scorer(path: str | Path | None = None) -> LinearScorer:
    """Load the scorer from path, or the packaged summarizer/weights/sentence_scorer.json."""
    try:
        if path is None:
            text = (
                resources.files("summarizer.weights").joinpath(WEIGHTS_RESOURCE).read_text(encoding="utf-8")
            )
        else:
            text = Path(path).read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, json.JSONDecodeError, ModuleNotFoundError) as exc:
        raise ModelLoadError(f"cannot read sentence scorer weights: {exc}") from exc
    return parse_scorer(data)
