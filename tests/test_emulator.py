"""The fake Bot API, exercised over real HTTP with httpx and with python-telegram-bot's Bot."""

from __future__ import annotations

import asyncio
import datetime as dtm
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from telegram import Bot, BotCommand, BotCommandScopeChat, Update
from telegram.error import BadRequest, ChatMigrated, Conflict, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application, ContextTypes, MessageHandler, filters
from telegram.request import HTTPXRequest

from bot.emulator import FakeBotAPI, SentMessage, parse_html, utf16_len

CHAT = 4242


@pytest.fixture
async def http(emulator: FakeBotAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A plain HTTP client for the bot's API root."""
    async with httpx.AsyncClient(base_url=f"{emulator.base_url}{emulator.token}/") as client:
        yield client


async def test_get_me_via_ptb(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (100000, "newsbot", True)


async def test_send_message_is_recorded(emulator: FakeBotAPI, bot: Bot) -> None:
    message = await bot.send_message(CHAT, "hello")
    assert (message.message_id, message.chat.id, message.text) == (1, CHAT, "hello")
    assert message.from_user is not None and message.from_user.username == "newsbot"
    (sent,) = emulator.sent(CHAT)
    assert (sent.text, sent.raw_text, sent.parse_mode, sent.method) == ("hello", "hello", None, "sendMessage")
    assert emulator.calls("sendMessage")[0].params["chat_id"] == CHAT
    assert emulator.sent(CHAT + 1) == []


@pytest.mark.parametrize(
    ("text", "ok"),
    [("a" * 4096, True), ("a" * 4097, False), ("😀" * 2048, True), ("😀" * 2049, False)],
    ids=["4096", "4097", "2048-emoji", "2049-emoji"],
)
async def test_length_in_utf16_units(emulator: FakeBotAPI, bot: Bot, text: str, ok: bool) -> None:
    if ok:
        assert (await bot.send_message(CHAT, text)).text == text
    else:
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message(CHAT, text)
        assert emulator.sent() == []


async def test_length_counts_text_after_html_parsing(bot: Bot) -> None:
    message = await bot.send_message(CHAT, "<b>" + "&amp;" * 4096 + "</b>", parse_mode="HTML")
    assert message.text == "&" * 4096


async def test_empty_text_is_rejected(bot: Bot) -> None:
    for text in (" \n ", "<b> </b>"):
        with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
            await bot.send_message(CHAT, text, parse_mode="HTML")


@pytest.mark.parametrize(
    ("html", "plain", "entity"),
    [
        ("<b>bold <i>both</i></b> plain", "bold both plain", {"type": "bold", "offset": 0, "length": 9}),
        ('<a href="https://e.com/?a=1&amp;b=2">link</a>', "link", {"url": "https://e.com/?a=1&b=2"}),
        ("1 &lt; 2 &amp;&amp; 3 &gt; 2 &quot;q&quot; &#128512; a > b", '1 < 2 && 3 > 2 "q" 😀 a > b', None),
        ("😀 <u>x</u>", "😀 x", {"type": "underline", "offset": 3, "length": 1}),
        ('<pre><code class="language-python">x = 1</code></pre>', "x = 1", {"language": "python"}),
        ('<span class="tg-spoiler">s</span><blockquote expandable>q</blockquote>', "sq", None),
    ],
)
async def test_valid_html(bot: Bot, html: str, plain: str, entity: dict[str, Any] | None) -> None:
    message = await bot.send_message(CHAT, html, parse_mode="HTML")
    assert message.text == plain
    if entity is not None:
        assert any(entity.items() <= e.to_dict().items() for e in message.entities), message.entities


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("<script>alert(1)</script>", 'unsupported start tag "script" at byte offset 0'),
        ("<b>unclosed", 'can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("a < b", 'unsupported start tag "" at byte offset 2'),
        ("a&nbsp;b", "&nbsp;"),
        ("Q&A", "&a"),
        ("</b>", "unexpected end tag"),
        ("<span>x</span>", "tg-spoiler"),
    ],
)
async def test_invalid_html_is_rejected(emulator: FakeBotAPI, bot: Bot, html: str, reason: str) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities") as caught:
        await bot.send_message(CHAT, html, parse_mode="HTML")
    assert reason in caught.value.message.lower()
    assert emulator.sent() == []
    assert emulator.calls("sendMessage")[0].status == 400


def test_parse_html_directly() -> None:
    assert parse_html("<b>x</b>") == ("x", [{"type": "bold", "offset": 0, "length": 1}])
    assert utf16_len("a😀") == 3


async def test_blocked_chat_is_forbidden(emulator: FakeBotAPI, bot: Bot) -> None:
    emulator.block(CHAT)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(CHAT, "hi")
    await bot.send_message(CHAT + 1, "others still work")
    emulator.unblock(CHAT)
    await bot.send_message(CHAT, "back")
    assert [m.text for m in emulator.sent(CHAT)] == ["back"]


async def test_block_with_notify_and_user_return(emulator: FakeBotAPI, bot: Bot) -> None:
    emulator.block(CHAT, notify=True)
    emulator.send_message(CHAT, "/start")  # writing again unblocks, as "Restart bot" does
    updates = await bot.get_updates()
    kinds = [
        (u.my_chat_member.new_chat_member.status if u.my_chat_member else u.message and u.message.text)
        for u in updates
    ]
    assert kinds == ["kicked", "member", "/start"]
    await bot.send_message(CHAT, "welcome back")


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_fail_next_429_raises_retry_after(emulator: FakeBotAPI, bot: Bot) -> None:
    emulator.fail_next("sendMessage", status=429, retry_after=3)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(CHAT, "hi")
    assert caught.value.retry_after in (3, dtm.timedelta(seconds=3))  # int is deprecated in PTB 22
    await bot.send_message(CHAT, "hi")  # only the next call failed
    assert [c.status for c in emulator.calls("sendMessage")] == [429, 200]


@pytest.mark.parametrize("status", [500, 502])
async def test_server_errors_raise_network_error(emulator: FakeBotAPI, bot: Bot, status: int) -> None:
    emulator.fail_next("*", status=status, count=2)
    for _ in range(2):
        with pytest.raises(NetworkError) as caught:
            await bot.send_message(CHAT, "hi")
        assert not isinstance(caught.value, BadRequest)
    await bot.send_message(CHAT, "hi")


async def test_migrated_group(emulator: FakeBotAPI, bot: Bot) -> None:
    emulator.fail_next("sendMessage", status=400, migrate_to_chat_id=-1009999)
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(-5, "hi")
    assert caught.value.new_chat_id == -1009999


async def test_delay_causes_timed_out(emulator: FakeBotAPI) -> None:
    emulator.set_delay(1.0, "sendMessage")
    async with Bot(
        emulator.token, base_url=emulator.base_url, request=HTTPXRequest(read_timeout=0.2)
    ) as slow_bot:
        with pytest.raises(TimedOut):
            await slow_bot.send_message(CHAT, "slow")
        emulator.set_delay(0, "sendMessage")
        await slow_bot.send_message(CHAT, "fast")
    # Like Telegram, a request the client gave up on may still be delivered.
    texts = [m.text for m in await emulator.wait_for(CHAT, 2, timeout=3)]
    assert sorted(texts) == ["fast", "slow"]


async def test_get_updates_long_polls_and_parses_commands(emulator: FakeBotAPI, bot: Bot) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    sent = emulator.send_message(CHAT, "/start@newsbot hello", first_name="Ann")
    (update,) = await poll
    assert loop.time() - started < 2
    assert update.message is not None and update.message.message_id == sent["message_id"]
    assert update.message.text == "/start@newsbot hello"
    assert update.message.from_user is not None and update.message.from_user.first_name == "Ann"
    (entity,) = update.message.entities
    assert (entity.type, entity.offset, entity.length) == ("bot_command", 0, len("/start@newsbot"))
    assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == ()


async def test_get_updates_over_raw_http(emulator: FakeBotAPI, bot: Bot, http: httpx.AsyncClient) -> None:
    emulator.send_message(CHAT, "/help")
    body = (await http.post("getUpdates", json={"timeout": 0})).json()
    assert body["ok"] is True
    update = Update.de_json(body["result"][0], bot)
    assert update.message is not None and update.message.entities[0].type == "bot_command"
    started = asyncio.get_running_loop().time()
    body = (await http.post("getUpdates", data={"offset": str(update.update_id + 1), "timeout": "1"})).json()
    assert body == {"ok": True, "result": []}
    assert asyncio.get_running_loop().time() - started >= 0.9


async def test_allowed_updates_filter(emulator: FakeBotAPI, bot: Bot) -> None:
    emulator.add_update(
        {"callback_query": {"id": "q1", "from": {"id": 1, "is_bot": False, "first_name": "A"}}}
    )
    emulator.send_message(CHAT, "hi")
    updates = await bot.get_updates(allowed_updates=["message"])
    assert [u.message.text for u in updates if u.message] == ["hi"] and len(updates) == 1


async def test_second_poller_conflicts_the_first(bot: Bot, http: httpx.AsyncClient) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    second = asyncio.create_task(http.post("getUpdates", json={"timeout": 1}))  # "another instance"
    with pytest.raises(Conflict, match="terminated by other getUpdates"):
        await first
    assert (await second).json() == {"ok": True, "result": []}


async def test_commands_per_scope(emulator: FakeBotAPI, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("help", "Help")])
    await bot.set_my_commands([BotCommand("post", "Post")], scope=BotCommandScopeChat(111))
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert [c.command for c in await bot.get_my_commands(scope=BotCommandScopeChat(111))] == ["post"]
    assert emulator.my_commands({"type": "chat", "chat_id": 111}) == [
        {"command": "post", "description": "Post"}
    ]
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()
    with pytest.raises(BadRequest):
        await bot.set_my_commands([BotCommand("Bad Command", "x")])


