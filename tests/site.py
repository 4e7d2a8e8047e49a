"""A real web server on 127.0.0.1 serving realistic pages, feeds and misbehaving URLs for ingest tests."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Self
from xml.sax.saxutils import escape

from aiohttp import web

PAGES = Path(__file__).parent / "data" / "pages"
CP1251_TEXT = (
    "Городской совет утвердил новый бюджет во вторник после долгих месяцев обсуждений и споров. "
    "План увеличивает расходы на общественный транспорт на двенадцать процентов в следующем году. "
    "Мэр заявил, что новые автобусы помогут сократить пробки и загрязнение воздуха в центре города."
)


@dataclass
class FeedItem:
    """One RSS item the test feed serves."""

    guid: str
    title: str
    link: str
    description: str
    pub_date: str | None = None  # RFC 822, as RSS writes it
    image: str | None = None  # a media:content picture


def _rss_item(item: FeedItem) -> str:
    """One <item>, with its date and media:content picture when it has them."""
    extra = f"<pubDate>{escape(item.pub_date)}</pubDate>" if item.pub_date else ""
    if item.image:
        extra += f'<media:content url="{escape(item.image)}" medium="image" type="image/jpeg"/>'
    return (
        f"<item><guid>{escape(item.guid)}</guid><title>{escape(item.title)}</title>"
        f"<link>{escape(item.link)}</link><description>{escape(item.description)}</description>{extra}</item>"
    )


@dataclass
class Site:
    """The server: `url(path)`, the requests it saw, and the feed items / failures tests control."""

    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    items: list[FeedItem] = field(default_factory=list)
    broken: set[str] = field(default_factory=set)
    truncated: set[str] = field(default_factory=set)  # feeds served cut off mid-tag (half-written XML)
    etag: str | None = None  # the ETag /rss.xml sends instead of its own
    last_modified: str | None = None  # the Last-Modified /other.xml sends instead of its own
    feed_title: str = "Coastal Times"
    port: int = 0
    _runner: web.AppRunner | None = None

    def url(self, path: str) -> str:
        """Absolute URL of `path` on this server."""
        return f"http://127.0.0.1:{self.port}{path}"

    def hits(self, path: str) -> list[dict[str, str]]:
        """Headers of every request for `path`."""
        return [headers for p, headers in self.requests if p == path]

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.middlewares.append(self._log)
        routes = [
            ("/article.html", self._file("article.html")),
            ("/teaser-full.html", self._file("teaser_full.html")),
            ("/scripted.html", self._file("scripted.html")),
            ("/missing", self._missing),
            ("/slow", self._slow),
            ("/binary", self._binary),
            ("/huge", self._huge),
            ("/loop", self._loop),
            ("/redirect", self._redirect),
            ("/cp1251.html", self._cp1251),
            ("/plain.txt", self._plain),
            ("/rss.xml", self._rss),
            ("/other.xml", self._rss),
            ("/atom.xml", self._atom),
        ]
        for path, handler in routes:
            app.router.add_get(path, handler)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @web.middleware
    async def _log(self, request: web.Request, handler: web.Handler) -> web.StreamResponse:
        self.requests.append((request.path, dict(request.headers)))
        if request.path in self.broken:
            return web.Response(status=500, text="internal error")
        return await handler(request)

    def _file(self, name: str) -> web.Handler:
        async def handler(request: web.Request) -> web.Response:
            return web.Response(body=(PAGES / name).read_bytes(), content_type="text/html", charset="utf-8")

        return handler

    async def _missing(self, request: web.Request) -> web.Response:
        return web.Response(status=404, text="<h1>Not found</h1>", content_type="text/html")

    async def _slow(self, request: web.Request) -> web.Response:
        await asyncio.sleep(10)
        return web.Response(text="<p>too late</p>", content_type="text/html")

    async def _binary(self, request: web.Request) -> web.Response:
        return web.Response(body=bytes(range(256)) * 64, content_type="application/octet-stream")

    async def _huge(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
        response.enable_chunked_encoding()  # no Content-Length: the client must stop reading by itself
        await response.prepare(request)
        chunk = b"<p>" + b"filler text " * 8000 + b"</p>\n"
        try:
            for _ in range(20 * 1024 * 1024 // len(chunk) + 1):  # 20 MB
                await response.write(chunk)
        except (ConnectionError, RuntimeError):  # the client stopped reading, as it should
            pass
        return response

    async def _loop(self, request: web.Request) -> web.Response:
        raise web.HTTPFound("/loop")

    async def _redirect(self, request: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently("/article.html")

    async def _cp1251(self, request: web.Request) -> web.Response:
        html = (
            "<html><head><title>Бюджет утвержден</title></head><body><article><h1>Бюджет утвержден</h1>"
            + "".join(f"<p>{sentence}.</p>" for sentence in CP1251_TEXT.split(". "))
            + "</article></body></html>"
        )
        # No charset in the header and no <meta>: it must be detected from the bytes.
        return web.Response(body=html.encode("cp1251"), headers={"Content-Type": "text/html"})

    async def _plain(self, request: web.Request) -> web.Response:
        return web.Response(
            text="Water rates frozen\n"
            "The water company froze its rates for another year, the regulator said. "
            "Customers will pay the same as last year. The company said efficiency savings made it possible.",
            content_type="text/plain",
        )

    async def _rss(self, request: web.Request) -> web.Response:
        items = "".join(_rss_item(i) for i in self.items)
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/">'
            f"<channel><title>{escape(self.feed_title)}</title>"
            f"<link>{self.url('/')}</link><description>News</description>{items}</channel></rss>"
        )
        if request.path == "/other.xml":  # validated by Last-Modified instead of ETag
            stamp = self.last_modified or f"Fri, 20 Nov 2026 08:{len(self.items):02d}:00 GMT"
            if request.headers.get("If-Modified-Since") == stamp:
                return web.Response(status=304)
            return web.Response(
                text=body, content_type="application/rss+xml", headers={"Last-Modified": stamp}
            )
        if request.path in self.truncated:
            body = body[: body.index("<link>") + 3]
        etag = self.etag or f'"v{len(self.items)}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(text=body, content_type="application/rss+xml", headers={"ETag": etag})

    async def _atom(self, request: web.Request) -> web.Response:
        body = (
            '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            "<title>Atom News</title><id>urn:x</id><updated>2026-11-20T00:00:00Z</updated>"
            "<entry><id>urn:e1</id><title>First</title><updated>2026-11-20T00:00:00Z</updated>"
            f'<link href="{self.url("/article.html")}"/><summary>Short teaser.</summary></entry></feed>'
        )
        return web.Response(text=body, content_type="application/atom+xml")
