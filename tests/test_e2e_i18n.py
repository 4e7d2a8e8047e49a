"""End to end: the bot speaks the reader's language — the real Application through the fake Bot API, with
users whose Telegram apps send from.language_code (FakeBotAPI.set_language).

Replies are checked for known translated phrases (and Cyrillic where it applies), not merely for
differing from English; the digest is planned without a sender, from the language stored for the chat.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.emulator import FakeBotAPI, SentMessage
from bot.i18n.languages import SHIPPED
from bot.services import Services
from tests.conftest import ADMIN_ID, BotHarness, Chat
from tests.digest_helpers import send_digest
from tests.news_fixtures import DIFFERENT_EVENTS
from tests.test_e2e_commands import post

RU, DE, PT, UK = 7001, 7002, 7003, 7004
GROUP = -4101
MEMBER, GROUP_ADMIN = 7101, 7102
CYRILLIC = re.compile(r"[а-яА-ЯёЁіїєґІЇЄҐ]")
ENGLISH_WORDS = re.compile(r"\b(the|your|Usage|digest|Send|and|or|is)\b")


def speaker(emulator: FakeBotAPI, user_id: int, language: str | None) -> Chat:
    """A user whose Telegram app is in `language`."""
    emulator.set_language(user_id, language)
    return Chat(emulator, user_id)


def words(text: str) -> str:
    """The text without command names (/subscribe, /settings layout compact|full are typed as they are)."""
    return re.sub(
        r"/\w+( layout compact\|full| HH:MM\|default| Area/City\|default| HH:MM| Area/City| default)?",
        "",
        text,
    )


def cyrillic_share(text: str) -> float:
    """The share of letters that are Cyrillic, command names left out."""
    letters = [ch for ch in words(text) if ch.isalpha()]
    return sum(1 for ch in letters if CYRILLIC.match(ch)) / max(len(letters), 1)


async def digest_of(services: Services, emulator: FakeBotAPI, chat: int) -> SentMessage:
    """Plan and send the chat's digest now (no sender: its stored language); return its first message."""
    assert await send_digest(services, chat) == "sent"
    return next(m for m in emulator.sent(chat) if m.text.startswith("📰"))


def buttons(message: SentMessage) -> list[dict[str, Any]]:
    return [b for row in (message.reply_markup or {}).get("inline_keyboard", []) for b in row]


@pytest.mark.usefixtures("app")
async def test_main_commands_in_russian(emulator: FakeBotAPI) -> None:
    ru = speaker(emulator, RU, "ru")
    welcome = await ru.ask("/start")
    assert welcome.startswith("Здравствуйте, Test!") and "/subscribe" in welcome and "19:00 (UTC)" in welcome
    help_text = await ru.ask("/help")
    assert help_text.startswith("Команды") and "/subscribe — получать вечерний дайджест" in help_text
    assert "/search <слова> — найти статьи по смыслу и словам" in help_text
    assert await ru.ask("/latest") == "Статей пока нет — загляните чуть позже."
    subscribed = await ru.ask("/subscribe")
    assert subscribed.startswith("Подписка оформлена! Дайджест будет приходить каждый день в 19:00 (UTC).")
    settings = await ru.ask("/settings")
    assert settings.startswith("Ваши настройки\nДайджест: подписаны") and "Язык: Русский" in settings
    assert "Следующий дайджест:" in settings
    nothing = await ru.ask("/search квантовая гравитация")
    assert (
        nothing
        == "По запросу «квантовая гравитация» ничего не найдено. Попробуйте меньше слов или другие слова."
    )
    bad = await ru.ask("/settime 25:00")
    assert bad.startswith("Использование: /settime ЧЧ:ММ (24-часовой формат)")
    assert (await ru.ask("/frobnicate")).startswith("Я не знаю команду /frobnicate.")
    assert (await ru.ask("привет")).startswith("Я отвечаю на команды")
    for text in (welcome, help_text, subscribed, settings, nothing, bad):
        assert cyrillic_share(text) > 0.9, text
        assert not ENGLISH_WORDS.search(words(text)), text


