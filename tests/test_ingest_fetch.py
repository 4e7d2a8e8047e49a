"""Fetcher rules (SSRF on every hop, limits, charsets) and feed parsing; transport and DNS injected."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from bot.ingest import BlockedURLError, BrokenFeedError, FetchError, NotAFeedError
from bot.ingest.feeds import MAX_BACKOFF, backoff, parse_feed
from bot.ingest.fetch import Fetcher, FetchLimits, decode_body, is_public_address, normalize_url

PUBLIC = {"news.example": ["93.184.216.34"], "sneaky.example": ["93.184.216.35", "10.0.0.5"]}


async def fake_resolver(host: str, port: int) -> list[str]:
    """DNS as the tests want it; unknown names fail like a real lookup."""
    if host not in PUBLIC:
        raise OSError(f"unknown host {host}")
    return PUBLIC[host]


def fetcher(handler: httpx.MockTransport, **limits: object) -> Fetcher:
    return Fetcher(FetchLimits(**limits), transport=handler, resolver=fake_resolver)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("240.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),
        ("224.0.0.1", False),
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    assert is_public_address(address) is public


def test_normalize_url() -> None:
    assert (
        normalize_url(" HTTPS://News.Example:443/a?utm_source=x&id=3#top ") == "https://news.example/a?id=3"
    )
    assert normalize_url("http://news.example") == "http://news.example/"
    for bad in ["ftp://x/", "javascript:alert(1)", "file:///etc/passwd", "http://", "news.example/a"]:
        with pytest.raises(BlockedURLError):
            normalize_url(bad)
    with pytest.raises(BlockedURLError):
        normalize_url("http://user:pw@news.example/")


async def test_private_hosts_and_redirects_to_them_are_refused() -> None:
    requested: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        requested.append(f"{request.url} Host={request.headers['host']}")
        return httpx.Response(302, headers={"Location": "http://127.0.0.1:8080/admin"})

    f = fetcher(httpx.MockTransport(handle))
    with pytest.raises(BlockedURLError, match="private or local"):
        await f.fetch("http://news.example/story")
    # connected to the vetted address (no second lookup), named in Host; the redirect target never requested
    assert requested == ["http://93.184.216.34/story Host=news.example"]
    with pytest.raises(BlockedURLError):
        await f.fetch("http://sneaky.example/")  # one of its addresses is private
    with pytest.raises(FetchError, match="Couldn't find the host"):
        await f.fetch("http://nowhere.example/")
    assert len(requested) == 1
    await f.close()


async def test_redirect_limit_and_content_checks() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.startswith("/hop") and int(path[4:]) < 3:  # /hop0 → /hop1 → /hop2 → /hop3 (a page)
            n = int(path[4:])
            return httpx.Response(301, headers={"Location": f"/hop{n + 1}"})
        if path == "/big":
            return httpx.Response(200, headers={"Content-Type": "text/html", "Content-Length": "99999999"})
        if path == "/pdf":
            return httpx.Response(200, headers={"Content-Type": "application/pdf"}, content=b"%PDF")
        return httpx.Response(200, headers={"Content-Type": "text/html; charset=utf-8"}, content=b"<p>ok</p>")

    f = fetcher(httpx.MockTransport(handle), max_redirects=2, max_bytes=1024)
    with pytest.raises(FetchError, match="Too many redirects"):
        await f.fetch("http://news.example/hop0")
    f2 = fetcher(httpx.MockTransport(handle), max_redirects=3)
    assert (await f2.fetch("http://news.example/hop0")).url == "http://news.example/hop3"
    secure = fetcher(
        httpx.MockTransport(lambda r: httpx.Response(200, text=str(r.extensions["sni_hostname"])))
    )
    sni = await secure.fetch("https://news.example:8443/x")  # TLS still checks the certificate's name
    assert sni.text == "news.example"
    await secure.close()
    with pytest.raises(FetchError, match="too large"):
        await f.fetch("http://news.example/big")
    with pytest.raises(FetchError, match="application/pdf"):
        await f.fetch("http://news.example/pdf")
    page = await f.fetch("http://news.example/ok")
    assert page.text == "<p>ok</p>" and page.content_type == "text/html"
    await f.close()
    await f2.close()


def test_decode_body() -> None:
    assert decode_body("Привет, мир".encode("koi8-r"), "koi8-r") == "Привет, мир"
    latin = '<meta charset="iso-8859-1"><p>Café crème</p>'.encode("latin-1")
    assert "Café crème" in decode_body(latin, None)
    assert decode_body("naïve".encode(), None) == "naïve"
    with pytest.raises(FetchError, match="binary"):
        decode_body(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", None)


def test_parse_feeds() -> None:
    rss = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        "<item><guid>1</guid><title>A</title><link>http://x/a</link>"
        "<description>&lt;p&gt;Hello &lt;b&gt;world&lt;/b&gt;&lt;/p&gt;"
        "&lt;script&gt;bad()&lt;/script&gt;</description>"
        "</item></channel></rss>"
    )
    parsed = parse_feed(rss)
    assert parsed.title == "T"
    (entry,) = parsed.entries
    assert (entry.title, entry.link) == ("A", "http://x/a")
    assert "Hello world" in entry.text and "bad()" not in entry.text
    atom = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom</title><id>urn:f</id>'
        '<entry><id>urn:1</id><title>E</title><link href="http://x/e"/>'
        '<content type="html">&lt;p&gt;Full text.&lt;/p&gt;</content></entry></feed>'
    )
    assert parse_feed(atom).entries[0].text.strip() == "Full text."
    for not_feed in ["<html><body><p>Just a page</p></body></html>", "plain words", "", "/etc/passwd"]:
        with pytest.raises(NotAFeedError):
            parse_feed(not_feed)


@pytest.mark.parametrize(
    "broken",
    [
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><description>News</desc',
        '<rss version="2.0"><channel><title>T</title></chanel></rss>',
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T & U</title></channel></rss>',
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom</ti',
    ],
)
def test_broken_feed_xml_without_entries_is_refused(broken: str) -> None:
    with pytest.raises(
        BrokenFeedError, match=r"^That feed is broken: its XML can't be read \([-a-z ()]+\), so"
    ):
        parse_feed(broken)


def test_slightly_broken_feed_with_entries_and_empty_valid_feeds_are_read() -> None:
    lenient = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        "<item><guid>1</guid><title>A &amp; B &bogus; C</title><link>http://x/a</link></item></channel></rss>"
    )
    (entry,) = parse_feed(lenient).entries  # feedparser's loose parser still reads the entry
    assert entry.link == "http://x/a"
    empty = '<?xml version="1.0"?><rss version="2.0"><channel><title>New blog</title></channel></rss>'
    assert parse_feed(empty).entries == []
    declared = '<?xml version="1.0" encoding="windows-1251"?><rss version="2.0"><channel><title>T</title>'
    assert parse_feed(declared + "</channel></rss>").title == "T"  # only an encoding remark: harmless


def test_backoff_doubles_up_to_a_day() -> None:
    interval = timedelta(minutes=15)
    assert [backoff(interval, n) for n in range(3)] == [interval, interval * 2, interval * 4]
    assert backoff(interval, 50) == MAX_BACKOFF
