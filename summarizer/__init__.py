"""News summarization backends behind one small API; importing this package loads no model."""

from summarizer.base import Summarizer
from summarizer.errors import ModelLoadError, SummarizerError, UnknownBackendError
from summarizer.registry import available_backends, load_summarizer

__all__ = [
    "ModelLoadError",
    "Summarizer",
    "SummarizerError",
    "UnknownBackendError",
    "available_backends",
    "load_summarizer",
]