async def test_commands_per_language_and_the_menu_a_user_sees(emulator: FakeBotAPI, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("start", "Start")])
    await bot.set_my_commands([BotCommand("start", "Старт")], language_code="ru")
    await bot.set_my_commands(
        [BotCommand("post", "Veröffentlichen")], scope=BotCommandScopeChat(111), language_code="de"
    )
    assert [c.description for c in await bot.get_my_commands(language_code="ru")] == ["Старт"]
    assert emulator.my_commands(language_code="ru") == [{"command": "start", "description": "Старт"}]
    assert emulator.menu_shown(5, "ru") == [{"command": "start", "description": "Старт"}]
    assert emulator.menu_shown(5, "es") == [{"command": "start", "description": "Start"}]  # none for es
    assert emulator.menu_shown(111, "de") == [{"command": "post", "description": "Veröffentlichen"}]
    assert emulator.menu_shown(111, "ru") == [{"command": "start", "description": "Старт"}]
    with pytest.raises(BadRequest, match="two-letter"):
        await bot.set_my_commands([BotCommand("start", "Início")], language_code="pt-br")


async def test_updates_carry_the_users_language_code(emulator: FakeBotAPI, bot: Bot) -> None:
    emulator.set_language(77, "pt-br")
    emulator.send_message(77, "/start", user_id=77)
    emulator.send_message(78, "/start", user_id=78)
    query_id = emulator.inline_query(77, "news")
    updates = await bot.get_updates()
    message, other, inline = updates
    assert message.effective_user is not None and message.effective_user.language_code == "pt-br"
    assert other.effective_user is not None and other.effective_user.language_code is None
    assert inline.inline_query is not None and inline.inline_query.id == query_id
    assert inline.inline_query.from_user.language_code == "pt-br"
    emulator.set_language(77, None)
    emulator.send_message(77, "/help", user_id=77)
    (later,) = await bot.get_updates(offset=inline.update_id + 1)
    assert later.effective_user is not None and later.effective_user.language_code is None


