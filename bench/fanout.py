"""Digest fan-out benchmark: `python -m bench.fanout [--sizes 1000,10000] [--rate 1000]`.

Runs the real bot (`python -m bot`, SQLite, SUMMARIZER=lead) as a child process against the fake Bot API
(in this process) with faults on: 1% of chats blocked, 1% of sends answered 5xx, a few 429 bursts.
Prints per size: achieved rate / configured rate, lost and duplicated parts (counted at the fake
server against the subscribers), peak RSS of the bot process, wall time, and p99 latency of /start
commands sent by other users during the fan-out.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from bot.emulator import FakeBotAPI, SentMessage
from bot.storage import Store
from bot.storage.models import SubscriberRow

REPO_ROOT = Path(__file__).resolve().parent.parent
FIRST_CHAT = 10_000_000


async def seed(url: str, count: int) -> None:
    """`count` subscribers whose digest time passed a minute ago (the bot catches up at start), 1 article."""
    now = datetime.now(UTC)
    due = (now - timedelta(minutes=1)).time().replace(microsecond=0)
    async with await Store.open(url) as store:
        rows = [
            {
                "chat_id": FIRST_CHAT + i,
                "subscribed": True,
                "digest_time": due,
                "timezone": "UTC",
                "created_at": now,
                "blocked": False,
            }
            for i in range(count)
        ]
        async with store.engine.begin() as conn:
            for start in range(0, count, 5000):
                await conn.execute(insert(SubscriberRow), rows[start : start + 5000])
        await store.articles.add(
            title="Council approves budget",
            body="The city council approved a new budget on Tuesday after months of debate.",
            summary="The city council approved a new budget.",
            summarizer="lead",
            posted_by=1,
            created_at=now - timedelta(minutes=5),
        )


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _status_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set size (VmHWM) in MB."""
    return _status_mb(pid, "VmHWM")


def current_rss_mb(pid: int) -> float:
    """The process's resident set size now (VmRSS) in MB."""
    return _status_mb(pid, "VmRSS")


async def run(size: int, rate: int, concurrency: int) -> dict[str, float]:
    """One fan-out of `size` subscribers; return the figures."""
    chats = range(FIRST_CHAT, FIRST_CHAT + size)
    faults = not os.environ.get("BENCH_NO_FAULTS")
    blocked = set(chats[::100]) if faults else set()  # 1%
    async with FakeBotAPI() as emulator:
        for chat in blocked:
            emulator.block(chat)
        digests: list[SentMessage] = []

        def on_send(message: SentMessage) -> None:
            if message.chat_id < FIRST_CHAT:
                return
            digests.append(message)
            if not faults:
                return
            if len(digests) % 100 == 50:  # 1% of sends answered 5xx
                emulator.fail_next("sendMessage", status=500)
            if len(digests) in {size // 4, size // 2, 3 * size // 4}:  # three 429 bursts
                emulator.fail_next("sendMessage", status=429, count=5, retry_after=1)

        emulator.on_send(on_send)
        arrivals: dict[int, float] = {}  # id(SentMessage) -> monotonic time it was recorded
        emulator.on_send(lambda m: arrivals.__setitem__(id(m), time.monotonic()))
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{tmp}/bench.db"
            await seed(url, size)
            env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "DATABASE_URL", "ADMIN_IDS")}
            env.update(
                BOT_TOKEN=emulator.token,
                TELEGRAM_API_URL=emulator.base_url,
                DATABASE_URL=url,
                SUMMARIZER="lead",
                # The fan-out, not the models: without the MiniLM embedder (BENCH_SEMANTIC=1 loads it,
                # ~270 MB of torch and weights at start-up; a digest of one article merges nothing).
                SEMANTIC="true" if os.environ.get("BENCH_SEMANTIC") else "false",
                SEND_RATE=str(rate),
                SEND_CONCURRENCY=str(concurrency),
                SEND_BACKOFF="0.2",
                LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
                PYTHONPATH=str(REPO_ROOT),
            )
            with (Path(tmp) / "bot.log").open("wb") as log:
                process = await asyncio.create_subprocess_exec(
                    sys.executable,
                    *os.environ.get("BENCH_PY_ARGS", "").split(),
                    "-m",
                    "bot",
                    cwd=tmp,
                    env=env,
                    stdout=log,
                    stderr=log,
                )
                try:
                    probes, cpu = await measure(emulator, digests, size - len(blocked), process)
                    rss = peak_rss_mb(process.pid)
                    pauses = pauses_429(emulator)
                finally:
                    process.terminate()
                    await process.wait()
                    if os.environ.get("BENCH_KEEP_LOG"):
                        shutil.copy(Path(tmp) / "bot.log", os.environ["BENCH_KEEP_LOG"])
    wanted = set(chats) - blocked
    counts = Counter(m.chat_id for m in digests)
    stamps = [arrivals[id(m)] for m in digests]
    first, last = min(stamps), max(stamps)
    elapsed = max(last - first, 1e-9)
    achieved = len(digests) / elapsed
    latencies = [latency for _, _, latency in probes]
    # Telegram's 429 rule holds every request (command replies too) for retry_after = 1 s: the commands
    # sent outside those pauses show what the fan-out itself costs a user.
    unthrottled = [
        latency
        for user, sent, latency in probes
        if not any(chat == user or (start < sent + latency and sent < end) for start, end, chat in pauses)
    ]
    return {
        "size": size,
        "wall_s": elapsed,
        "ratio": achieved / rate,
        "lost": len(wanted - set(counts)),
        "duplicated": sum(c - 1 for c in counts.values() if c > 1),
        "stray": len(set(counts) - wanted),
        "rss_mb": rss,
        "p99_ms": 1000 * _p99(latencies),
        "median_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
        "commands": len(latencies),
        "p99_unthrottled_ms": 1000 * _p99(unthrottled),
        "replies_429": len(latencies) - len(unthrottled),
        # CPU per digest message while the fan-out ran (start-up excluded): the bot, and this process
        # (the fake Bot API plus the /start prober, which is negligible).
        "bot_cpu_ms": 1000 * cpu["bot"] / max(1, len(digests)),
        "emu_cpu_ms": 1000 * cpu["bench"] / max(1, len(digests)),
        "rss_start_mb": cpu["rss_start_mb"],
    }


