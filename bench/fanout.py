"""Digest fan-out benchmark: `python -m bench.fanout [--subscribers 10000] [--rate 1000] [--concurrency 32]`.

Runs the real bot (`python -m bot`, SQLite, SUMMARIZER=lead) as a child process against the fake Bot API
(in this process) with faults on: 1% of chats blocked, 1% of sends answered 5xx, a few 429 bursts.
Prints the CPU line, then per size: achieved rate / configured rate (also outside the 429 holds), lost and
duplicated parts (counted at the fake server against the subscribers), peak RSS of the bot process, wall
time, p99 latency of /start commands sent by other users during the fan-out, CPU per digest message.
Then, in the same run, the baselines: bare httpx and aiohttp client loops (`bench.bare_clients`) posting
the same sendMessage body with as many requests in flight, their client CPU per message, the ratio
`bot/baseline` against the cheapest, and where the bot's CPU goes (a cProfile run, by package).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pstats
import shutil
import signal
import statistics
import sys
import sysconfig
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from bench.machine import cpu_line
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


def thread_cpu(pid: int) -> dict[int, float]:
    """CPU seconds of each thread of the process so far (thread id -> seconds)."""
    result: dict[int, float] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue  # the thread ended meanwhile
        result[int(task.name)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return result


@dataclass(frozen=True)
class Scenario:
    """One fan-out: how many subscribers, the bot's send settings, faults, profiling."""

    size: int
    rate: int
    concurrency: int
    faults: bool = True
    profile_to: Path | None = None  # run the bot under bench.profiled_bot, stats written here


def _bot_env(emulator: FakeBotAPI, url: str, scenario: Scenario) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "DATABASE_URL", "ADMIN_IDS")}
    env.update(
        BOT_TOKEN=emulator.token,
        TELEGRAM_API_URL=emulator.base_url,
        DATABASE_URL=url,
        SUMMARIZER="lead",
        # The fan-out, not the models: without the MiniLM embedder (BENCH_SEMANTIC=1 loads it,
        # ~270 MB of torch and weights at start-up; a digest of one article merges nothing).
        SEMANTIC="true" if os.environ.get("BENCH_SEMANTIC") else "false",
        SEND_RATE=str(scenario.rate),
        SEND_CONCURRENCY=str(scenario.concurrency),
        SEND_BACKOFF="0.2",
        LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
        PYTHONPATH=str(REPO_ROOT),
    )
    return env


async def run(scenario: Scenario) -> dict[str, Any]:
    """One fan-out of `scenario.size` subscribers; return the figures."""
    size, faults = scenario.size, scenario.faults
    chats = range(FIRST_CHAT, FIRST_CHAT + size)
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
            module = ["-m", "bot"]
            if scenario.profile_to is not None:
                module = ["-m", "bench.profiled_bot", str(scenario.profile_to)]
            with (Path(tmp) / "bot.log").open("wb") as log:
                process = await asyncio.create_subprocess_exec(
                    sys.executable,
                    *os.environ.get("BENCH_PY_ARGS", "").split(),
                    *module,
                    cwd=tmp,
                    env=_bot_env(emulator, url, scenario),
                    stdout=log,
                    stderr=log,
                )
                try:
                    probes, cpu = await measure(
                        emulator,
                        digests,
                        size - len(blocked),
                        process,
                        profiling=scenario.profile_to is not None,
                    )
                    rss = peak_rss_mb(process.pid)
                    pauses = pauses_429(emulator)
                finally:
                    process.terminate()
                    await process.wait()
                    if os.environ.get("BENCH_KEEP_LOG"):
                        shutil.copy(Path(tmp) / "bot.log", os.environ["BENCH_KEEP_LOG"])
        sample = next(
            c.params
            for c in emulator.calls("sendMessage")
            if c.status == 200 and c.params["chat_id"] >= FIRST_CHAT
        )
    return _figures(scenario, digests, arrivals, blocked, probes, pauses, cpu, rss) | {"sample": sample}


def _figures(
    scenario: Scenario,
    digests: list[SentMessage],
    arrivals: dict[int, float],
    blocked: set[int],
    probes: list[tuple[int, float, float]],
    pauses: list[tuple[float, float, int]],
    cpu: dict[str, float],
    rss: float,
) -> dict[str, Any]:
    """The table's figures from what the fake server saw."""
    wanted = set(range(FIRST_CHAT, FIRST_CHAT + scenario.size)) - blocked
    counts = Counter(m.chat_id for m in digests)
    stamps = [arrivals[id(m)] for m in digests]
    first, last = min(stamps), max(stamps)
    elapsed = max(last - first, 1e-9)
    held = _covered([(max(a, first), min(b, last)) for a, b, _ in pauses if b > first and a < last])
    latencies = [latency for _, _, latency in probes]
    # Telegram's 429 rule holds every request (command replies too) for retry_after = 1 s: the commands
    # sent outside those pauses show what the fan-out itself costs a user.
    unthrottled = [
        latency
        for user, sent, latency in probes
        if not any(chat == user or (start < sent + latency and sent < end) for start, end, chat in pauses)
    ]
    return {
        "size": scenario.size,
        "wall_s": elapsed,
        "ratio": len(digests) / elapsed / scenario.rate,
        # the same, without the time every request was held by a 429 (Telegram's rule, not the bot's pace)
        "ratio_unheld": len(digests) / max(elapsed - held, 1e-9) / scenario.rate,
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
        "bot_main_share": cpu["bot_main"] / max(cpu["bot"], 1e-9),
        "emu_cpu_ms": 1000 * cpu["bench"] / max(1, len(digests)),
        "rss_start_mb": cpu["rss_start_mb"],
    }