@pytest.mark.usefixtures("app")
async def test_main_commands_in_german(emulator: FakeBotAPI) -> None:
    de = speaker(emulator, DE, "de-AT")  # matched by its base language
    welcome = await de.ask("/start")
    assert welcome.startswith("Hallo, Test! Ich fasse die Nachrichten zusammen")
    help_text = await de.ask("/help")
    assert help_text.startswith("Befehle") and "/subscribe — den abendlichen Überblick bestellen" in help_text
    assert await de.ask("/latest") == "Noch keine Artikel – schauen Sie bald wieder vorbei."
    assert (await de.ask("/subscribe")).startswith("Abonniert! Ihr Überblick kommt jeden Tag um 19:00 (UTC).")
    settings = await de.ask("/settings")
    assert settings.startswith("Ihre Einstellungen\nÜberblick: abonniert") and "Sprache: Deutsch" in settings
    assert (await de.ask("/search Quantengravitation")).startswith(
        "Nichts gefunden für „Quantengravitation“."
    )
    assert (await de.ask("/settime 7")).startswith("Verwendung: /settime HH:MM (24-Stunden-Format)")
    assert (await de.ask("/timezone Mars/Olympus")).startswith("Die Zeitzone „Mars/Olympus“ kenne ich nicht.")
    assert (
        await de.ask("/post Titel\nText") == "Tut mir leid, nur die Redaktion darf Artikel veröffentlichen."
    )


async def test_digests_in_russian_count_stories_with_three_forms(
    app: Any, admin: Chat, emulator: FakeBotAPI, services: Services
) -> None:
    stories = iter(DIFFERENT_EVENTS)
    seen = {}
    for reader, total in ((7201, 1), (7202, 2), (7203, 5)):
        while len(await services.store.articles.latest(10)) < total:
            await post(admin, *next(stories))
        ru = speaker(emulator, reader, "ru")
        assert (await ru.ask("/subscribe")).startswith("Подписка оформлена!")
        emulator.set_language(reader, None)  # the digest goes by the language stored for the chat
        seen[total] = await digest_of(services, emulator, reader)
    assert "— 1 новость" in seen[1].text and "— 2 новости" in seen[2].text and "— 5 новостей" in seen[5].text
    digest = seen[5]
    assert re.match(r"📰 Ваш дайджест: \w+, \d+ \w+ \d{4}\u202fг\. — 5 новостей", digest.text), digest.text
    assert "· только что" in digest.text  # the ages, in Russian
    labels = [b["text"] for b in buttons(digest)]
    assert labels[:3] == ["1 ▾ кратко", "👍 следить", "🔇 скрыть"], labels
    expand = buttons(digest)[0]["callback_data"]
    await emulator.answer_of(emulator.press(7203, digest.message_id, expand))
    edited = [m for m in emulator.sent(7203) if m.edited and m.message_id == digest.message_id][-1]
    assert [b["text"] for b in buttons(edited)][:1] == ["1 ▴ свернуть"]
    assert cyrillic_share(seen[1].text.split("\n", 1)[0]) > 0.9


async def test_a_digest_in_german_and_the_preview(
    app: Any, admin: Chat, emulator: FakeBotAPI, services: Services
) -> None:
    for title, body in DIFFERENT_EVENTS[:2]:
        await post(admin, title, body)
    de = speaker(emulator, DE, "de")
    assert (await de.ask("/subscribe")).startswith("Abonniert!")
    (preview, *_) = await de.send("/digest")
    assert preview.text.startswith("📰 Ihr Überblick für ") and "— 2 Meldungen" in preview.text
    assert "gerade eben" in preview.text and "Möchten Sie das jeden Abend" not in preview.text
    digest = await digest_of(services, emulator, DE)
    assert re.match(r"📰 Ihr Überblick für \w+, \d+\. \w+ \d{4} — 2 Meldungen", digest.text), digest.text
    assert [b["text"] for b in buttons(digest)][:3] == ["1 ▾ Zusammenfassung", "👍 folgen", "🔇 ausblenden"]


