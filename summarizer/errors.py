"""Exception hierarchy of the summarizer package.

SummarizerError            base class; catch this to handle any summarizer failure
├── UnknownBackendError    the requested backend name is not registered
└── ModelLoadError         model weights are missing, corrupted or cannot be loaded
"""

from __future__ import annotations

from bot.errors import NewsbotError


class SummarizerError(NewsbotError):
    """Base class of all errors raised by the summarizer package."""


class UnknownBackendError(SummarizerError):
    """The requested backend name is not registered."""

    def __init__(self, name: str, known: tuple[str, ...]) -> None:
        self.name = name
        self.known = known
        super().__init__(f"unknown summarizer backend {name!r}; known backends: {', '.join(known)}")


class ModelLoadError(SummarizerError):
    """A backend model could not be loaded (missing weights, checksum mismatch, bad files)."""


def one_line(exc: BaseException) -> str:
    """Return the first non-empty line of an exception message, prefixed by its type."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
