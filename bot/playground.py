"""The local playground: the built-in Bot API emulator plus a terminal chat with the real bot."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from typing import Any, TextIO

from bot.app import build_application, running
from bot.config import Settings
from bot.context import NewsApplication
from bot.emulator import FakeBotAPI, SentMessage
from bot.i18n.catalog import normalize_tag

PLAYGROUND_ADMIN_ID = 1
DEFAULT_USER_ID = 1001
HELP = """\
You are chatting with the real bot through a local fake Telegram. Type /help to start.
  :as admin       talk as an editor (may /post, /delete, /stats)
  :as user N      talk as subscriber N (default 1001)
  :paste          type a multi-line message; end it with a line holding only "."
  :digest         fire your evening digest now (through the JobQueue)
  :wait [S]       wait S seconds (default 2) for replies, e.g. in a piped script
  :press N        press button N of the newest message with buttons (numbers are shown as (N))
  :lang xx        be a user whose Telegram app is in language xx (e.g. ru, de, pt-br); :lang - for none
  :help           this text
  :quit           leave (Ctrl-D works too)"""


class Playground:
    """A terminal chat session: reads lines, sends them as the current user, prints the bot's replies."""

    def __init__(self, emulator: FakeBotAPI, admin_id: int, stdin: TextIO, stdout: TextIO) -> None:
        self.emulator, self.admin_id = emulator, admin_id
        self.stdin, self.stdout = stdin, stdout
        self.user_id = DEFAULT_USER_ID
        self.languages: dict[int, str] = {}  # user id -> the language_code :lang gave them
        emulator.on_send(self._show)

    def _print(self, text: str) -> None:
        print(text, file=self.stdout, flush=True)

    def _show(self, message: SentMessage) -> None:
        who = "you" if message.chat_id == self.user_id else f"chat {message.chat_id}"
        edited = " (edited)" if message.edited else ""
        keyboard = keyboard_lines(message.reply_markup)
        self._print(f"\nbot → {who}{edited}:\n{message.text}\n" + "".join(f"{row}\n" for row in keyboard))

    def _keyboard_message(self) -> SentMessage | None:
        """The newest message in the current chat that carries inline buttons."""
        for message in reversed(self.emulator.sent(self.user_id)):
            if buttons_of(message.reply_markup) and not message.deleted:
                return message
        return None

    async def _press(self, args: list[str]) -> None:
        message = self._keyboard_message()
        buttons = buttons_of(message.reply_markup) if message is not None else []
        if (
            message is None
            or len(args) != 1
            or not args[0].isdigit()
            or not 1 <= int(args[0]) <= len(buttons)
        ):
            self._print(
                f"Usage: :press N — N from 1 to {len(buttons)}" if buttons else "No buttons to press."
            )
            return
        button = buttons[int(args[0]) - 1]
        if "callback_data" not in button:
            self._print(f"(that button opens {button.get('url', 'something outside the chat')})")
            return
        query = self.emulator.press(
            message.chat_id, message.message_id, button["callback_data"], user_id=self.user_id
        )
        with contextlib.suppress(TimeoutError):
            answer = await self.emulator.answer_of(query, timeout=10.0)
            if answer.get("text"):
                self._print(f"(pop-up: {answer['text']})")

    def _who(self) -> str:
        who = "admin" if self.user_id == self.admin_id else f"user {self.user_id}"
        language = self.languages.get(self.user_id)
        return f"{who}, {language}" if language else who

    def _lang(self, args: list[str]) -> None:
        """`:lang xx`: the current user's Telegram app language (sent as from.language_code)."""
        tag = normalize_tag(args[0]) if len(args) == 1 else None
        if len(args) == 1 and args[0] in {"-", "none"}:
            self.languages.pop(self.user_id, None)
            self.emulator.set_language(self.user_id, None)
            self._print("Your app now sends no language.")
        elif tag is None:
            self._print("Usage: :lang xx — a language code such as ru, de or pt-br; :lang - for none")
        else:
            self.languages[self.user_id] = tag
            self.emulator.set_language(self.user_id, tag)
            self._print(f"Your Telegram app is now in {tag}.")

    async def _readline(self) -> str | None:
        line = await asyncio.to_thread(self.stdin.readline)
        return None if line == "" else line.rstrip("\n")

    async def _paste(self) -> str | None:
        self._print('Paste the message; finish with a line holding only "."')
        lines: list[str] = []
        while (line := await self._readline()) is not None and line != ".":
            lines.append(line)
        return "\n".join(lines) if lines else None

    def _switch(self, args: list[str]) -> None:
        if args[:1] == ["admin"]:
            self.user_id = self.admin_id
        elif args[:1] == ["user"] and len(args) == 2 and args[1].isdigit() and int(args[1]) > 0:
            self.user_id = int(args[1])
        else:
            self._print("Usage: :as admin | :as user N")
            return
        self._print(f"You are now {self._who()}.")

    async def loop(self, application: NewsApplication) -> None:
        """Read and dispatch lines until :quit or end of input."""
        self._print(HELP)
        while True:
            self._print(f"[{self._who()}] >")
            line = await self._readline()
            if line is None or line.strip() in {":quit", ":q", ":exit"}:
                await asyncio.sleep(1.0)  # let replies still on their way arrive
                return
            words = line.split()
            if not words:
                continue
            if words[0] == ":as":
                self._switch(words[1:])
            elif words[0] == ":help":
                self._print(HELP)
            elif words[0] == ":digest":
                application.bot_data.services.fanout.request(self.user_id)  # what the digest job does
                self._print(
                    "(digest requested — nothing arrives if you are not subscribed or nothing is new)"
                )
            elif words[0] == ":wait":
                await asyncio.sleep(wait_seconds(words[1:]))
            elif words[0] == ":press":
                await self._press(words[1:])
            elif words[0] == ":lang":
                self._lang(words[1:])
            elif words[0] == ":paste":
                text = await self._paste()
                if text:
                    self.emulator.send_message(self.user_id, text, user_id=self.user_id)
            elif words[0].startswith(":"):
                self._print(f"Unknown playground command {words[0]} — :help lists them.")
            else:
                self.emulator.send_message(self.user_id, line, user_id=self.user_id)
            await asyncio.sleep(0.3)  # let quick replies print before the next prompt


