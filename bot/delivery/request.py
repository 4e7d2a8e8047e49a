"""PTB's HTTP backend on aiohttp: one pooled `aiohttp.ClientSession` serves every Bot API call.

python-telegram-bot sends every request through a `telegram.request.BaseRequest`; its default,
`HTTPXRequest`, spends most of a digest send's CPU in httpx/httpcore/anyio (see bench/README.md). This
subclass does the same job on aiohttp, which the project already uses (the emulator, the webhook tests):
PTB's `BaseRequest` still turns HTTP statuses and bodies into `RetryAfter`, `Forbidden`, `BadRequest`,
`ChatMigrated`...; this class only moves bytes and raises `TimedOut` / `NetworkError` for transport
failures.

Timeouts, with PTB's meaning (each may be overridden per call; `None` = wait forever):
- pool: waiting for one of the `pool_size` connections (a semaphore here: aiohttp's own pool wait
  cannot be told apart from a connect timeout), `TimedOut` "Pool timeout", the request not sent;
- connect: establishing a new connection (aiohttp's `sock_connect`);
- write: writing the whole request body (uploads: `media_write`), a deadline around the body's write;
- read: waiting for the answer once the body is written (aiohttp's `sock_read`, renewed per chunk).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Final

import aiohttp
from aiohttp.abc import AbstractStreamWriter
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_JSON: Final = {"Content-Type": "application/json"}
_POOL_TIMEOUT: Final = (
    "Pool timeout: all connections in the connection pool are occupied. The request was *not* sent "
    "to Telegram. Consider a bigger pool or a longer pool timeout."
)
# aiohttp's writer hands a body below its buffer's high-water mark (64 KiB) to the transport without
# waiting, so such a write cannot time out; only bigger bodies get a write deadline (a timer each).
_BUFFERED_BODY: Final = 64 * 1024
_TIMEOUTS_KEPT: Final = 32  # distinct (read, connect) timeout pairs remembered


@dataclass(frozen=True)
class RequestLimits:
    """Connection pool size and default timeouts in seconds (PTB's HTTPXRequest defaults)."""

    pool_size: int = 256
    read: float | None = 5.0
    write: float | None = 5.0
    connect: float | None = 5.0
    pool: float | None = 1.0
    media_write: float | None = 20.0  # write timeout of requests that upload files

    def __post_init__(self) -> None:
        if self.pool_size < 1:
            raise ValueError("pool_size must be at least 1")


class _DeadlineBytes(aiohttp.BytesPayload):
    """A request body that must be written within `write_timeout` seconds."""

    def __init__(self, body: bytes, write_timeout: float) -> None:
        super().__init__(body, content_type="application/json")
        self._write_timeout = write_timeout

    async def write_with_length(self, writer: AbstractStreamWriter, content_length: int | None) -> None:
        """Write the body; TimeoutError (reported by aiohttp as is) when it takes too long."""
        async with asyncio.timeout(self._write_timeout):
            await super().write_with_length(writer, content_length)


class _DeadlineMultipart(aiohttp.MultipartWriter):
    """A multipart/form-data upload that must be written within `write_timeout` seconds (None: no limit)."""

    def __init__(self, write_timeout: float | None) -> None:
        super().__init__("form-data")
        self._write_timeout = write_timeout

    async def write_with_length(self, writer: AbstractStreamWriter, content_length: int | None) -> None:
        """Write every part; TimeoutError (reported by aiohttp as is) when it takes too long."""
        async with asyncio.timeout(self._write_timeout):
            await super().write_with_length(writer, content_length)


def _multipart(request_data: RequestData, write_timeout: float | None) -> _DeadlineMultipart:
    """The form of an upload: every parameter as a field (JSON-encoded values, as PTB sends them) and
    every file (InputFile: name -> (filename, bytes or file object, MIME type)) as a file part."""
    form = _DeadlineMultipart(write_timeout)
    for name, value in request_data.json_parameters.items():
        part = form.append(value, {"Content-Type": "text/plain; charset=utf-8"})
        part.set_content_disposition("form-data", name=name)
    for name, (filename, content, mime_type) in request_data.multipart_data.items():
        part = form.append(content, {"Content-Type": mime_type})
        part.set_content_disposition("form-data", name=name, filename=filename)
    return form


class AiohttpRequest(BaseRequest):
    """`telegram.request.BaseRequest` on one pooled aiohttp session (see the module docstring)."""

    __slots__ = ("_limits", "_session", "_slots", "_timeouts")

    def __init__(self, limits: RequestLimits | None = None) -> None:
        """Configure the pool; the session itself is made by `initialize` (it needs the event loop)."""
        self._limits = limits or RequestLimits()
        self._session: aiohttp.ClientSession | None = None
        self._slots = asyncio.Semaphore(self._limits.pool_size)
        self._timeouts: dict[tuple[float | None, float | None], aiohttp.ClientTimeout] = {}

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (PTB adds the long-poll time of getUpdates to it)."""
        return self._limits.read

    async def initialize(self) -> None:
        """Open the pooled session (again, after a shutdown)."""
        if self._session is None or self._session.closed:
            self._slots = asyncio.Semaphore(self._limits.pool_size)
            connector = aiohttp.TCPConnector(limit=self._limits.pool_size, limit_per_host=0)
            # No trust_env: aiohttp would then look up HTTP(S)_PROXY and ~/.netrc in a worker thread on
            # every request (two thread hops, more CPU than the rest of the request); no proxy is used.
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": self.USER_AGENT},
                timeout=aiohttp.ClientTimeout(total=None),
            )

    async def shutdown(self) -> None:
        """Close the session and its connections; a no-op when not initialized."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one request; return (HTTP status, body). TimedOut / NetworkError on transport failures."""
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        limits = self._limits
        body: aiohttp.Payload | bytes | None = None
        if request_data is not None and request_data.contains_files:
            body = _multipart(request_data, _given(write_timeout, limits.media_write))
        elif request_data is not None:
            # A JSON body with the values as they are (PTB's form encoding would JSON-encode each nested
            # value on its own, then percent-encode the lot); Telegram takes either.
            body = json.dumps(request_data.parameters).encode()
            write = _given(write_timeout, limits.write)
            if write is not None and len(body) > _BUFFERED_BODY:
                body = _DeadlineBytes(body, write)
        timeout = self._timeout(_given(read_timeout, limits.read), _given(connect_timeout, limits.connect))
        await self._acquire(_given(pool_timeout, limits.pool))
        try:
            headers = _JSON if isinstance(body, bytes) else None
            async with session.request(method, url, data=body, headers=headers, timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as exc:  # aiohttp's connect / read timeouts, the body's write deadline
            raise TimedOut(f"Timed out: {exc!r}") from exc
        except aiohttp.ClientError as exc:  # refused, reset, dropped, DNS, TLS...
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc
        finally:
            self._slots.release()

    async def _acquire(self, pool_timeout: float | None) -> None:
        """One of the pool's connections, waiting at most `pool_timeout` seconds for it."""
        if not self._slots.locked():
            await self._slots.acquire()  # free: returns at once
            return
        try:
            async with asyncio.timeout(pool_timeout):
                await self._slots.acquire()
        except TimeoutError as exc:
            raise TimedOut(_POOL_TIMEOUT) from exc

    def _timeout(self, read: float | None, connect: float | None) -> aiohttp.ClientTimeout:
        """aiohttp's timeout object for (read, connect); few distinct pairs occur, so they are reused."""
        timeout = self._timeouts.get((read, connect))
        if timeout is None:
            if len(self._timeouts) >= _TIMEOUTS_KEPT:
                self._timeouts.clear()
            timeout = aiohttp.ClientTimeout(total=None, sock_read=read, sock_connect=connect)
            self._timeouts[(read, connect)] = timeout
        return timeout


def _given(value: ODVInput[float], default: float | None) -> float | None:
    """A per-call timeout: PTB's DEFAULT_NONE means "not passed", take the default; None means no limit."""
    return default if isinstance(value, DefaultValue) else value


__all__ = ["AiohttpRequest", "RequestLimits"]
