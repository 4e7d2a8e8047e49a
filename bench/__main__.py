"""python -m bench: run every benchmark (each also runs alone: python -m bench.<name>)."""

from bench import search

search.main()