def _covered(intervals: list[tuple[float, float]]) -> float:
    """Total length of the union of intervals."""
    total, reach = 0.0, float("-inf")
    for start, end in sorted(intervals):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


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
    emulator: FakeBotAPI,
    digests: list[SentMessage],
    expected: int,
    process: asyncio.subprocess.Process,
    *,
    profiling: bool = False,
) -> tuple[list[tuple[int, float, float]], dict[str, float]]:
    """Wait for the fan-out to finish, timing /start from other users every 100 ms meanwhile: (user,
    when sent, seconds to the reply) of each.

    Also returns the CPU seconds the bot (all threads, and its main thread: the event loop) and this
    process used from the first digest message to the last, and the bot's RSS when the fan-out began
    (what start-up alone costs). `profiling`: SIGUSR1 at the first message, SIGUSR2 at the last."""
    probes: list[tuple[int, float, float]] = []
    user = 1
    while len(digests) < 1:  # wait for the bot to start and the fan-out to begin
        if process.returncode is not None:
            raise RuntimeError("the bot exited; see its log")
        await asyncio.sleep(0.01)
    if profiling:
        process.send_signal(signal.SIGUSR1)
    threads, bench_cpu, rss_start = thread_cpu(process.pid), time.process_time(), current_rss_mb(process.pid)
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
    after = thread_cpu(process.pid)
    if profiling:
        process.send_signal(signal.SIGUSR2)
    cpu = {
        "bot": sum(after.values()) - sum(threads.values()),
        "bot_main": after.get(process.pid, 0.0) - threads.get(process.pid, 0.0),
        "bench": time.process_time() - bench_cpu,
        "rss_start_mb": rss_start,
    }
    await asyncio.sleep(1.0)  # anything still arriving would be a duplicate (and the stats are written)
    return probes, cpu


async def bare_baseline(
    client: str, sample: dict[str, Any], count: int, concurrency: int
) -> dict[str, float]:
    """`bench.bare_clients CLIENT` posting `sample` (a digest's sendMessage body) to a fresh fake Bot API."""
    body = {k: v for k, v in sample.items() if k != "chat_id"}
    async with FakeBotAPI() as emulator:
        with tempfile.NamedTemporaryFile("w", suffix=".json") as payload:
            json.dump(body, payload)
            payload.flush()
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bench.bare_clients",
                client,
                f"{emulator.base_url}{emulator.token}/sendMessage",
                payload.name,
                f"--count={count}",
                f"--concurrency={concurrency}",
                env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
                stdout=asyncio.subprocess.PIPE,
            )
            out, _ = await process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"bench.bare_clients {client} failed")
        figures: dict[str, float] = json.loads(out)
        if figures["ok"] != count or len(emulator.sent()) != count + 200:
            raise RuntimeError(f"bare {client}: {figures['ok']} of {count} posts answered 200")
    return figures


def where_cpu_goes(stats_file: Path, top: int = 12) -> list[tuple[str, float]]:
    """Share of the profiled time by package, C functions counted in the package that called them."""
    stats = pstats.Stats(str(stats_file)).stats  # type: ignore[attr-defined]
    shares: dict[str, float] = defaultdict(float)
    for (path, _, _), (_, _, own, _, callers) in stats.items():
        if path == "~":  # a C function: charge its time to its callers' packages
            for (caller_path, _, caller_name), (*_, caller_own, _) in callers.items():
                shares[_package(caller_path, caller_name)] += caller_own
        else:
            shares[_package(path, "")] += own
    total = sum(shares.values()) or 1.0
    ranked = sorted(shares.items(), key=lambda item: -item[1])
    return [(name, value / total) for name, value in ranked[:top]]


_STDLIB = Path(sysconfig.get_paths()["stdlib"]).resolve()


def _package(path: str, name: str) -> str:
    """`telegram`, `aiohttp`, `bot.delivery`, `asyncio`... for a profiled function's file."""
    if path == "~":
        return f"C ({name})"
    file = Path(path)
    parts = file.parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].removesuffix(".py")
    with_repo = file.resolve()
    if with_repo.is_relative_to(REPO_ROOT):
        rel = with_repo.relative_to(REPO_ROOT).with_suffix("").parts
        return ".".join(rel[:2])
    if with_repo.is_relative_to(_STDLIB):
        return "stdlib " + with_repo.relative_to(_STDLIB).parts[0].removesuffix(".py")
    return file.name


