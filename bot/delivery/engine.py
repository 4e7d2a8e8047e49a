"""The digest delivery engine drains the durable ledger (`bot.storage.ledger`): it claims deliveries under
a lease, sends their parts in order and records each outcome right after Telegram answers. Rate limits: PTB's
`AIORateLimiter` (built in `bot.app`) enforces the global rate (SEND_RATE), 20/min per group and pauses
*every* request while a 429's retry_after runs; it does not limit private chats, so the engine spaces
the parts of one private chat by `PRIVATE_CHAT_INTERVAL` itself.

Exactly once: a delivery is marked "sending" (claimed) before its first part goes out, and each part is
marked "sent" with Telegram's message id as soon as the response arrives. After a crash the unsent parts
are resent, the sent ones never. The one window that cannot be closed is a part Telegram accepted while
the process died before the "sent" row was committed (about one HTTP response plus one commit, a few
milliseconds): that part is sent again after the restart, so it is delivered at least once, never lost.

A channel's edition carries the bot's own EDITION_OPTION on its last part (never sent to Telegram): once
that part is recorded, `on_edition` is told (the channel pins the edition's first message and records the
post), so a crash before then leaves an edition unpinned rather than pinned twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import logging
import random
import re
import uuid
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Final, NoReturn

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter
from telegram.warnings import PTBUserWarning

from bot.clock import Clock
from bot.delivery.errors import ChatBlocked, LeaseLost, PartFailed
from bot.delivery.limiter import retry_after_seconds
from bot.monitoring.alerts import Alerts
from bot.monitoring.metrics import Metrics
from bot.storage import DeliveryStatus, Store
from bot.storage.ledger import EDITION_OPTION, Claim, ClaimedPart

log = logging.getLogger(__name__)
_NO_PREVIEW_JSON: Final = {"is_disabled": True}
PRIVATE_CHAT_INTERVAL: Final = 1.0  # Telegram: about one message per second in a private chat
BACKOFF_CAP: Final = 30.0
MAX_RATE_LIMIT_WAITS: Final = 50
RETRY_WINDOW: Final = timedelta(hours=20)  # a failed digest is retried until the next one is near
BlockedHook = Callable[[int], Awaitable[None]]  # chat id
MigratedHook = Callable[[int, int], Awaitable[None]]  # old chat id, new chat id
EditionHook = Callable[[int, int, bool], Awaitable[None]]  # channel id, delivery id, pin its first message
_TAG: Final = re.compile(r"<[^>]+>")
_ARTICLE_REF: Final = re.compile(r"#(\d+)")
_RAW_SEND_WARNING: Final = r"Please use 'Bot\.sendMessage' instead of 'Bot\.do_api_request\(\"sendMessage\""
# Telegram's 400s for a forum topic that is gone (deleted; or the chat no longer has topics) and for one
# that is closed (only admins with can_manage_topics may write there; it may be reopened).
_TOPIC_GONE: Final = ("message thread not found", "topic_deleted")
_TOPIC_CLOSED: Final = "topic_closed"


@dataclass
class Target:
    """Where a delivery's parts go now: the chat (its new id once it migrated) and, in a forum
    supergroup, the topic (None: the chat itself, a forum's General topic)."""

    chat_id: int
    thread_id: int | None = None


def edition_mark(options: str | None) -> dict[str, object] | None:
    """The EDITION_OPTION of a part's stored options (the last part of a channel's edition), else None."""
    if not options or EDITION_OPTION not in options:
        return None
    mark = json.loads(options).get(EDITION_OPTION)
    return mark if isinstance(mark, dict) else None


def html_to_plain(html_text: str) -> str:
    """The text a reader would see, without markup (for the can't-parse-entities fallback)."""
    return html.unescape(_TAG.sub("", html_text))


@dataclass(frozen=True)
class EngineConfig:
    """Tunables of the engine, from Settings."""

    send_retries: int = 5
    send_backoff: float = 0.5
    send_timeout: float = 10.0
    lease: float = 30.0
    retry_after: float = 300.0
    concurrency: int = 64  # sends in flight at once (HTTP requests)
    in_flight: int = 256  # deliveries held at once: sending, waiting for a slot or for their record
    poll_interval: float = 1.0


class DeliveryEngine:
    """Drains the digest ledger: claim, send in order with retries, record; one per bot process."""

    def __init__(
        self,
        bot: Bot,
        store: Store,
        clock: Clock,
        config: EngineConfig,
        *,
        metrics: Metrics,
        alerts: Alerts,
        on_blocked: BlockedHook | None = None,
        on_migrated: MigratedHook | None = None,
        on_edition: EditionHook | None = None,
    ) -> None:
        """Wire the engine; `on_blocked`/`on_migrated` (also settable later, before `start`) let the
        app drop or move the chat's digest job, `on_edition` hears of each channel edition sent; outcomes
        are counted in `metrics`, failures alerted."""
        self._bot, self._store, self._clock, self._config = bot, store, clock, config
        self._metrics, self._alerts = metrics, alerts
        self.on_blocked, self.on_migrated, self.on_edition = on_blocked, on_migrated, on_edition
        self.owner = f"{uuid.uuid4().hex[:12]}"
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(config.concurrency)
        self._runner: asyncio.Task[None] | None = None
        self._renewer: asyncio.Task[None] | None = None
        self._random = random.Random()
        self._held: dict[int, float] = {}  # delivery id -> loop time its lease was last set
        # PTB asks to prefer Bot.send_message over do_api_request("sendMessage"); _send says why not here.
        warnings.filterwarnings("ignore", _RAW_SEND_WARNING, PTBUserWarning)

    # --- lifecycle ---

    def start(self) -> None:
        """Start draining in the background (resumes whatever a previous run left unsent)."""
        if self._runner is None:
            self._runner = asyncio.create_task(self._run(), name="delivery-engine")
            self._renewer = asyncio.create_task(self._renew_leases(), name="delivery-leases")

    async def stop(self) -> None:
        """Stop claiming, cancel in-flight deliveries and give their claims back for an immediate resume."""
        for task in (self._runner, self._renewer, *self._tasks):
            if task is not None:
                task.cancel()
        for task in (self._runner, self._renewer, *self._tasks):
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._runner = self._renewer = None
        released = await self._store.ledger.release(self.owner)
        if released:
            log.info("gave back %d unfinished digest deliveries", released)

    def kick(self) -> None:
        """New work was planned: claim now instead of at the next poll."""
        self._wake.set()

    # --- the loop ---

    async def _claim(self, limit: int) -> list[Claim]:
        return await self._store.ledger.claim(
            self.owner,
            self._clock(),
            lease=timedelta(seconds=self._config.lease),
            limit=limit,
            retry_window=RETRY_WINDOW,
        )

    async def _run(self) -> None:
        """Claim in batches: refill when half the slots are free, otherwise poll for new or due work.

        More deliveries are held than can be sent at once (`in_flight` > `concurrency`): a delivery whose
        part was answered still waits for its group-committed "sent" record, and the send slots must
        not sit idle meanwhile.
        """
        limit = self._config.in_flight
        refill = max(1, limit // 2)
        while True:
            free = limit - len(self._tasks)
            claims: list[Claim] = []
            if free >= refill or not self._tasks:
                try:
                    claims = await self._claim(free)
                except Exception:  # the database is briefly unreachable: keep the loop alive
                    log.exception("claiming digest deliveries failed; retrying")
                    self._metrics.error("delivery")
            for claim in claims:
                task = asyncio.create_task(self._deliver(claim))
                self._tasks.add(task)
                task.add_done_callback(self._done)
            if claims and len(claims) == free:  # there may be more: claim again once slots free up
                while limit - len(self._tasks) < refill:
                    await self._wait(self._config.poll_interval)
                continue
            await self._wait(self._config.poll_interval)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._wake.set()
        if not task.cancelled() and task.exception() is not None:
            log.error("digest delivery crashed", exc_info=task.exception())
            self._metrics.error("delivery")

    async def _wait(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
        self._wake.clear()

    async def _renew_leases(self) -> None:
        interval = max(0.2, self._config.lease / 3)
        while True:
            await asyncio.sleep(interval)
            try:
                await self._store.ledger.renew(
                    self.owner, self._clock(), timedelta(seconds=self._config.lease)
                )
            except Exception:  # keep renewing; a lost lease only means another instance may take over
                log.exception("renewing delivery leases failed")
                self._metrics.error("delivery")

    # --- one delivery ---

    async def _deliver(self, claim: Claim) -> None:
        """Send a claimed delivery's remaining parts in order, then close it in the ledger."""
        ledger = self._store.ledger
        target = Target(claim.chat_id, claim.thread_id)
        last_sent = -PRIVATE_CHAT_INTERVAL
        loop = asyncio.get_running_loop()
        self._held[claim.delivery_id] = loop.time()  # the claim itself set the lease
        try:
            for index, part in enumerate(claim.parts):
                wait = last_sent + PRIVATE_CHAT_INTERVAL - loop.time()
                if target.chat_id > 0 and wait > 0:  # private chat: AIORateLimiter does not space these
                    await asyncio.sleep(wait)
                await self._send_part(claim, part, target, last=index == len(claim.parts) - 1)
                last_sent = loop.time()
        except ChatBlocked as exc:
            log.info("chat %s blocked the bot; unsubscribing it", target.chat_id)
            # The job goes first: once the chat reads as blocked it has no digest job left (a restart
            # rebuilds the jobs from the database, should the records below fail).
            if self.on_blocked is not None:
                await self.on_blocked(target.chat_id)
            await self._store.subscribers.mark_blocked(target.chat_id)
            await ledger.finish(
                claim.delivery_id,
                self.owner,
                status=DeliveryStatus.BLOCKED,
                now=self._clock(),
                reason=str(exc),
            )
            self._metrics.digest_outcomes[DeliveryStatus.BLOCKED].inc()
            return
        except LeaseLost:
            log.warning("lost the lease on delivery %s; another instance resumes it", claim.delivery_id)
            return
        except PartFailed as exc:
            retry_at = self._clock() + timedelta(seconds=self._config.retry_after)
            log.warning("digest for chat %s failed (%s); retrying at %s", target.chat_id, exc, retry_at)
            await ledger.finish(
                claim.delivery_id,
                self.owner,
                status=DeliveryStatus.FAILED,
                now=self._clock(),
                reason=str(exc),
                retry_at=retry_at,
            )
            self._metrics.digest_outcomes[DeliveryStatus.FAILED].inc()
            self._alerts.delivery_failed(target.chat_id, claim.delivery_id, str(exc), retry_at)
            return
        finally:
            self._held.pop(claim.delivery_id, None)
        if not claim.parts:  # every part went out before a crash; the last "sent" record closes the rest
            await ledger.finish(claim.delivery_id, self.owner, status=DeliveryStatus.SENT, now=self._clock())
        self._metrics.digest_outcomes[DeliveryStatus.SENT].inc()
        mark = edition_mark(claim.parts[-1].options) if claim.parts else None
        if mark is not None:
            await self._edition_sent(target.chat_id, claim.delivery_id, pin=mark.get("pin") is True)

    async def _edition_sent(self, chat_id: int, delivery_id: int, *, pin: bool) -> None:
        """Tell `on_edition` that a channel's edition is out; its failure is logged, never the delivery's."""
        if self.on_edition is None:
            return
        try:
            await self.on_edition(chat_id, delivery_id, pin)
        except Exception:  # the edition is sent and recorded: what follows it must not undo that
            log.exception("after the edition of channel %s (delivery %s)", chat_id, delivery_id)
            self._metrics.error("delivery")

    async def _keep_lease(self, claim: Claim) -> None:
        """Fencing before a send: re-check and extend the lease in the database when it may be running
        out (a send must end before it does, hence lease >= 2 x timeout); raise LeaseLost if gone."""
        loop = asyncio.get_running_loop()
        if (
            loop.time() - self._held.get(claim.delivery_id, 0.0)
            < self._config.lease - 1.5 * self._config.send_timeout
        ):
            return
        lease = timedelta(seconds=self._config.lease)
        if not await self._store.ledger.hold(claim.delivery_id, self.owner, self._clock(), lease):
            raise LeaseLost(f"delivery {claim.delivery_id}")
        self._held[claim.delivery_id] = loop.time()

    async def _send_part(self, claim: Claim, part: ClaimedPart, target: Target, *, last: bool) -> None:
        """Send one part with retries and record it; `target` follows a migrated chat or a lost topic."""
        attempts, rate_waits, plain = part.attempts, 0, False
        while True:
            attempts += 1
            await self._keep_lease(claim)
            try:
                async with self._slots:
                    with self._metrics.send_seconds.time():
                        message_id = await self._send(target, part, plain=plain)
            except RetryAfter as exc:  # the limiter already paused everyone and retried; wait once more
                rate_waits += 1
                attempts -= 1
                if rate_waits > MAX_RATE_LIMIT_WAITS:
                    await self._fail(part, attempts, f"rate limited {rate_waits} times")
                await asyncio.sleep(retry_after_seconds(exc))
                continue
            except Forbidden as exc:
                await self._store.ledger.part_failed(
                    part.part_id, reason=f"blocked: {exc.message}", attempts=attempts
                )
                raise ChatBlocked(exc.message) from exc
            except ChatMigrated as exc:  # a new chat: the old one's forum topics are not there
                await self._migrate(target.chat_id, exc.new_chat_id)
                target.chat_id, target.thread_id, attempts = exc.new_chat_id, None, attempts - 1
                continue
            except BadRequest as exc:
                plain = await self._refused(part, target, exc, attempts, plain=plain)
                continue
            except NetworkError as exc:  # 5xx, timeouts, connection errors (BadRequest handled above)
                if attempts > self._config.send_retries:
                    await self._fail(part, attempts, f"gave up after {attempts} attempts: {exc.message}")
                delay = self._backoff(attempts)
                log.info(
                    "sending to chat %s failed (%s); retry %d in %.2fs",
                    target.chat_id,
                    exc.message,
                    attempts,
                    delay,
                )
                await asyncio.sleep(delay)
                continue
            await self._store.ledger.part_sent(
                part.part_id,
                chat_id=target.chat_id,
                message_id=message_id,
                now=self._clock(),
                attempts=attempts,
                finish=(claim.delivery_id, self.owner) if last else None,
            )
            self._metrics.parts_sent.inc()
            return

    async def _migrate(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: move its subscription and deliveries, then its job."""
        log.info("chat %s migrated to %s; resending there", old_chat_id, new_chat_id)
        await self._store.subscribers.migrate(old_chat_id, new_chat_id)
        await self._store.ledger.migrate_chat(old_chat_id, new_chat_id)
        if self.on_migrated is not None:
            await self.on_migrated(old_chat_id, new_chat_id)

    async def _refused(
        self, part: ClaimedPart, target: Target, exc: BadRequest, attempts: int, *, plain: bool
    ) -> bool:
        """A 400: a forum topic that is gone or closed is left for the chat itself (as plain as before);
        HTML Telegram can't parse is resent once as plain text (True); anything else fails."""
        if await self._leave_topic(target, exc.message.lower()):
            return plain
        if "can't parse entities" in exc.message.lower() and not plain:
            refs = ", ".join(sorted(set(_ARTICLE_REF.findall(html_to_plain(part.html))))) or "unknown"
            log.error(
                "digest part %s for chat %s was rejected (%s); resending as plain text. articles: %s",
                part.part,
                target.chat_id,
                exc.message,
                refs,
            )
            return True
        await self._fail(part, attempts, f"bad request: {exc.message}")

    async def _leave_topic(self, target: Target, reason: str) -> bool:
        """Telegram refused the forum topic: this digest's parts go to the chat itself (True). A deleted
        topic is also dropped from the subscription; a closed one is kept (it may be reopened)."""
        thread = target.thread_id
        closed = _TOPIC_CLOSED in reason
        if thread is None or not (closed or any(gone in reason for gone in _TOPIC_GONE)):
            return False
        log.warning(
            "forum topic %s of chat %s is %s; sending the digest to the chat itself",
            thread,
            target.chat_id,
            "closed" if closed else "gone",
        )
        if not closed:
            await self._store.subscribers.drop_thread(target.chat_id, thread)
        target.thread_id = None
        return True

    async def _send(self, target: Target, part: ClaimedPart, *, plain: bool) -> int:
        """Send one part as it is stored; return Telegram's message id.

        A raw sendMessage (PTB's public do_api_request: same request object, rate limiter and errors as
        Bot.send_message) because building the PTB `Message` of each answer, only to read its id, was
        about a third of the bot's CPU per digest message once httpx was gone (bench/README.md). Raw, so
        the Defaults do not apply: parse mode and link previews are set here. The stored keyboard already
        is Bot API JSON and goes out as it is; a part's stored options (its own link_preview_options)
        replace the default.
        """
        timeout = self._config.send_timeout
        body: dict[str, object] = {"chat_id": target.chat_id, "link_preview_options": _NO_PREVIEW_JSON}
        if target.thread_id is not None:
            body["message_thread_id"] = target.thread_id
        if part.options:
            body.update(json.loads(part.options))
            body.pop(EDITION_OPTION, None)  # the bot's own, not Telegram's
        if plain:
            body["text"] = html_to_plain(part.html)
        else:
            body["text"], body["parse_mode"] = part.html, ParseMode.HTML.value
        if part.markup is not None:
            body["reply_markup"] = part.markup
        result = await self._bot.do_api_request(
            "sendMessage",
            api_kwargs=body,
            read_timeout=timeout,
            write_timeout=timeout,
            connect_timeout=timeout,
        )
        return int(result["message_id"])

    async def _fail(self, part: ClaimedPart, attempts: int, reason: str) -> NoReturn:
        await self._store.ledger.part_failed(part.part_id, reason=reason, attempts=attempts)
        raise PartFailed(reason)

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter, capped."""
        ceiling = min(BACKOFF_CAP, self._config.send_backoff * 2 ** (attempt - 1))
        return self._random.uniform(ceiling / 2, ceiling)
