"""`python -m bench.profiled_bot OUT`: `python -m bot` with cProfile on between SIGUSR1 and SIGUSR2.

SIGUSR1 starts profiling, SIGUSR2 stops it and writes the stats to OUT (pstats format), so
`bench.fanout` profiles the fan-out only, not the start-up. cProfile on Python 3.11 follows the thread
that enabled it: the event loop's (the main thread); the aiosqlite worker threads are not in it. Its
clock is that thread's CPU time, so time waiting in epoll or for the GIL is not counted.
"""

from __future__ import annotations

import cProfile
import signal
import sys
import time
from types import FrameType

from bot.__main__ import main


def run(out: str) -> int:
    """Install the two signal handlers, then run the bot."""
    profiler = cProfile.Profile(time.thread_time)

    def start(signum: int, frame: FrameType | None) -> None:
        profiler.enable()

    def stop(signum: int, frame: FrameType | None) -> None:
        profiler.disable()
        profiler.dump_stats(out)

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
    return main()


if __name__ == "__main__":
    sys.exit(run(sys.argv[1]))
