"""Memory of the running bot: `python -m bench.memory [--articles 10000] [--runtimes torch,onnx,onnx-int8]`.

For each SUMMARIZER_RUNTIME, with glibc's default malloc arenas and with MALLOC_ARENA_MAX=2, the real bot
(`python -m bot`: SQLite, SUMMARIZER=extractive, SEMANTIC=true) runs as a child process against the fake
Bot API of this process, on a database holding `--articles` synthetic articles with an embedding each
(bench.search.populate). Once it answers /start, a user runs /search (which loads the 10k-vector index),
an editor /posts an article (summarized, embedded, indexed) and the user searches again; then the bot's
RSS (VmRSS, split into anonymous and file-backed pages) and its peak (VmHWM) are printed.

Then, where it goes: `python -m bench.memory --stages RUNTIME DB_URL` (run as a child here) takes the same
start-up steps one at a time in a fresh interpreter and prints the RSS after each: the interpreter, the
bot's own libraries (PTB, SQLAlchemy, aiohttp, ...), torch, sentence-transformers + transformers, ONNX
Runtime + optimum, the model loaded (with the embedder sharing it), one summary, the index, one search.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.machine import cpu_line
from bot.emulator import FakeBotAPI, SentMessage

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA = REPO_ROOT.parent / "shared" / "data"
ADMIN, USER = 111, 222
STATUS_FIELDS = ("VmRSS", "RssAnon", "RssFile", "VmHWM")


def status_mb(pid: int | str = "self") -> dict[str, float]:
    """VmRSS, RssAnon, RssFile and VmHWM of a process in MB (/proc/PID/status)."""
    found: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in STATUS_FIELDS:
            found[key] = int(value.split()[0]) / 1024
    return found


def sample_article(number: int = 0) -> tuple[str, str]:
    """A real news article (CNN dev article `number`) as (title, body): each run posts a new one."""
    import json

    line = (DATA / "cnn_dailymail_dev100.jsonl").read_text(encoding="utf-8").splitlines()[number]
    return f"Benchmark article {number}", json.loads(line)["article"]


async def seed(url: str, count: int) -> None:
    """`count` synthetic articles with random unit embeddings under the MiniLM embedder's name."""
    from bench.search import populate
    from bot.storage import Store
    from summarizer.embedding import MiniLMEmbedder

    async with await Store.open(url) as store:
        await populate(store, count, MiniLMEmbedder.name, MiniLMEmbedder.dim, seed=7)


async def reply(emulator: FakeBotAPI, chat: int, text: str, timeout: float) -> SentMessage:
    """Send `text` from `chat` and return the answer (what a "Working…" placeholder is edited into)."""
    emulator.send_message(chat, text)
    (first,) = await emulator.wait_for(chat, timeout=timeout)
    if first.text != "Working…":
        return first
    (done,) = await emulator.wait_for(chat, timeout=timeout)
    return done


async def started(emulator: FakeBotAPI, process: asyncio.subprocess.Process, timeout: float) -> float:
    """Wait until the bot answers /start (models loaded, polling); return the seconds it took."""
    began = time.monotonic()
    emulator.send_message(USER, "/start")
    while True:
        try:
            await emulator.wait_for(USER, timeout=1.0)
            return time.monotonic() - began
        except TimeoutError:
            if process.returncode is not None or time.monotonic() - began > timeout:
                raise RuntimeError("the bot did not start (see its log)") from None


def bot_env(emulator: FakeBotAPI, url: str, runtime: str, arenas: str | None) -> dict[str, str]:
    """The bot's environment: extractive, semantic search on, the given runtime (and malloc arenas)."""
    keep = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "DATABASE_URL", "MALLOC_ARENA_MAX")}
    keep.update(
        BOT_TOKEN=emulator.token,
        TELEGRAM_API_URL=emulator.base_url,
        DATABASE_URL=url,
        ADMIN_IDS=str(ADMIN),
        SUMMARIZER="extractive",
        SUMMARIZER_RUNTIME=runtime,
        SEMANTIC="true",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(REPO_ROOT),
    )
    if arenas is not None:
        keep["MALLOC_ARENA_MAX"] = arenas
    return keep


async def exercise(emulator: FakeBotAPI, pid: int, number: int) -> dict[str, Any]:
    """Search, post article `number`, search again; the bot's memory after each step."""
    title, body = sample_article(number)
    steps: dict[str, Any] = {}
    found = await reply(emulator, USER, "/search government budget", timeout=120)
    steps["search"] = status_mb(pid) | {"reply": found.text[:60]}
    posted = await reply(emulator, ADMIN, f"/post {title}\n{body}", timeout=300)
    steps["post"] = status_mb(pid) | {"reply": posted.text[:60]}
    await reply(emulator, USER, "/search council election", timeout=120)
    steps["search again"] = status_mb(pid)
    return steps


async def run_bot(url: str, runtime: str, arenas: str | None, tmp: Path, number: int) -> dict[str, Any]:
    """Start the bot with `runtime`, exercise it (posting article `number`), return its memory figures."""
    async with FakeBotAPI() as emulator:
        with (tmp / f"bot-{runtime}-{arenas}.log").open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", cwd=tmp, env=bot_env(emulator, url, runtime, arenas),
                stdout=log, stderr=log,
            )  # fmt: skip
            try:
                seconds = await started(emulator, process, timeout=600)
                at_start = status_mb(process.pid)
                steps = await exercise(emulator, process.pid, number)
            finally:
                process.terminate()
                await process.wait()
    return {"start_s": seconds, "at_start": at_start, **steps}


