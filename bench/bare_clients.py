"""Bare HTTP client loops, the baselines of `bench.fanout`: `python -m bench.bare_clients CLIENT URL PAYLOAD`.

CLIENT is `httpx` (an `httpx.AsyncClient`), `aiohttp` (an `aiohttp.ClientSession`) or `ptb` (the bot's
send path without its engine and ledger: PTB's `ExtBot.do_api_request` with the bot's `AIORateLimiter`
settings on `bot.delivery.request.AiohttpRequest`). Posts `--count`
sendMessage requests (PAYLOAD: a JSON file with the body; each post goes to the next chat id) with
`--concurrency` in flight, reads each answer and parses its JSON (a sender needs the message id), after
`--warmup` posts that open the connections. Prints one JSON line: the loop's CPU seconds (this process),
wall seconds and the number of posts answered 200.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import warnings
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from telegram.ext import AIORateLimiter, ExtBot

from bot.delivery.request import AiohttpRequest, RequestLimits

Post = Callable[[dict[str, Any]], Awaitable[int]]


async def _loop(post: Post, payload: dict[str, Any], first_chat: int, count: int, concurrency: int) -> int:
    """`count` posts, `concurrency` at a time; return how many were answered 200."""
    next_index, ok = 0, 0

    async def worker() -> None:
        nonlocal next_index, ok
        while next_index < count:
            index = next_index
            next_index += 1
            if await post({**payload, "chat_id": first_chat + index}) == 200:
                ok += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return ok


async def _measure(post: Post, args: argparse.Namespace, payload: dict[str, Any]) -> dict[str, float]:
    await _loop(post, payload, args.first_chat, args.warmup, args.concurrency)
    cpu, wall = time.process_time(), time.perf_counter()
    ok = await _loop(post, payload, args.first_chat + args.warmup, args.count, args.concurrency)
    return {"cpu_s": time.process_time() - cpu, "wall_s": time.perf_counter() - wall, "ok": ok}


async def run_httpx(args: argparse.Namespace, payload: dict[str, Any]) -> dict[str, float]:
    """The loop on one httpx.AsyncClient with a pool of `concurrency` connections."""
    limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:

        async def post(body: dict[str, Any]) -> int:
            response = await client.post(args.url, json=body)
            json.loads(response.content)
            return response.status_code

        return await _measure(post, args, payload)


async def run_aiohttp(args: argparse.Namespace, payload: dict[str, Any]) -> dict[str, float]:
    """The loop on one aiohttp.ClientSession with a pool of `concurrency` connections."""
    connector = aiohttp.TCPConnector(limit=args.concurrency)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=10)) as session:

        async def post(body: dict[str, Any]) -> int:
            async with session.post(args.url, json=body) as response:
                json.loads(await response.read())
                return response.status

        return await _measure(post, args, payload)


async def run_ptb(args: argparse.Namespace, payload: dict[str, Any]) -> dict[str, float]:
    """The loop through PTB as the delivery engine sends: raw sendMessage, rate limiter, aiohttp backend."""
    base_url, _, rest = args.url.rpartition("/bot")
    token = rest.removesuffix("/sendMessage")
    limiter = AIORateLimiter(
        overall_max_rate=1000, overall_time_period=1, group_max_rate=20, group_time_period=60, max_retries=3
    )
    request = AiohttpRequest(RequestLimits(pool_size=args.concurrency))
    bot = ExtBot(token, base_url=f"{base_url}/bot", request=request, rate_limiter=limiter)
    await request.initialize()
    await limiter.initialize()
    try:

        async def post(body: dict[str, Any]) -> int:
            result = await bot.do_api_request("sendMessage", api_kwargs=body, read_timeout=10)
            int(result["message_id"])
            return 200  # anything else raises

        return await _measure(post, args, payload)
    finally:
        await limiter.shutdown()
        await request.shutdown()


def main() -> None:
    """Parse the arguments, run one client's loop, print its figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("client", choices=("httpx", "aiohttp", "ptb"))
    parser.add_argument("url", help="the sendMessage URL")
    parser.add_argument("payload", type=Path, help="JSON file with the request body")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--first-chat", type=int, default=50_000_000)
    args = parser.parse_args()
    payload = json.loads(args.payload.read_text())
    runner = {"httpx": run_httpx, "aiohttp": run_aiohttp, "ptb": run_ptb}[args.client]
    # PTB asks to prefer Bot.send_message; the engine sends raw (see bot.delivery) and so does this.
    warnings.filterwarnings("ignore", "Please use 'Bot.sendMessage'")
    print(json.dumps(asyncio.run(runner(args, payload))), flush=True)


if __name__ == "__main__":
    main()
