"""Property-based tests: the real bot, through the fake Bot API, fed generated command arguments, texts
(NUL and other control characters, right-to-left marks, astral emoji, huge numbers, HTML-ish strings),
callback data and inline queries. Whatever arrives: every update gets a reply (or its query an answer),
no reply is the generic error, the bot keeps running, and input it refuses changes nothing stored.

One running bot per test function (SQLite, and PostgreSQL when TEST_DATABASE_URL is set); examples are
bounded by the Hypothesis profile: `ci` (30 per test, the default) or HYPOTHESIS_PROFILE=thorough (300).
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from bot.app import GENERIC_ERROR
from bot.commands import COMMANDS
from bot.emulator import FakeBotAPI, SentMessage
from bot.handlers.progress import WORKING
from bot.services import Services
from bot.storage.models import Base
from tests.conftest import ADMIN_ID, USER_ID, Chat
from tests.test_e2e_commands import STORY, post

settings.register_profile(
    "ci",
    max_examples=30,
    deadline=None,
    derandomize=False,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile("thorough", parent=settings.get_profile("ci"), max_examples=300)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

pytestmark = pytest.mark.usefixtures("app")

GENERIC = "something went wrong"
# First words of the replies that refuse input; after one of them nothing stored may have changed.
REFUSALS = (
    "Usage",
    "I don't know",
    "There is no",
    "Sorry, only",
    "You don't",
    "You are not subscribed",
    "I can't find the channel",  # /addchannel of a chat Telegram does not know
    "That link is not one I made",  # /start with a payload of no deep link
    "That story is no longer available",
    "That edition is no longer available",
)
STORED_TABLES = (
    "articles",
    "article_embeddings",
    "subscribers",
    "topics",
    "feeds",
    "feed_entries",
    "channels",
)

NASTY = [
    "\x00",
    "\x00\x00\x00",
    "\x1b[31m",
    "\x7f",
    "\u202e\u202dtxet",  # right-to-left override
    "\u200f\u200e\u2066",
    "\ufeff",
    "𝕏😀👩‍👩‍👧",
    "\U0010ffff",
    "<b>",
    "</i>",
    "<a href='javascript:alert(1)'>x</a>",
    "<script>alert(1)</script>",
    "&amp;",
    "&#0;",
    "&#x110000;",
    "<",
    "&",
    "<<>>&&",
    "<tg-spoiler>",
    "]]>",
    "'; DROP TABLE articles; --",
    '"*" OR 1 NEAR/2',
    "%s%n{0}",
    "2147483647",
    "2147483648",
    "-2147483649",
    "9223372036854775808",
    "99999999999999999999999999",
    "#2147483648",
    "-1",
    "0",
    "1e309",
    "NaN",
    "٣",
    "１２",
    "²",
    "25:99",
    "23:59",
    "Europe/Berlin",
    "localtime",
    "posixrules",
    "../../etc/passwd",
    "layout full",
    "layout \x00",
    " ",
    "\n",
    "a" * 4100,
]
nasty_text = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=80),  # any code point but surrogates: controls, RTL, astral planes
    st.lists(st.sampled_from(NASTY) | st.text(max_size=8), min_size=1, max_size=6).map(" ".join),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
BOUNDARIES = [2**31 - 1, 2**31, 2**32, 2**53 + 1, 2**63 - 1, 2**63, 2**64, 10**18, 10**19, -(2**31) - 1]
numbers = st.one_of(
    st.sampled_from(BOUNDARIES).map(str),
    st.sampled_from(BOUNDARIES).map(lambda n: f"#{n}"),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
ID_COMMANDS = ["summary", "delete", "removefeed", "latest"]  # those that read a number
command_names = st.sampled_from([c.name for c in COMMANDS if c.name not in ID_COMMANDS])
callback_data = st.one_of(
    st.sampled_from(["", "x", "x:", "f:", "m:-1", "x:1", "f:1:2", "zz:1", "x:0:0", ":::", "f:٣"]),
    st.from_regex(r"[xfm]:[0-9]{1,25}(:[0-9]{1,25})?", fullmatch=True),
    st.text(max_size=64),
).filter(lambda data: len(data.encode()) <= 64)  # Telegram's limit: it never delivers more


async def stored(services: Services) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables that hold what users and editors stored."""
    assert set(STORED_TABLES) <= set(Base.metadata.tables)
    snapshot: dict[str, list[tuple[Any, ...]]] = {}
    async with services.store.db.sessions() as session:
        for table in STORED_TABLES:
            rows = await session.execute(text(f"SELECT * FROM {table}"))
            snapshot[table] = sorted((tuple(row) for row in rows), key=repr)
    return snapshot