async def test_edit_message_text(emulator: FakeBotAPI, bot: Bot) -> None:
    message = await bot.send_message(CHAT, "Summarizing…")
    edited = await bot.edit_message_text(
        "<b>Done</b>", chat_id=CHAT, message_id=message.message_id, parse_mode="HTML"
    )
    assert not isinstance(edited, bool) and edited.text == "Done" and edited.edit_date is not None
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(
            "<b>Done</b>", chat_id=CHAT, message_id=message.message_id, parse_mode="HTML"
        )
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=CHAT, message_id=999)
    first, second = emulator.sent(CHAT)
    assert (first.edited, second.edited, second.message_id, second.text) == (False, True, 1, "Done")


async def test_ids_are_shared_per_chat_and_replies(emulator: FakeBotAPI, bot: Bot) -> None:
    incoming = emulator.send_message(CHAT, "question")
    reply = await bot.send_message(CHAT, "answer", reply_to_message_id=incoming["message_id"])
    assert (incoming["message_id"], reply.message_id) == (1, 2)
    assert reply.reply_to_message is not None and reply.reply_to_message.text == "question"
    assert emulator.sent(CHAT)[0].reply_to_message_id == 1
    assert (await bot.send_message(CHAT + 1, "other chat")).message_id == 1
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(CHAT, "x", reply_to_message_id=77)
    follow_up = emulator.send_message(CHAT, "thanks", reply_to_message_id=reply.message_id)
    assert follow_up["message_id"] == 3 and follow_up["reply_to_message"]["text"] == "answer"