def pauses_429(emulator: FakeBotAPI) -> list[tuple[float, float, int]]:
    """(from, to, chat) of each sendMessage answered 429: PTB's AIORateLimiter then holds every new
    request for retry_after + 0.1 s (the bench's bursts all say 1 s). Emulator loop time, which is
    time.monotonic() like the probes' clock."""
    return [
        (call.at, call.at + 1.1, int(call.params["chat_id"]))
        for call in emulator.calls("sendMessage")
        if call.status == 429
    ]


def _p99(values: list[float]) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


async def measure(
    emulator: FakeBotAPI, digests: list[SentMessage], expected: int, process: asyncio.subprocess.Process
) -> tuple[list[tuple[int, float, float]], dict[str, float]]:
    """Wait for the fan-out to finish, timing /start from other users every 100 ms meanwhile: (user,
    when sent, seconds to the reply) of each.

    Also returns the CPU seconds the bot and this process used from the first digest message to the
    last, and the bot's RSS when the fan-out began (what start-up alone costs)."""
    probes: list[tuple[int, float, float]] = []
    user = 1
    while len(digests) < 1:  # wait for the bot to start and the fan-out to begin
        if process.returncode is not None:
            raise RuntimeError("the bot exited; see its log")
        await asyncio.sleep(0.05)
    bot_cpu, bench_cpu, rss_start = cpu_seconds(process.pid), time.process_time(), current_rss_mb(process.pid)
    stalled_since, seen = time.monotonic(), 0
    while len(digests) < expected:
        user += 1
        started = time.monotonic()
        emulator.send_message(user, "/start")
        try:
            await emulator.wait_for(user, 1, timeout=10)
            probes.append((user, started, time.monotonic() - started))
        except TimeoutError:
            probes.append((user, started, 10.0))
        await asyncio.sleep(0.1)
        if len(digests) != seen:
            stalled_since, seen = time.monotonic(), len(digests)
        elif time.monotonic() - stalled_since > 30:
            break  # something is lost: report it instead of waiting forever
    cpu = {
        "bot": cpu_seconds(process.pid) - bot_cpu,
        "bench": time.process_time() - bench_cpu,
        "rss_start_mb": rss_start,
    }
    await asyncio.sleep(1.0)  # anything still arriving would be a duplicate
    return probes, cpu


def main() -> None:
    """Parse arguments, run each size, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated subscriber counts")
    parser.add_argument("--rate", type=int, default=1000, help="SEND_RATE (messages/s)")
    # Loopback round trips take a few ms, so 8 sends in flight cover 1000 msg/s; more only add overhead
    # (tasks, idle pooled connections) on this CPU-bound box. Against Telegram the default (32) fits.
    parser.add_argument("--concurrency", type=int, default=8, help="SEND_CONCURRENCY (sends in flight)")
    args = parser.parse_args()
    print(
        f"{'subscribers':>11} {'time s':>7} {'rate/conf':>9} {'lost':>5} {'dup':>4} {'RSS MB':>7} "
        f"{'(start)':>7} {'p99 ms':>7} {'med ms':>7} {'cmds':>5} {'in 429':>6} {'p99 w/o':>7} "
        f"{'bot ms/msg':>10} {'emu ms/msg':>10}"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        r = asyncio.run(run(size, args.rate, args.concurrency))
        print(
            f"{r['size']:>11} {r['wall_s']:>7.1f} {r['ratio']:>9.3f} {r['lost']:>5} {r['duplicated']:>4} "
            f"{r['rss_mb']:>7.0f} {r['rss_start_mb']:>7.0f} {r['p99_ms']:>7.0f} {r['median_ms']:>7.0f} "
            f"{r['commands']:>5} {r['replies_429']:>6} {r['p99_unthrottled_ms']:>7.0f} "
            f"{r['bot_cpu_ms']:>10.2f} {r['emu_cpu_ms']:>10.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
