"""`python -m bench [NAME ...]`: run the named benchmarks (all of them without a name), one after another."""

from __future__ import annotations

import runpy
import sys

BENCHES = (
    "summarize",
    "summarize_levers",
    "memory",
    "ingest_bench",
    "search",
    "fanout",
    "abstractive_cost",
    "prune",
    "mute",
)


def main(argv: list[str]) -> int:
    """Run each benchmark module as `python -m bench.<name>` would, with its default arguments."""
    names = argv or list(BENCHES)
    unknown = [name for name in names if name not in BENCHES]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHES)}", file=sys.stderr)
        return 2
    for name in names:
        print(f"\n=== bench.{name} ===", flush=True)
        sys.argv = [f"bench.{name}"]
        runpy.run_module(f"bench.{name}", run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