async def test_forwarded_message_has_origin(emulator: FakeBotAPI, bot: Bot) -> None:
    emulator.send_message(CHAT, "news", forward_from_chat_title="City News")
    emulator.forward_message(CHAT, "gossip", sender_name="Bob")
    first, second = await bot.get_updates()
    assert first.message is not None and second.message is not None
    assert first.message.forward_origin is not None and first.message.forward_origin.type == "channel"
    assert first.message.forward_origin.chat.title == "City News"  # type: ignore[attr-defined]
    assert second.message.forward_origin is not None and second.message.forward_origin.type == "user"


async def test_wait_for_uses_a_per_chat_cursor(emulator: FakeBotAPI, bot: Bot) -> None:
    async def later() -> None:
        await asyncio.sleep(0.1)
        for text in ("one", "two", "three"):
            await bot.send_message(CHAT, text)

    task = asyncio.create_task(later())
    assert [m.text for m in await emulator.wait_for(CHAT)] == ["one"]
    assert [m.text for m in await emulator.wait_for(CHAT, 2)] == ["two", "three"]
    await task
    with pytest.raises(TimeoutError, match=r"(?s)wanted 1 new message.*'three'"):
        await emulator.wait_for(CHAT, timeout=0.2)


async def test_on_send_hook_and_photo_upload(emulator: FakeBotAPI, bot: Bot) -> None:
    seen: list[SentMessage] = []
    emulator.on_send(seen.append)
    data = b"\x89PNG\r\n\x1a\nfake"
    message = await bot.send_photo(CHAT, data, caption="<b>Chart</b>", parse_mode="HTML")
    assert message.caption == "Chart" and message.photo
    assert seen[0].photo == data and seen[0].text == "Chart" and seen[0].method == "sendPhoto"
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.send_photo(CHAT, data, caption="x" * 1025)
    document = await bot.send_document(CHAT, b"a,b\n1,2\n", filename="data.csv")
    assert document.document is not None and document.document.file_name == "data.csv"
    assert emulator.sent(CHAT)[-1].document == b"a,b\n1,2\n"


async def test_delete_and_chat_action(emulator: FakeBotAPI, bot: Bot) -> None:
    message = await bot.send_message(CHAT, "temp")
    assert await bot.send_chat_action(CHAT, "typing")
    assert await bot.delete_message(CHAT, message.message_id)
    assert emulator.sent(CHAT)[0].deleted
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(CHAT, message.message_id)