async def replies_to(
    emulator: FakeBotAPI, chat: int, before: int, timeout: float = 30.0
) -> list[SentMessage]:
    """What the bot sent in `chat` after the first `before` records: at least one message, and the
    result a "Working…" reply is edited into; a moment more for the rest of a multi-part reply."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout

    def complete() -> bool:
        new = emulator.sent(chat)[before:]
        return bool(new) and not (new[-1].text == WORKING and not new[-1].edited)

    while not complete():
        assert loop.time() < deadline, f"no reply in chat {chat} within {timeout}s"
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.15)
    while not complete():  # a second "Working…" part (rare): wait for it too
        assert loop.time() < deadline
        await asyncio.sleep(0.02)
    return emulator.sent(chat)[before:]


async def exchange(emulator: FakeBotAPI, services: Services, sender: int, message: str) -> list[str]:
    """Send one message; check the properties every reply must have; return the replies' texts."""
    before_rows = await stored(services)
    before = len(emulator.sent(sender))
    emulator.send_message(sender, message, user_id=sender)
    texts = [m.text for m in await replies_to(emulator, sender, before)]
    assert all(GENERIC not in t for t in texts), (message, texts)
    if texts[0].startswith(REFUSALS):
        assert await stored(services) == before_rows, (message, texts)
    return texts


async def still_up(app: Any, user: Chat) -> None:
    """The bot is running and answers."""
    assert app.running and app.updater.running
    assert "/subscribe" in await user.ask("/start")


@given(command=st.sampled_from(ID_COMMANDS), arg=st.one_of(numbers, nasty_text), as_editor=st.booleans())
@example(command="summary", arg="2147483648", as_editor=False)  # the classes issue 12 found, always run
@example(command="delete", arg="#9223372036854775808", as_editor=True)
async def test_id_commands_with_generated_numbers(
    app: Any, emulator: FakeBotAPI, services: Services, command: str, arg: str, as_editor: bool
) -> None:
    await exchange(emulator, services, ADMIN_ID if as_editor else USER_ID, f"/{command} {arg}")
    assert app.running


@given(command=command_names, args=nasty_text, as_editor=st.booleans())
@example(command="follow", args="E\x00U", as_editor=False)
@example(command="timezone", args="posixrules", as_editor=False)
@example(command="post", args="Title\nA body with a NUL \x00 inside. " * 3, as_editor=True)
async def test_commands_with_generated_arguments(
    app: Any, emulator: FakeBotAPI, services: Services, command: str, args: str, as_editor: bool
) -> None:
    await exchange(emulator, services, ADMIN_ID if as_editor else USER_ID, f"/{command} {args}")
    assert app.running


@given(
    first=st.sampled_from(["/post", "/follow", "/mute", "/search", "/timezone", "/settime"]), rest=nasty_text
)
async def test_multi_line_and_glued_arguments(
    app: Any, emulator: FakeBotAPI, services: Services, first: str, rest: str
) -> None:
    for message in (f"{first} {rest}\n{rest}", f"{first}{rest}"):
        if message.startswith(f"{first}@"):  # addressed to another bot: rightly unanswered
            continue
        await exchange(emulator, services, ADMIN_ID, message)
    assert app.running


@given(message=nasty_text, as_editor=st.booleans())
async def test_plain_text(
    app: Any, emulator: FakeBotAPI, services: Services, message: str, as_editor: bool
) -> None:
    if not message.strip() or message.lstrip().startswith("/"):
        return  # Telegram sends no empty messages; commands are the other tests'
    await exchange(emulator, services, ADMIN_ID if as_editor else USER_ID, message)


@pytest.fixture
async def digest_message(admin: Chat, user: Chat) -> int:
    """The message id of a digest with buttons in the user's chat."""
    await post(admin, "Council approves budget", STORY)
    (digest,) = await user.send("/digest")
    assert digest.reply_markup
    return digest.message_id


@given(data=callback_data)
@example(data="f:2147483648")
@example(data="x:1:9223372036854775808")
async def test_callback_data(
    app: Any, emulator: FakeBotAPI, services: Services, digest_message: int, data: str
) -> None:
    before_rows = await stored(services)
    before = len(emulator.sent(USER_ID))
    answer = await emulator.answer_of(emulator.press(USER_ID, digest_message, data, stale=True), timeout=30)
    await asyncio.sleep(0.15)  # an expanded summary may follow as an edit or a message
    texts = [str(answer.get("text") or "")] + [m.text for m in emulator.sent(USER_ID)[before:]]
    assert all(GENERIC not in t for t in texts), (data, texts)
    if not answer.get("text", "").startswith(("Following", "Muted")):
        topics_before = before_rows["topics"]
        assert (await stored(services))["topics"] == topics_before, (data, answer)
    assert app.running


@given(query=st.one_of(st.sampled_from(NASTY), st.text(max_size=256)), offset=st.text(max_size=64))
async def test_inline_queries(
    app: Any, emulator: FakeBotAPI, services: Services, query: str, offset: str
) -> None:
    if len(query) > 256 or len(offset.encode()) > 64:
        return  # Telegram never sends those
    answer = await emulator.answer_of(emulator.inline_query(USER_ID, query, offset=offset), timeout=30)
    assert isinstance(answer.get("results"), list)
    assert app.running


async def test_the_bot_is_still_up_after_the_generated_input(app: Any, user: Chat, admin: Chat) -> None:
    # The @given tests above each end with the bot running; this checks a last plain exchange after a
    # burst of the nastiest inputs at once, from both kinds of user.
    for sender in (user, admin):
        for message in NASTY[:12]:
            sender.emulator.send_message(sender.user_id, f"/search {message}", user_id=sender.user_id)
    for sender in (user, admin):
        assert all(GENERIC not in m.text for m in await sender.emulator.wait_for(sender.user_id, 12, 60))
    await still_up(app, user)
    assert GENERIC_ERROR not in [m.text for m in user.emulator.sent()]