def print_bot(runtime: str, arenas: str | None, figures: dict[str, Any]) -> None:
    """One block of lines per bot run."""
    label = f"SUMMARIZER_RUNTIME={runtime}" + (f" MALLOC_ARENA_MAX={arenas}" if arenas else "")
    print(f"\n{label}: answered /start after {figures['start_s']:.1f} s")
    for step in ("at_start", "search", "post", "search again"):
        mb = figures[step]
        print(
            f"  {step:13s} RSS {mb['VmRSS']:6.0f} MB (anon {mb['RssAnon']:5.0f}, files {mb['RssFile']:5.0f})"
            f"  peak {mb['VmHWM']:6.0f} MB" + (f"  | {mb['reply']!r}" if "reply" in mb else "")
        )


def stage_lines(runtime: str, url: str) -> list[tuple[str, dict[str, float]]]:
    """In this (fresh) process: the start-up steps one at a time, with the RSS after each."""
    marks = [("interpreter", status_mb())]
    import bot.app  # noqa: F401  - PTB, SQLAlchemy, aiohttp, the bot's own modules

    marks.append(("+ bot and its libraries", status_mb()))
    import torch  # noqa: F401

    marks.append(("+ import torch", status_mb()))
    import sentence_transformers  # noqa: F401

    marks.append(("+ sentence-transformers, transformers", status_mb()))
    if runtime != "torch":
        import onnxruntime  # noqa: F401
        import optimum.onnxruntime  # noqa: F401

        marks.append(("+ onnxruntime, optimum", status_mb()))
    import gc

    gc.collect()
    from summarizer import load_summarizer
    from summarizer.embedding import load_embedder

    summarizer = load_summarizer("extractive", runtime=runtime, threads=1)
    embedder = load_embedder(summarizer)
    marks.append(("+ model (summarizer + shared embedder)", status_mb()))
    body = sample_article()[1]
    summarizer.summarize(body)
    embedder.embed([body])
    marks.append(("+ one summary and one article embedding", status_mb()))
    marks.extend(asyncio.run(_index_stages(url, embedder)))
    return marks


async def _index_stages(url: str, embedder: Any) -> list[tuple[str, dict[str, float]]]:
    """The index of the stored embeddings loaded, then one search through it."""
    from bot.semantic.search import EmbeddingIndex
    from bot.storage import Store

    async with await Store.open(url) as store:
        index = EmbeddingIndex(embedder.name, embedder.dim)
        await index.refresh(store.articles)
        loaded = (f"+ index of {len(index)} embeddings ({index_mb(index):.0f} MB of float32)", status_mb())
        index.nearest(embedder.embed(["government budget"])[0], 100, -1.0)
        return [loaded, ("+ one search", status_mb())]


def index_mb(index: Any) -> float:
    """The index matrix's size in MB (float16 storage would halve it)."""
    ids, matrix = index._data
    return float(ids.nbytes + matrix.nbytes) / 2**20


def print_stages(runtime: str, url: str) -> None:
    """Print the stage table of `runtime` (the --stages child's output)."""
    previous = 0.0
    print(f"\nwhere it goes, SUMMARIZER_RUNTIME={runtime} (a fresh process, one step at a time):")
    for label, mb in stage_lines(runtime, url):
        print(
            f"  {label:42s} RSS {mb['VmRSS']:6.0f} MB  (+{mb['VmRSS'] - previous:5.0f};"
            f" anon {mb['RssAnon']:5.0f}, files {mb['RssFile']:5.0f})"
        )
        previous = mb["VmRSS"]


async def export_once(runtime: str) -> None:
    """Load the backend once in a child process: exports to ONNX (cached) if this machine has not yet."""
    if runtime == "torch":
        return
    began = time.monotonic()
    code = f"from summarizer import load_summarizer; load_summarizer('extractive', runtime='{runtime}')"
    child = await asyncio.create_subprocess_exec(sys.executable, "-c", code, cwd=REPO_ROOT)
    await child.wait()
    print(f"{runtime}: ONNX model in the cache ({time.monotonic() - began:.0f} s, exit {child.returncode})")


async def main_async(args: argparse.Namespace) -> None:
    """Seed the database once, run the bot per runtime, then the stage breakdowns."""
    print(cpu_line())
    runtimes = [r.strip() for r in args.runtimes.split(",") if r.strip()]
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        url = f"sqlite+aiosqlite:///{tmp / 'memory.db'}"
        began = time.monotonic()
        await seed(url, args.articles)
        print(
            f"{args.articles} synthetic articles with embeddings stored in {time.monotonic() - began:.0f} s"
        )
        for runtime in runtimes:  # the one-time ONNX export, so that the runs below are ordinary starts
            await export_once(runtime)
        runs = [(r, a) for r in runtimes for a in ([None, "2"] if args.arenas else [None])]
        for number, (runtime, arenas) in enumerate(runs):
            print_bot(runtime, arenas, await run_bot(url, runtime, arenas, tmp, number))
        for runtime in runtimes:
            child = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.memory", "--stages", runtime, url, cwd=REPO_ROOT
            )
            await child.wait()


def main() -> None:
    """Parse arguments; --stages runs one breakdown in this process."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument(
        "--runtimes", default="torch,onnx,onnx-int8", help="SUMMARIZER_RUNTIME values, comma-separated"
    )
    parser.add_argument(
        "--arenas", type=int, choices=(0, 1), default=1, help="1: each also with MALLOC_ARENA_MAX=2"
    )
    parser.add_argument("--stages", nargs=2, metavar=("RUNTIME", "DB_URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stages:
        print_stages(*args.stages)
        return
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