async def test_webhook_is_stored_and_blocks_polling(emulator: FakeBotAPI, bot: Bot) -> None:
    assert await bot.set_webhook("https://example.com/hook", secret_token="s3cret")
    assert (
        emulator.webhook["url"] == "https://example.com/hook" and emulator.webhook["secret_token"] == "s3cret"
    )
    assert (await bot.get_webhook_info()).url == "https://example.com/hook"
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook()
    assert await bot.get_updates() == ()
    assert await bot.log_out() and await bot.close()


async def test_raw_http_envelopes(emulator: FakeBotAPI, http: httpx.AsyncClient) -> None:
    response = await http.post(
        "sendMessage",
        json={
            "chat_id": CHAT,
            "text": "json",
            "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]},
        },
    )
    assert response.status_code == 200 and response.json()["result"]["reply_markup"]["inline_keyboard"]
    response = await http.post("sendMessage", data={"chat_id": str(CHAT), "text": "form"})
    assert response.json()["result"]["text"] == "form"
    assert [m.text for m in emulator.sent(CHAT)] == ["json", "form"]
    assert emulator.sent(CHAT)[0].reply_markup == {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    response = await http.post("noSuchMethod")
    assert (response.status_code, response.json()) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
    )
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{emulator.base_url}999:wrong/getMe")
    assert (response.status_code, response.json()["description"]) == (401, "Unauthorized")
    unknown = (await http.post("answerCallbackQuery", data={"callback_query_id": "q1"})).json()
    assert unknown["error_code"] == 400 and "query ID is invalid" in unknown["description"]
    bad = (await http.post("sendMessage", data={"text": "no chat"})).json()
    assert bad == {"ok": False, "error_code": 400, "description": "Bad Request: chat_id is empty"}


async def test_ptb_application_polls_and_replies(emulator: FakeBotAPI) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_html(f"<b>echo</b> {update.message.text}", do_quote=True)

    app = Application.builder().token(emulator.token).base_url(emulator.base_url).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=5, drop_pending_updates=True)
        emulator.send_message(CHAT, "ping")
        (reply,) = await emulator.wait_for(CHAT, timeout=5)
        started = asyncio.get_running_loop().time()
        await app.updater.stop()
        await app.stop()
    assert asyncio.get_running_loop().time() - started < 3
    assert (reply.text, reply.parse_mode, reply.reply_to_message_id) == ("echo ping", "HTML", 1)
    assert emulator.calls("deleteWebhook") and emulator.calls("getUpdates")


async def test_delay_with_drop_if_gone_never_executes_an_abandoned_request(emulator: FakeBotAPI) -> None:
    emulator.set_delay(0.5, "sendMessage", drop_if_gone=True)
    async with Bot(
        emulator.token, base_url=emulator.base_url, request=HTTPXRequest(read_timeout=0.1)
    ) as slow_bot:
        with pytest.raises(TimedOut):
            await slow_bot.send_message(CHAT, "slow")
        emulator.set_delay(0, "sendMessage")
        await slow_bot.send_message(CHAT, "fast")
    await asyncio.sleep(0.8)  # the abandoned request's delay has run out by now
    assert [m.text for m in emulator.sent(CHAT)] == ["fast"]
    assert [c.status for c in emulator.calls("sendMessage")] == [200, 499]


async def test_get_chat_member_answers_the_status_set(bot: Bot, emulator: FakeBotAPI) -> None:
    emulator.set_member_status(-5, 7, "administrator")
    emulator.set_member_status(-5, 9, "creator")
    admin = await bot.get_chat_member(-5, 7)
    assert admin.status == "administrator" and admin.user.id == 7
    assert (await bot.get_chat_member(-5, 9)).status == "creator"
    assert (await bot.get_chat_member(-5, 8)).status == "member"  # anyone else
    emulator.set_member_status(-5, 7, "left")
    assert (await bot.get_chat_member(-5, 7)).status == "left"
    with pytest.raises(ValueError, match="not a chat member status"):
        emulator.set_member_status(-5, 7, "boss")
