"""End to end: /exportopml and /importopml through the fake Bot API (sendDocument, getFile, download)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.emulator import FakeBotAPI
from bot.services import Services
from tests.conftest import ADMIN_ID, BotHarness, Chat
from tests.digest_helpers import services_of
from tests.site import Site

pytestmark = pytest.mark.usefixtures("app")
USER = 4242  # not in ADMIN_IDS


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    """The local web server with its feeds."""
    async with Site() as server:
        yield server


@pytest.fixture
async def app(harness: BotHarness) -> AsyncIterator[Any]:
    """The bot, allowed to fetch from 127.0.0.1."""
    async with harness.run(allow_private_urls=True, fetch_timeout_seconds=2) as application:
        yield application


def opml(*urls: str) -> bytes:
    """An OPML 2.0 file listing these feed URLs."""
    outlines = "".join(f'<outline type="rss" text="Feed {n}" xmlUrl="{u}"/>' for n, u in enumerate(urls))
    return f'<?xml version="1.0"?><opml version="2.0"><head/><body>{outlines}</body></opml>'.encode()


async def import_file(emulator: FakeBotAPI, data: bytes, name: str = "feeds.opml", replies: int = 2) -> str:
    """Send a file with the caption /importopml as the editor; the final reply's text."""
    emulator.send_document(ADMIN_ID, data, name, caption="/importopml", user_id=ADMIN_ID)
    messages = await emulator.wait_for(ADMIN_ID, replies, timeout=60)
    return messages[-1].text


async def test_export_then_import_in_a_fresh_bot_gives_the_same_feeds(
    admin: Chat, site: Site, services: Services, emulator: FakeBotAPI, harness: BotHarness, tmp_path: Path
) -> None:
    assert "Following feed #1" in await admin.result(f"/addfeed {site.url('/rss.xml')}")
    assert "Following feed #2" in await admin.result(f"/addfeed {site.url('/atom.xml')}")
    assert "now called" in await admin.ask("/feed 2 name Harbour <Wire>")
    (exported,) = await admin.send("/exportopml")
    assert exported.method == "sendDocument" and exported.file_name == "feeds.opml"
    assert exported.document is not None and b'version="2.0"' in exported.document
    before = [(f.url, f.title) for f in await services.store.feeds.all()]

    fresh_db = f"sqlite+aiosqlite:///{tmp_path}/fresh.db"
    async with harness.run(allow_private_urls=True, database_url=fresh_db) as fresh:
        assert await services_of(fresh).store.feeds.all() == []
        reply = await import_file(emulator, exported.document)
        assert reply.startswith("Added 2, skipped 0 (already followed), failed 0."), reply
        assert [(f.url, f.title) for f in await services_of(fresh).store.feeds.all()] == before
        again = await import_file(emulator, exported.document)
        assert again.startswith("Added 0, skipped 2 (already followed), failed 0."), again
        # replying /importopml to the file works as well
        sent = emulator.send_document(ADMIN_ID, exported.document, "feeds.xml", user_id=ADMIN_ID)
        emulator.send_message(
            ADMIN_ID, "/importopml", user_id=ADMIN_ID, reply_to_message_id=sent["message_id"]
        )
        replied = (await emulator.wait_for(ADMIN_ID, 2, timeout=60))[-1].text
        assert replied.startswith("Added 0, skipped 2"), replied


async def test_import_reports_each_failure_and_caps_at_200(
    site: Site, services: Services, emulator: FakeBotAPI
) -> None:
    urls = [site.url(f"/rss.xml?n={n}") for n in range(500)]
    reply = await import_file(emulator, opml(site.url("/article.html"), *urls))
    assert reply.startswith("Added 199, skipped 0 (already followed), failed 1."), reply[:300]
    assert "The file lists 501 feeds: only the first 200 were read." in reply
    assert "article.html: " in reply and "not an RSS or Atom feed" in reply
    assert len(await services.store.feeds.all()) == 199


async def test_bad_files_are_refused_and_add_nothing(
    admin: Chat, site: Site, services: Services, emulator: FakeBotAPI
) -> None:
    feed = site.url("/rss.xml")
    huge = opml(feed) + b"<!--" + b"x" * (2 * 1024 * 1024) + b"-->"
    assert "too large" in await import_file(emulator, huge, replies=1)
    assert emulator.calls("getFile") == []  # refused on its file_size, never downloaded
    not_xml = await import_file(emulator, b"\x89PNG not xml at all", replies=1)
    assert "not valid XML" in not_xml, not_xml
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><opml><body>&a;</body></opml>'
    assert "not valid XML" in await import_file(emulator, bomb, replies=1)
    assert "not OPML" in await import_file(emulator, b"<rss><channel/></rss>", replies=1)
    assert "lists no feeds" in await import_file(emulator, opml(), replies=1)
    assert "Send an .opml or .xml file" in await import_file(emulator, opml(feed), "feeds.txt", replies=1)
    assert "Send an .opml or .xml file" in await admin.ask("/importopml")
    emulator.send_document(USER, opml(feed), "feeds.opml", caption="/importopml", user_id=USER)
    (refused,) = await emulator.wait_for(USER, 1)
    assert "only the outlet's editors can import feeds" in refused.text, refused.text
    assert await services.store.feeds.all() == []
    assert "No feeds followed yet" in await admin.ask("/exportopml")
