"""Command line: python -m summarizer [FILE] [--backend NAME] prints the summary of FILE or stdin."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from summarizer.errors import SummarizerError
from summarizer.registry import ENV_VAR, available_backends, load_summarizer


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the CLI."""
    parser = argparse.ArgumentParser(prog="python -m summarizer", description="Summarize a news article.")
    parser.add_argument("file", nargs="?", default="-", help='article text file; "-" or omitted reads stdin')
    parser.add_argument(
        "--backend",
        default=None,
        help=f"one of {', '.join(available_backends())}; default ${ENV_VAR} or extractive",
    )
    return parser


def read_input(file: str) -> str:
    """Return the text of file, or of stdin for "-"."""
    return sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return the exit code (0 ok, 1 error, 2 usage; argparse exits with 2 itself)."""
    args = build_parser().parse_args(argv)
    # Quiet library chatter so that stderr carries only our own one-line errors.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    try:
        text = read_input(args.file)
        summary = load_summarizer(args.backend).summarize(text)
    except (SummarizerError, OSError, UnicodeDecodeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(summary)
    return 0
