"""Entry point for python -m summarizer."""

import sys

from summarizer.cli import main

sys.exit(main())