@pytest.mark.usefixtures("app")
async def test_an_unshipped_language_falls_back_to_the_default(emulator: FakeBotAPI) -> None:
    pt = speaker(emulator, PT, "pt-br")  # pt-br → pt → not shipped → BOT_LANGUAGE (en)
    assert (await pt.ask("/start")).startswith("Hello, Test! I summarize the news")
    assert (await pt.ask("/help")).startswith("Commands")
    nobody = speaker(emulator, PT + 1, None)  # no language_code at all
    assert (await nobody.ask("/latest")).startswith("No articles yet")


async def test_bot_language_is_the_default_for_groups_and_other_languages(
    harness: BotHarness, emulator: FakeBotAPI
) -> None:
    async with harness.run(bot_language="es"):
        pt = speaker(emulator, PT, "pt-br")
        assert (await pt.ask("/start")).startswith("¡Hola, Test! Resumo las noticias")
        emulator.send_message(GROUP, "/help", user_id=MEMBER, chat_type="group")
        (reply,) = await emulator.wait_for(GROUP, 1, timeout=20)
        assert reply.text.startswith("Comandos") and "solo los administradores del grupo" in reply.text
        assert emulator.my_commands()[0]["description"] == "bienvenida y cómo suscribirse"


async def test_language_command_overrides_the_telegram_language(
    app: Any, emulator: FakeBotAPI, services: Services
) -> None:
    ru = speaker(emulator, RU, "ru")
    assert await ru.ask("/language de") == "Ab jetzt schreibe ich hier auf Deutsch."
    assert (await ru.ask("/help")).startswith("Befehle")  # the app still says ru
    sub = await services.store.subscribers.get(RU)
    assert sub is not None and sub.language == "de" and sub.last_language_code == "ru"
    usage = await ru.ask("/language klingon")
    assert usage.startswith("Verwendung: /language <Code> – einer von en, de, es, ru, uk oder auto"), usage
    assert (await services.store.subscribers.get(RU)) == sub  # a bad code changes nothing
    assert await ru.ask("/language Українська") == "Відтепер я пишу тут мовою: Українська."
    back = await ru.ask("/language auto")
    assert back == "Я снова пишу на языке вашего приложения Telegram: Русский."
    sub = await services.store.subscribers.get(RU)
    assert sub is not None and sub.language is None


async def test_language_buttons(app: Any, emulator: FakeBotAPI, services: Services) -> None:
    ru = speaker(emulator, RU, "ru")
    (listing,) = await ru.send("/language")
    assert listing.text == "Здесь я пишу на языке: Русский. Выберите язык:"
    labels = [b["text"] for b in buttons(listing)]
    assert labels == ["English", "Deutsch", "Español", "Русский", "Українська", "✓ 🌐 Автоматически"]
    uk = next(b["callback_data"] for b in buttons(listing) if b["text"] == "Українська")
    answer = await emulator.answer_of(emulator.press(RU, listing.message_id, uk))
    assert answer["text"] == "Відтепер я пишу тут мовою: Українська."
    (edited,) = await emulator.wait_for(RU, 1, timeout=20)
    assert edited.edited and edited.text == answer["text"] and not buttons(edited)
    assert (await ru.ask("/start")).startswith("Вітаю, Test!")
    (again,) = await ru.send("/language")
    assert "✓ Українська" in [b["text"] for b in buttons(again)]
    stale = await emulator.answer_of(emulator.press(RU, again.message_id, "lang:xx", stale=True))
    assert stale["text"] == "Ця кнопка більше не підтримується."
    sub = await services.store.subscribers.get(RU)
    assert sub is not None and sub.language == "uk"