def wait_seconds(args: list[str]) -> float:
    """The pause of `:wait [S]`: S seconds if it is a number from 0 to 60, else 2."""
    try:
        seconds = float(args[0]) if args else 2.0
    except ValueError:
        return 2.0
    return seconds if 0.0 <= seconds <= 60.0 else 2.0


def buttons_of(markup: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The inline buttons of a reply_markup, row after row."""
    return [button for row in (markup or {}).get("inline_keyboard", []) for button in row]


def keyboard_lines(markup: dict[str, Any] | None) -> list[str]:
    """One printed line per keyboard row, buttons numbered across rows as :press expects."""
    lines: list[str] = []
    number = 0
    for row in (markup or {}).get("inline_keyboard", []):
        cells = []
        for button in row:
            number += 1
            cells.append(f"({number}) [{button.get('text', '')}]")
        lines.append("  ".join(cells))
    return lines


async def playground_session(settings: Settings, stdin: TextIO, stdout: TextIO) -> None:
    """Start the emulator and the real Application against it, then chat in the terminal."""
    admin_id = min(settings.admin_ids) if settings.admin_ids else PLAYGROUND_ADMIN_ID
    settings = settings.model_copy(update={"admin_ids": settings.admin_ids | {admin_id}})
    async with FakeBotAPI() as emulator:
        application = build_application(settings, token=emulator.token, base_url=emulator.base_url)
        print("Loading the summarizer model…", file=stdout, flush=True)
        async with running(application):
            await Playground(emulator, admin_id, stdin, stdout).loop(application)


def run_playground(settings: Settings, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    """Run the playground until the user quits; return the exit code."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(playground_session(settings, stdin, stdout))
    print("Bye!", file=stdout, flush=True)
    return 0
