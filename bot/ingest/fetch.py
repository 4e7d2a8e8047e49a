"""Fetching links safely: http(s) only, no private addresses (SSRF), size, type, redirect and time limits."""

from __future__ import annotations

import asyncio
import codecs
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import charset_normalizer
import httpx

from bot.i18n.translator import N_
from bot.ingest.errors import BlockedURLError, FetchError, URLTooLongError
from bot.storage.models import FEED_URL_MAX_LENGTH, SOURCE_URL_MAX_LENGTH

Resolver = Callable[[str, int], Awaitable[list[str]]]

PAGE_TYPES: Final = frozenset({"text/html", "application/xhtml+xml", "text/plain"})
FEED_TYPES: Final = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/xml",
        "text/xml",
        "application/feed+json",
        "text/html",
        "text/plain",
    }
)
_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})
_USER_AGENT: Final = "newsbot/0.1 (+https://github.com/; news summary bot)"
_META_CHARSET: Final = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_ENCODING: Final = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""")
_TRACKING_PARAMS: Final = re.compile(r"^(?:utm_\w+|fbclid|gclid|mc_cid|mc_eid)$", re.IGNORECASE)
# The longest (normalized) link accepted: what an article's source_url and a feed's url columns hold.
MAX_URL_LENGTH: Final = min(SOURCE_URL_MAX_LENGTH, FEED_URL_MAX_LENGTH)


@dataclass(frozen=True)
class FetchLimits:
    """How far a fetch may go (from Settings)."""

    timeout: float = 15.0
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    allow_private: bool = False


@dataclass(frozen=True)
class Page:
    """A fetched document, decoded; `not_modified` when a conditional GET answered 304."""

    url: str
    content_type: str
    text: str
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve `host` with the system resolver (off the event loop) to its IP addresses."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def is_public_address(address: str) -> bool:
    """False for loopback, private, link-local, reserved, multicast, unspecified and shared addresses."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    blocked = (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )
    return ip.is_global and not blocked


def normalize_url(url: str, *, max_length: int | None = MAX_URL_LENGTH) -> str:
    """Canonical form used for storing and deduplicating; raise BlockedURLError unless http(s) with a host.

    A result longer than `max_length` raises URLTooLongError, before anything is fetched.
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError as exc:  # e.g. an unbalanced "[" in the host
        raise BlockedURLError(N_("That link is not a valid web address.")) from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise BlockedURLError(N_("Only http:// and https:// links can be fetched."))
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        raise BlockedURLError(N_("That link has no host name."))
    try:
        port = parts.port
    except ValueError as exc:
        raise BlockedURLError(N_("That link has an invalid port.")) from exc
    if parts.username or parts.password:
        raise BlockedURLError(N_("Links with a user name or password are not fetched."))
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != (443 if scheme == "https" else 80):
        netloc += f":{port}"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING_PARAMS.match(k)]
    )
    normalized = urlunsplit((scheme, netloc, parts.path or "/", query, ""))
    if max_length is not None and len(normalized) > max_length:
        raise URLTooLongError(
            N_("That link is too long ({length} characters; the most I can keep is {most})."),
            length=len(normalized),
            most=max_length,
        )
    return normalized


def source_url(url: str) -> str | None:
    """The normalized link to keep as an article's source; None if it can't be one (not http(s), too long)."""
    try:
        return normalize_url(url)
    except BlockedURLError:
        return None


def _lookup(name: str | None) -> str | None:
    """The canonical codec name for a declared charset, or None if Python doesn't know it."""
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None