CLIENTS = {  # bench.bare_clients CLIENT -> what it is
    "httpx": "httpx.AsyncClient (bare)",
    "aiohttp": "aiohttp.ClientSession (bare)",
    "ptb": "PTB's send path alone (ExtBot + limiter + AiohttpRequest)",
}

ROW = (
    f"{'subscribers':>11} {'time s':>7} {'rate/conf':>9} {'w/o 429':>7} {'lost':>5} {'dup':>4} {'RSS MB':>7} "
    f"{'(start)':>7} {'p99 ms':>7} {'med ms':>7} {'cmds':>5} {'in 429':>6} {'p99 w/o':>7} "
    f"{'bot ms/msg':>10} {'(loop)':>6} {'emu ms/msg':>10}"
)


def _row(r: dict[str, Any]) -> str:
    return (
        f"{r['size']:>11} {r['wall_s']:>7.1f} {r['ratio']:>9.3f} {r['ratio_unheld']:>7.3f} {r['lost']:>5} "
        f"{r['duplicated']:>4} {r['rss_mb']:>7.0f} {r['rss_start_mb']:>7.0f} {r['p99_ms']:>7.0f} "
        f"{r['median_ms']:>7.0f} {r['commands']:>5} {r['replies_429']:>6} {r['p99_unthrottled_ms']:>7.0f} "
        f"{r['bot_cpu_ms']:>10.3f} {r['bot_main_share']:>6.0%} {r['emu_cpu_ms']:>10.3f}"
    )


def main() -> None:
    """Parse arguments, run each size, the baselines and the profile; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", "--sizes", default="10000", help="comma-separated subscriber counts")
    parser.add_argument("--rate", type=int, default=1000, help="SEND_RATE (messages/s)")
    parser.add_argument(
        "--concurrency", type=int, default=32, help="SEND_CONCURRENCY, and the baselines' in flight"
    )
    parser.add_argument("--baseline-posts", type=int, default=10_000, help="posts of each bare client loop")
    parser.add_argument(
        "--profile-size", type=int, default=5000, help="subscribers of the profiled run (0: none)"
    )
    args = parser.parse_args()
    faults = not os.environ.get("BENCH_NO_FAULTS")
    print(cpu_line())
    print(
        f"fan-out: SEND_RATE={args.rate}, SEND_CONCURRENCY={args.concurrency}, "
        f"faults {'on' if faults else 'off'}",
        flush=True,
    )
    print(ROW)
    results = []
    for size in (int(s) for s in args.subscribers.split(",")):
        results.append(asyncio.run(run(Scenario(size, args.rate, args.concurrency, faults))))
        print(_row(results[-1]), flush=True)
    sample = results[-1]["sample"]
    print(
        f"client loops: {args.baseline_posts} sendMessage posts of a digest's body, "
        f"{args.concurrency} in flight"
    )
    baselines = {}
    for client, label in CLIENTS.items():
        figures = asyncio.run(bare_baseline(client, sample, args.baseline_posts, args.concurrency))
        baselines[client] = 1000 * figures["cpu_s"] / args.baseline_posts
        rate = args.baseline_posts / figures["wall_s"]
        print(
            f"  {label:<58} {baselines[client]:.3f} ms of client CPU per message, {rate:,.0f} msg/s",
            flush=True,
        )
    cheapest = min(("httpx", "aiohttp"), key=baselines.__getitem__)  # the bare clients
    for r in results:
        print(
            f"{r['size']} subscribers: bot/baseline {r['bot_cpu_ms'] / baselines[cheapest]:.2f} "
            f"(bot {r['bot_cpu_ms']:.3f} ms/msg vs bare {cheapest} {baselines[cheapest]:.3f}); "
            f"rate/SEND_RATE {r['ratio']:.3f}, {r['ratio_unheld']:.3f} outside the 429 holds; "
            f"lost {r['lost']}, duplicated {r['duplicated']}"
        )
    if args.profile_size > 0:
        _profile(args)


def _profile(args: argparse.Namespace) -> None:
    """A separate fan-out under cProfile (slower: its figures are not the ones above), no faults."""
    with tempfile.TemporaryDirectory() as tmp:
        stats = Path(tmp) / "bot.prof"
        scenario = Scenario(args.profile_size, args.rate, args.concurrency, faults=False, profile_to=stats)
        r = asyncio.run(run(scenario))
        print(
            f"where the bot's CPU goes ({args.profile_size} subscribers, no faults, under cProfile; "
            f"{r['bot_main_share']:.0%} of the bot's CPU is its event-loop thread, the profiled one):"
        )
        for name, share in where_cpu_goes(stats):
            print(f"  {share:6.1%}  {name}")


if __name__ == "__main__":
    main()
