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