def decode_body(data: bytes, declared: str | None) -> str:
    """Decode a fetched body: BOM, declared charset, meta/XML declaration, UTF-8, then detection."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    if b"\x00" in data[:8192]:
        raise FetchError(N_("That link serves binary data, not a web page."))
    head = data[:4096]
    sniffed = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    candidates = [_lookup(declared), _lookup(sniffed.group(1).decode("ascii")) if sniffed else None, "utf-8"]
    for encoding in dict.fromkeys(c for c in candidates if c):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise FetchError(N_("That page's text could not be decoded (unknown or broken character set)."))
    return str(best)


class Fetcher:
    """Fetches web pages and feeds with an httpx client; the transport and DNS resolver are injectable."""

    def __init__(
        self,
        limits: FetchLimits,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        resolver: Resolver = system_resolver,
    ) -> None:
        self.limits = limits
        self._resolver = resolver
        self._client = httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,  # followed by hand so every hop is checked against SSRF
            timeout=httpx.Timeout(limits.timeout),
            headers={"User-Agent": _USER_AGENT, "Accept": "text/html,application/xhtml+xml,*/*;q=0.5"},
        )

    async def close(self) -> None:
        """Close the HTTP connection pool."""
        await self._client.aclose()

    async def check_url(self, url: str) -> str:
        """Normalize `url` and refuse it if too long or its host is (or resolves to) a non-public address."""
        return (await self._checked(url))[0]

    async def _checked(self, url: str, *, redirect: bool = False) -> tuple[str, str | None]:
        """The normalized URL and the vetted public address to connect to (None when private is allowed).

        A redirect target is never stored, so only the link itself is held to MAX_URL_LENGTH.
        """
        normalized = normalize_url(url, max_length=None if redirect else MAX_URL_LENGTH)
        if self.limits.allow_private:
            return normalized, None
        parts = urlsplit(normalized)
        host = parts.hostname or ""
        try:
            addresses = [str(ipaddress.ip_address(host))]
        except ValueError:
            try:
                addresses = await self._resolver(host, parts.port or (443 if parts.scheme == "https" else 80))
            except OSError as exc:
                raise FetchError(N_("Couldn't find the host {host}."), host=host) from exc
        if not addresses or not all(is_public_address(a) for a in addresses):
            raise BlockedURLError(
                N_("Links to private or local addresses ({host}) are not allowed."), host=host
            )
        return normalized, addresses[0]

    def _pinned(self, url: str, address: str | None) -> tuple[str, dict[str, str], dict[str, str]]:
        """Request URL, extra headers and extensions that connect to the vetted address, not a fresh lookup.

        Connecting by IP (Host header and TLS SNI/certificate check still use the name) closes the DNS
        rebinding gap between the check and the connection.
        """
        if address is None:
            return url, {}, {}
        parts = urlsplit(url)
        ip = f"[{address}]" if ":" in address else address
        netloc = ip if parts.port is None else f"{ip}:{parts.port}"
        pinned = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
        return pinned, {"Host": parts.netloc}, {"sni_hostname": parts.hostname or ""}

    async def fetch(
        self,
        url: str,
        *,
        accept: Collection[str] = PAGE_TYPES,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Page:
        """GET `url` within the limits; raise FetchError (or BlockedURLError) with a reason for the editor."""
        host = urlsplit(url).hostname or url
        try:
            async with asyncio.timeout(self.limits.timeout):
                return await self._fetch(url, accept, etag, last_modified)
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise FetchError(
                N_("{host} did not answer within {seconds} seconds."),
                host=host,
                seconds=f"{self.limits.timeout:g}",
            ) from exc
        except httpx.HTTPError as exc:
            raise FetchError(
                N_("Couldn't fetch the link from {host} ({error})."), host=host, error=type(exc).__name__
            ) from exc

    async def _fetch(
        self, url: str, accept: Collection[str], etag: str | None, last_modified: str | None
    ) -> Page:
        current, address = await self._checked(url)
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        for _ in range(self.limits.max_redirects + 1):
            target, host_header, extensions = self._pinned(current, address)
            async with self._client.stream(
                "GET", target, headers=headers | host_header, extensions=extensions
            ) as response:
                location = response.headers.get("location")
                if response.status_code in _REDIRECTS and location:
                    current, address = await self._checked(urljoin(current, location), redirect=True)
                    continue
                validators = (response.headers.get("etag"), response.headers.get("last-modified"))
                if response.status_code == 304 and headers:
                    return Page(current, "", "", *validators, not_modified=True)
                if response.status_code >= 400:
                    reason = response.reason_phrase or "error"
                    raise FetchError(
                        N_("The page answered HTTP {status} ({reason})."),
                        status=str(response.status_code),
                        reason=reason,
                    )
                content_type = response.headers.get("content-type", "")
                mime = content_type.split(";", 1)[0].strip().lower()
                if mime not in accept:
                    if not mime:
                        raise FetchError(N_("That link is not a readable page (it serves an unknown type)."))
                    raise FetchError(N_("That link is not a readable page (it serves {type})."), type=mime)
                body = await self._read(response)
                # charset detection on megabytes is CPU work: keep it off the event loop
                text = await asyncio.to_thread(decode_body, body, response.charset_encoding)
                return Page(current, mime, text, *validators)
        raise FetchError(N_("Too many redirects (more than {most})."), most=self.limits.max_redirects)

    async def _read(self, response: httpx.Response) -> bytes:
        """Read the body, stopping as soon as it exceeds the size limit."""
        limit = self.limits.max_bytes
        too_big = FetchError(N_("That page is too large (over {size} MB)."), size=f"{limit / 1024 / 1024:g}")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise too_big
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > limit:
                raise too_big
        return bytes(body)


__all__ = [
    "FEED_TYPES",
    "MAX_URL_LENGTH",
    "PAGE_TYPES",
    "FetchLimits",
    "Fetcher",
    "Page",
    "decode_body",
    "normalize_url",
    "source_url",
]
