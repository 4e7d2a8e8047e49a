"""The aiohttp request backend (bot/delivery/request.py) under a real PTB Bot, against the fake Bot API and
against raw local sockets that misbehave: timeouts, refused and dropped connections, statuses, uploads."""

from __future__ import annotations

import asyncio
import contextlib
import io
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.app import build_application
from bot.config import Settings
from bot.delivery.request import AiohttpRequest, RequestLimits
from bot.emulator import FakeBotAPI

CHAT = 4242
TOKEN = "123456:TEST-token"
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def tg_bot(base_url: str, limits: RequestLimits | None = None) -> AsyncIterator[Bot]:
    """A PTB Bot whose every call goes through an AiohttpRequest (no get_me at start: raw servers)."""
    request = AiohttpRequest(limits)
    bot = Bot(TOKEN, base_url=base_url, request=request, get_updates_request=AiohttpRequest())
    await request.initialize()
    try:
        yield bot
    finally:
        await request.shutdown()


@pytest.fixture
def backlog_full() -> Iterator[str]:
    """A base URL whose listening socket never accepts and whose accept queue is full: a connect to it
    hangs (the kernel drops the SYN) until the client's connect timeout."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    host, port = server.getsockname()
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex((host, port))
        fillers.append(filler)
    time.sleep(0.1)
    yield f"http://{host}:{port}/bot"
    for sock in (*fillers, server):
        sock.close()


@contextlib.asynccontextmanager
async def raw_server(handler: Handler) -> AsyncIterator[str]:
    """A TCP server on 127.0.0.1 running `handler` per connection; yields its Bot API base URL."""
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    host, port = server.sockets[0].getsockname()[:2]
    try:
        yield f"http://{host}:{port}/bot"
    finally:
        server.close()
        await server.wait_closed()


async def test_messages_with_markup_round_trip(emulator: FakeBotAPI) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("▾ summary", callback_data="x:1")]])
    async with tg_bot(emulator.base_url) as bot:
        message = await bot.send_message(
            CHAT, "<b>Bonjour</b> &amp; 😀", parse_mode="HTML", reply_markup=keyboard
        )
        raw = await bot.send_message(CHAT, "raw", api_kwargs={"reply_markup": keyboard.to_json()})
    assert message.text == "Bonjour & 😀" and message.reply_markup == keyboard
    first, second = emulator.sent(CHAT)
    assert (first.raw_text, first.parse_mode) == ("<b>Bonjour</b> &amp; 😀", "HTML")
    assert first.reply_markup == second.reply_markup == keyboard.to_dict()
    assert raw.message_id == second.message_id
    assert all(call.status == 200 for call in emulator.calls())


async def test_read_timeout_is_timed_out_and_per_call_values_override_the_default(
    emulator: FakeBotAPI,
) -> None:
    emulator.set_delay(0.6, "sendMessage")
    async with tg_bot(emulator.base_url, RequestLimits(read=0.2)) as bot:
        started = time.monotonic()
        with pytest.raises(TimedOut):
            await bot.send_message(CHAT, "default read timeout")
        assert time.monotonic() - started < 0.55
        # an explicit value beats the default; None means no limit (DEFAULT_NONE = "not passed")
        assert (await bot.send_message(CHAT, "longer", read_timeout=3)).text == "longer"
        assert (await bot.send_message(CHAT, "unlimited", read_timeout=None)).text == "unlimited"
    async with tg_bot(emulator.base_url, RequestLimits(read=5)) as bot:
        started = time.monotonic()
        with pytest.raises(TimedOut):
            await bot.send_message(CHAT, "shorter", read_timeout=0.2)
        assert time.monotonic() - started < 0.55


async def test_a_timed_out_request_closes_its_connection(emulator: FakeBotAPI) -> None:
    """A request the client gave up on is not left open (the server sees the connection close), and
    the pool keeps serving: Telegram never executes a request that never fully arrived."""
    emulator.set_delay(0.5, "sendMessage", drop_if_gone=True)
    async with tg_bot(emulator.base_url, RequestLimits(pool_size=1, read=0.1)) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(CHAT, "given up")
        await asyncio.sleep(0.6)
        emulator.set_delay(0, "sendMessage")
        assert (await bot.send_message(CHAT, "next")).text == "next"
    assert [m.text for m in emulator.sent(CHAT)] == ["next"]
    assert [call.status for call in emulator.calls("sendMessage")] == [499, 200]


async def test_connect_timeout_is_timed_out(backlog_full: str) -> None:
    async with tg_bot(backlog_full, RequestLimits(connect=0.2)) as bot:
        started = time.monotonic()
        with pytest.raises(TimedOut):
            await bot.send_message(CHAT, "nobody accepts")
        assert time.monotonic() - started < 2
    async with tg_bot(backlog_full, RequestLimits(connect=30)) as bot:
        started = time.monotonic()
        with pytest.raises(TimedOut):
            await bot.send_message(CHAT, "per call", connect_timeout=0.2)
        assert time.monotonic() - started < 2


async def test_a_refused_connection_is_a_network_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens there once closed
    async with tg_bot(f"http://127.0.0.1:{port}/bot") as bot:
        with pytest.raises(NetworkError) as caught:
            await bot.send_message(CHAT, "refused")
    assert not isinstance(caught.value, TimedOut)
    assert "ClientConnectorError" in caught.value.message


async def test_a_connection_dropped_before_the_answer_is_a_network_error() -> None:
    requests = 0

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal requests
        await reader.readuntil(b"\r\n\r\n")
        requests += 1
        writer.close()

    async with raw_server(hang_up) as base_url, tg_bot(base_url) as bot:
        with pytest.raises(NetworkError) as caught:
            await bot.send_message(CHAT, "dropped")
    assert not isinstance(caught.value, TimedOut)
    assert requests == 1


async def test_a_half_sent_answer_is_a_network_error() -> None:
    async def truncate(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(
            b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"ok":'
        )
        await writer.drain()
        writer.close()

    async with raw_server(truncate) as base_url, tg_bot(base_url) as bot:
        with pytest.raises(NetworkError) as caught:
            await bot.send_message(CHAT, "cut short")
    assert not isinstance(caught.value, TimedOut)


async def test_statuses_become_ptbs_errors(emulator: FakeBotAPI) -> None:
    async with tg_bot(emulator.base_url) as bot:
        emulator.fail_next("sendMessage", status=429, retry_after=3)
        with pytest.raises(RetryAfter) as limited:
            await bot.send_message(CHAT, "too fast")
        assert limited.value.retry_after in (3, 3.0) or limited.value.retry_after.total_seconds() == 3
        emulator.block(CHAT)
        with pytest.raises(Forbidden, match="blocked by the user"):
            await bot.send_message(CHAT, "blocked")
        emulator.unblock(CHAT)
        emulator.migrate(-100, -1001234)
        with pytest.raises(ChatMigrated) as migrated:
            await bot.send_message(-100, "group")
        assert migrated.value.new_chat_id == -1001234
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(CHAT, "<b>open", parse_mode="HTML")
        emulator.fail_next("sendMessage", status=502)
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(CHAT, "5xx")
        assert (await bot.send_message(CHAT, "fine")).text == "fine"


async def test_uploads_are_multipart(emulator: FakeBotAPI) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
    document = b"col1,col2\n" + b"1,2\n" * 5000
    async with tg_bot(emulator.base_url) as bot:
        photo = await bot.send_photo(
            CHAT, InputFile(png, filename="chart.png"), caption="<b>30 days</b>", parse_mode="HTML"
        )
        sent = await bot.send_document(CHAT, io.BytesIO(document), filename="stats.csv", caption="numbers")
    assert photo.caption == "30 days" and sent.document is not None
    first, second = emulator.sent(CHAT)
    assert (first.method, first.photo, first.text, first.parse_mode) == ("sendPhoto", png, "30 days", "HTML")
    assert (second.method, second.document, second.text) == ("sendDocument", document, "numbers")
    assert emulator.calls("sendDocument")[0].params["document"] == (document, "stats.csv")


async def test_a_stalled_upload_hits_the_write_timeout() -> None:
    """The server reads the headers, then nothing: the body's write stalls once the socket buffers fill."""
    stalled, done = asyncio.Event(), asyncio.Event()

    async def never_read(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        stalled.set()
        await done.wait()
        writer.close()

    big = bytes(64 * 1024 * 1024)
    async with raw_server(never_read) as base_url, tg_bot(base_url, RequestLimits(read=30)) as bot:
        started = time.monotonic()
        with pytest.raises(TimedOut):
            await bot.send_document(CHAT, InputFile(big, filename="big.bin"), write_timeout=0.5)
        assert stalled.is_set() and time.monotonic() - started < 10
        done.set()


async def test_pool_timeout_when_every_connection_is_busy(emulator: FakeBotAPI) -> None:
    emulator.set_delay(0.8, "sendMessage")
    async with tg_bot(emulator.base_url, RequestLimits(pool_size=1, pool=5)) as bot:
        slow = asyncio.create_task(bot.send_message(CHAT, "holds the only connection"))
        await asyncio.sleep(0.2)
        with pytest.raises(TimedOut, match="Pool timeout") as caught:
            await bot.send_message(CHAT, "waits for it", pool_timeout=0.1)
        assert (await slow).text == "holds the only connection"
        assert (await bot.send_message(CHAT, "afterwards")).text == "afterwards"
    assert "not* sent" in caught.value.message
    assert [m.text for m in emulator.sent(CHAT)] == ["holds the only connection", "afterwards"]


async def test_a_request_waits_for_a_free_connection_within_the_pool_timeout(emulator: FakeBotAPI) -> None:
    emulator.set_delay(0.3, "sendMessage")
    async with tg_bot(emulator.base_url, RequestLimits(pool_size=2, pool=5)) as bot:
        texts = [f"m{i}" for i in range(6)]
        started = time.monotonic()
        sent = await asyncio.gather(*(bot.send_message(CHAT, text) for text in texts))
        elapsed = time.monotonic() - started
    assert [m.text for m in sent] == texts
    assert 0.85 < elapsed < 3  # 3 rounds of 2, never more than 2 at once


async def test_shut_down_it_refuses_and_initialize_opens_it_again(emulator: FakeBotAPI) -> None:
    request = AiohttpRequest()
    bot = Bot(TOKEN, base_url=emulator.base_url, request=request, get_updates_request=AiohttpRequest())
    with pytest.raises(NetworkError, match="not initialized"):
        await bot.send_message(CHAT, "too early")
    await request.initialize()
    assert (await bot.send_message(CHAT, "open")).text == "open"
    await request.shutdown()
    await request.shutdown()  # twice is fine
    with pytest.raises(NetworkError, match="not initialized"):
        await bot.send_message(CHAT, "closed")
    await request.initialize()
    assert (await bot.send_message(CHAT, "again")).text == "again"
    await request.shutdown()


def test_the_application_sends_everything_through_aiohttp() -> None:
    settings = Settings(_env_file=None, database_url="sqlite+aiosqlite:///unused.db", send_concurrency=8)  # type: ignore[call-arg]
    application = build_application(settings, token=TOKEN, base_url="http://127.0.0.1:9/bot")
    updates_request = application.bot._request[0]  # PTB keeps the getUpdates one private
    assert isinstance(application.bot.request, AiohttpRequest)
    assert isinstance(updates_request, AiohttpRequest) and updates_request is not application.bot.request


def test_limits_are_checked() -> None:
    with pytest.raises(ValueError, match="pool_size"):
        RequestLimits(pool_size=0)