async def test_a_groups_language_is_set_by_its_admins(
    app: Any, emulator: FakeBotAPI, services: Services
) -> None:
    emulator.set_member_status(GROUP, GROUP_ADMIN, "administrator")
    emulator.set_language(MEMBER, "ru")  # a member's own language does not change the group's

    async def say(sender: int, text: str) -> SentMessage:
        emulator.send_message(GROUP, text, user_id=sender, chat_type="group")
        (message,) = await emulator.wait_for(GROUP, 1, timeout=20)
        return message

    refused = await say(MEMBER, "/language ru")
    assert refused.text == "In a group, only its admins can change the group's digest and topics."
    assert await services.store.subscribers.get(GROUP) is None
    assert (await say(GROUP_ADMIN, "/language es")).text == "A partir de ahora escribo aquí en Español."
    assert (await say(MEMBER, "/help")).text.startswith("Comandos")
    listing = await say(MEMBER, "/language")  # reading is open to every member
    russian = next(b["callback_data"] for b in buttons(listing) if b["text"] == "Русский")
    answer = await emulator.answer_of(emulator.press(GROUP, listing.message_id, russian, user_id=MEMBER))
    assert (
        answer["text"]
        == "En un grupo, solo sus administradores pueden cambiar el boletín y los temas del grupo."
    )
    sub = await services.store.subscribers.get(GROUP)
    assert sub is not None and sub.language == "es"
    answer = await emulator.answer_of(emulator.press(GROUP, listing.message_id, russian, user_id=GROUP_ADMIN))
    assert answer["text"] == "Теперь я пишу здесь на языке: Русский."


@pytest.mark.usefixtures("app")
async def test_the_command_menu_is_registered_in_every_language(emulator: FakeBotAPI) -> None:
    codes = {c.params.get("language_code") or "" for c in emulator.calls("setMyCommands")}
    assert codes == {"", *SHIPPED}
    default = {c["command"]: c["description"] for c in emulator.my_commands()}
    assert default["subscribe"] == "get the evening digest" and "post" not in default
    russian = {c["command"]: c["description"] for c in emulator.my_commands(language_code="ru")}
    assert russian["subscribe"] == "получать вечерний дайджест" and russian["language"].startswith(
        "язык бота"
    )
    assert set(russian) == set(default)
    for code in SHIPPED:
        menu = emulator.my_commands(language_code=code)
        assert [c["command"] for c in menu] == list(default), code
    assert emulator.menu_shown(RU, "uk")[0]["description"] == "привітання і як підписатися"
    editors = emulator.menu_shown(ADMIN_ID, "de")
    assert {c["command"]: c["description"] for c in editors}["post"].startswith(
        "einen Artikel veröffentlichen"
    )
    assert emulator.menu_shown(PT, "pt") == emulator.my_commands()  # no Portuguese: the default menu


async def test_inline_results_and_editors_in_their_language(
    app: Any, admin: Chat, emulator: FakeBotAPI, services: Services
) -> None:
    emulator.set_language(ADMIN_ID, "de")
    working, outcome = await admin.send(
        f"/post {DIFFERENT_EVENTS[0][0]}\n{DIFFERENT_EVENTS[0][1]}", replies=2
    )
    assert working.text == "Einen Moment…" and outcome.edited and outcome.message_id == working.message_id
    posted = outcome.text
    assert posted.startswith(f"Veröffentlicht als #1: {DIFFERENT_EVENTS[0][0]}")
    assert (await admin.ask("/delete x")).startswith("Verwendung: /delete <Nummer>")
    assert await admin.ask("/subscribe")  # the editor's chat now has its language stored
    (stats,) = await admin.send("/stats")
    assert stats.text.startswith("Statistik\nAbonnenten: 1 aktiv von 1") and "Letzte 30 Tage" in stats.text

    speaker(emulator, RU, "ru")
    answer = await emulator.answer_of(emulator.inline_query(RU, ""))
    (result,) = answer["results"]
    shared = result["input_message_content"]["message_text"]
    assert "#1" in shared and "Добавлено " in shared  # the article's own text stays as it was written

    emulator.send_message(RU, "/report 1 заголовок неверный", user_id=RU)
    (thanks,) = await emulator.wait_for(RU, 1, timeout=20)
    assert thanks.text == "Спасибо: о статье #1 сообщено редакторам."
    notice = [m for m in emulator.sent(ADMIN_ID) if m.text.startswith("🚩")][-1]
    assert notice.text.startswith("🚩 Meldung zu Artikel #1") and "заголовок неверный" in notice.text
