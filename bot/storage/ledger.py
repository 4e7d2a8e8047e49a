"""The durable digest ledger: plan deliveries, claim them with a lease, record every part's outcome."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final, cast

from sqlalchemy import Table, and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.database import Database, chunks
from bot.storage.models import (
    DigestDeliveryRow,
    DigestPartRow,
    DigestPlanRow,
    DigestTextRow,
    SubscriberRow,
)
from bot.storage.types import FINISHED, DeliveryStatus, PartStatus

# Core tables: UPDATEs on them skip the ORM's bulk-update machinery (several ms per statement).
DELIVERIES = cast(Table, DigestDeliveryRow.__table__)
PARTS = cast(Table, DigestPartRow.__table__)
PLANS = cast(Table, DigestPlanRow.__table__)
TEXTS = cast(Table, DigestTextRow.__table__)
PRUNE_CHUNK = 2000  # deliveries deleted per transaction by prune()
PLAN_CHUNK = 500  # rows per multi-VALUES insert (SQLite allows 32766 bound parameters)
# The bot's own send option, never sent to Telegram: it rides on the last part of a channel's edition
# ({"pin": true|false}), so the engine reports the whole edition posted (and its first message pinned).
EDITION_OPTION: Final = "newsbot_edition"


@dataclass(frozen=True)
class PartText:
    """One digest message as planned: Telegram HTML and its inline keyboard as Bot API JSON (or None)."""

    html: str
    markup: str | None = None
    # other send options as Bot API JSON, e.g. {"link_preview_options": ...}, and EDITION_OPTION
    options: str | None = None


@dataclass(frozen=True)
class Cutoff:
    """A chat's latest sent digest: its content cut-off and the recent articles its plan had read."""

    at: datetime
    # The articles stamped shortly before `at` that the chat already has (in that digest or one before);
    # None for a digest planned before plans recorded them (revision 0005).
    recent_article_ids: frozenset[int] | None = None


@dataclass(frozen=True)
class PlannedDigest:
    """One subscriber's digest as cut by the planner: its parts' HTML (shared objects across chats)."""

    chat_id: int
    digest_date: date
    cutoff: datetime
    article_count: int
    parts: tuple[PartText, ...]


@dataclass(frozen=True)
class ClaimedPart:
    """A part still to send, with its HTML and inline keyboard (Bot API JSON)."""

    part_id: int
    part: int
    html: str
    attempts: int
    markup: str | None = None
    options: str | None = None


@dataclass(frozen=True)
class Claim:
    """A delivery this instance holds the lease on, with the parts not sent yet, in order."""

    delivery_id: int
    chat_id: int
    digest_date: date
    attempts: int
    parts: tuple[ClaimedPart, ...]
    thread_id: int | None = None  # the forum topic the chat's digest goes to, as it is at claim time


def text_hash(part: PartText) -> str:
    """The key a part's text (and keyboard) is shared under."""
    options = f"\0{part.options}" if part.options else ""  # parts without options keep their old hash
    return hashlib.sha256(f"{part.html}\0{part.markup or ''}{options}".encode()).hexdigest()


class Ledger:
    """Ledger queries; every method is one short transaction (the state survives kill -9)."""

    def __init__(self, db: Database) -> None:
        """Use the shared database."""
        self._db = db
        self._sessions = db.sessions
        # SQLite has one writer at a time and its busy handler *sleeps* (up to 100 ms) when writers
        # collide; queueing this process's ledger writes here is far faster than letting them collide.
        self._write_lock = asyncio.Lock() if db.dialect == "sqlite" else None
        # Group commit of "sent" records: everything that arrives while one commit runs goes in the next.
        self._sent_queue: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncSession]:
        """A write transaction (serialized within the process on SQLite)."""
        if self._write_lock is None:
            async with self._sessions.begin() as session:
                yield session
            return
        async with self._write_lock, self._sessions.begin() as session:
            yield session

    async def last_cutoffs(self, chat_ids: Iterable[int]) -> dict[int, Cutoff]:
        """Each chat's latest sent digest's cut-off (articles after it are new to the chat), with the
        recent articles its plan had read; chats with the same cut-off and plan share one object."""
        ids = list(chat_ids)
        latest: dict[int, tuple[datetime, int | None]] = {}
        dd = DigestDeliveryRow
        async with self._sessions() as session:
            for chunk in chunks(ids):
                # the chats are named twice so that both lookups go by chat (one index), none by status
                sent = (dd.chat_id.in_(chunk), dd.status == DeliveryStatus.SENT)
                newest = (
                    select(dd.chat_id, func.max(dd.cutoff).label("cutoff"))
                    .where(*sent)
                    .group_by(dd.chat_id)
                    .subquery()
                )
                stmt = (
                    select(dd.chat_id, dd.cutoff, dd.plan_id)
                    .join(newest, and_(dd.chat_id == newest.c.chat_id, dd.cutoff == newest.c.cutoff))
                    .where(*sent)
                )
                for chat_id, cutoff, plan_id in await session.execute(stmt):
                    latest[chat_id] = (cutoff, plan_id)
            recent = await self._recent_article_ids(session, {plan for _, plan in latest.values()})
        shared: dict[tuple[datetime, int | None], Cutoff] = {}
        for at, plan_id in set(latest.values()):
            shared[(at, plan_id)] = Cutoff(at, None if plan_id is None else recent.get(plan_id, frozenset()))
        return {chat_id: shared[key] for chat_id, key in latest.items()}

    async def has_delivery(self, chat_id: int, cutoff: datetime) -> bool:
        """Whether the chat has a digest delivery cut at exactly `cutoff` (an edition a deep link names)."""
        dd = DigestDeliveryRow
        stmt = select(dd.id).where(dd.chat_id == chat_id, dd.cutoff == cutoff).limit(1)
        async with self._sessions() as session:
            return await session.scalar(stmt) is not None

    async def previous_cutoff(self, chat_id: int, before: datetime) -> Cutoff | None:
        """The cut-off of the chat's latest sent digest before `before` (with its plan's recent articles):
        where the digest cut at `before` started. None: it was the chat's first."""
        dd = DigestDeliveryRow
        stmt = (
            select(dd.cutoff, dd.plan_id)
            .where(dd.chat_id == chat_id, dd.status == DeliveryStatus.SENT, dd.cutoff < before)
            .order_by(dd.cutoff.desc())
            .limit(1)
        )
        async with self._sessions() as session:
            found = (await session.execute(stmt)).first()
            if found is None:
                return None
            at, plan_id = found
            if plan_id is None:
                return Cutoff(at, None)
            recent = await self._recent_article_ids(session, {plan_id})
        return Cutoff(at, recent.get(plan_id, frozenset()))

    async def first_message(self, delivery_id: int) -> int | None:
        """Telegram's id of the first message of a delivery, once it is sent."""
        stmt = select(DigestPartRow.message_id).where(
            DigestPartRow.delivery_id == delivery_id, DigestPartRow.part == 0
        )
        async with self._sessions() as session:
            return await session.scalar(stmt)

    async def _recent_article_ids(
        self, session: AsyncSession, plan_ids: set[int | None]
    ) -> dict[int, frozenset[int]]:
        """The recent article ids each of these plans recorded."""
        ids = sorted(plan_id for plan_id in plan_ids if plan_id is not None)
        found: dict[int, frozenset[int]] = {}
        for chunk in chunks(ids):
            stmt = select(DigestPlanRow.id, DigestPlanRow.recent_article_ids).where(
                DigestPlanRow.id.in_(chunk)
            )
            for plan_id, recent in await session.execute(stmt):
                found[plan_id] = frozenset(json.loads(recent))
        return found

    async def plan(
        self, digests: Sequence[PlannedDigest], now: datetime, recent_article_ids: Iterable[int] = ()
    ) -> list[int]:
        """Write pending deliveries and their parts (texts stored once); skip chats already planned today.

        `recent_article_ids` are the articles stamped shortly before `now` that every one of these chats
        has once its digest is sent; they come back in `last_cutoffs` (the next digest's look-back).

        Bulk statements, one short transaction per 500 chats (100,000 subscribers take ~2 s): the
        SQLite writer is never held long (commands that write wait at most one chunk), and the engine
        may start on the first chunks. A crash part-way leaves some chats planned and the rest not;
        re-planning (the catch-up at start-up) skips the planned ones, so each chat still gets one.
        """
        if not digests:
            return []
        async with self._write() as session:
            text_ids = await self._store_texts(session, {text for d in digests for text in d.parts})
            plan_id = await session.scalar(
                PLANS.insert()
                .values(cutoff=now, recent_article_ids=json.dumps(sorted(set(recent_article_ids))))
                .returning(PLANS.c.id)
            )
        created: list[int] = []
        for planned in chunks(digests, PLAN_CHUNK):
            created += await self._plan_chunk(planned, plan_id, text_ids, now)
        return created

    async def _plan_chunk(
        self,
        planned: Sequence[PlannedDigest],
        plan_id: int | None,
        text_ids: dict[PartText, int],
        now: datetime,
    ) -> list[int]:
        """One transaction: these chats' deliveries (a chat already planned that day is skipped), parts."""
        # Rows as execute() parameters, not .values(rows): one statement compiled once and cached, batched
        # by SQLAlchemy's insertmanyvalues; a multi-VALUES statement was compiled anew for every chunk
        # (~50 ms of the event loop's time per 500 rows).
        insert_deliveries = (
            self._db.insert(DELIVERIES)
            .on_conflict_do_nothing(index_elements=["chat_id", "digest_date"])
            .returning(DELIVERIES.c.id, DELIVERIES.c.chat_id, DELIVERIES.c.digest_date)
        )
        chunk = {(d.chat_id, d.digest_date): d for d in planned}
        rows = [
            {
                "chat_id": d.chat_id,
                "digest_date": d.digest_date,
                "status": DeliveryStatus.PENDING if d.parts else DeliveryStatus.EMPTY,
                "cutoff": d.cutoff,
                "sent_at": None if d.parts else now,
                "article_count": d.article_count,
                "attempts": 0,
                "plan_id": plan_id,
            }
            for d in chunk.values()
        ]
        async with self._write() as session:
            connection = await session.connection()
            new = list(await connection.execute(insert_deliveries, rows))
            part_rows = [
                {
                    "delivery_id": delivery_id,
                    "part": index,
                    "text_id": text_ids[text],
                    "status": PartStatus.PENDING,
                    "chat_id": chat_id,
                    "attempts": 0,
                }
                for delivery_id, chat_id, day in new
                for index, text in enumerate(chunk[(chat_id, day)].parts)
            ]
            if part_rows:
                await connection.execute(PARTS.insert(), part_rows)
        return [delivery_id for delivery_id, _, _ in new]

    async def skip(self, missed: Sequence[tuple[int, date]], now: datetime, reason: str) -> int:
        """Record these (chat, local date) digests as skipped at `now` (never sent, never claimed), unless
        the chat already has that day's row; return how many were recorded."""
        insert = (
            self._db.insert(DELIVERIES)
            .on_conflict_do_nothing(index_elements=["chat_id", "digest_date"])
            .returning(DELIVERIES.c.id)
        )
        recorded = 0
        for chunk in chunks(missed, PLAN_CHUNK):
            rows = [
                {
                    "chat_id": chat_id,
                    "digest_date": day,
                    "status": DeliveryStatus.SKIPPED,
                    "cutoff": now,  # not a content cut-off (only sent rows are): the age prune() goes by
                    "article_count": 0,
                    "attempts": 0,
                    "reason": reason[:1000],
                }
                for chat_id, day in chunk
            ]
            async with self._write() as session:
                recorded += len(list(await (await session.connection()).execute(insert, rows)))
        return recorded

    async def _store_texts(self, session: AsyncSession, texts: set[PartText]) -> dict[PartText, int]:
        """Insert the distinct part texts (once each, by hash) and return their ids."""
        by_hash = {text_hash(text): text for text in texts}
        if not by_hash:
            return {}
        await session.execute(
            self._db.insert(DigestTextRow)
            .values(
                [
                    {"text_hash": h, "html": t.html, "markup": t.markup, "options": t.options}
                    for h, t in by_hash.items()
                ]
            )
            .on_conflict_do_nothing(index_elements=[DigestTextRow.text_hash])
        )
        rows = await session.execute(
            select(DigestTextRow.text_hash, DigestTextRow.id).where(DigestTextRow.text_hash.in_(by_hash))
        )
        return {by_hash[h]: text_id for h, text_id in rows}

    async def claim(
        self, owner: str, now: datetime, *, lease: timedelta, limit: int, retry_window: timedelta
    ) -> list[Claim]:
        """Take up to `limit` deliveries: pending, failed and due again, or held under an expired lease.

        On PostgreSQL the candidate rows are locked FOR UPDATE SKIP LOCKED, so instances never claim
        the same delivery; SQLite serializes writers, which gives the same guarantee.
        """
        dd = DigestDeliveryRow
        claimable = or_(
            dd.status == DeliveryStatus.PENDING,
            and_(dd.status == DeliveryStatus.SENDING, dd.lease_until < now, dd.owner != owner),
            and_(
                dd.status == DeliveryStatus.FAILED, dd.next_attempt_at <= now, dd.cutoff > now - retry_window
            ),
        )
        candidates = (
            select(dd.id).where(claimable).order_by(dd.id).limit(limit).with_for_update(skip_locked=True)
        )
        stmt = (
            update(DELIVERIES)
            .where(dd.id.in_(candidates.scalar_subquery()))
            .values(
                status=DeliveryStatus.SENDING, owner=owner, lease_until=now + lease, attempts=dd.attempts + 1
            )
            .returning(dd.id, dd.chat_id, dd.digest_date, dd.attempts)
        )
        async with self._write() as session:
            claimed = list(await session.execute(stmt))
            if not claimed:
                return []
            part_rows = await session.execute(
                select(
                    DigestPartRow.delivery_id,
                    DigestPartRow.id,
                    DigestPartRow.part,
                    DigestTextRow.html,
                    DigestPartRow.attempts,
                    DigestTextRow.markup,
                    DigestTextRow.options,
                )
                .join(DigestTextRow, DigestTextRow.id == DigestPartRow.text_id)
                .where(
                    DigestPartRow.delivery_id.in_([row[0] for row in claimed]),
                    DigestPartRow.status != PartStatus.SENT,
                )
                .order_by(DigestPartRow.delivery_id, DigestPartRow.part)
            )
            parts: dict[int, list[ClaimedPart]] = {}
            for delivery_id, part_id, part, html, attempts, markup, options in part_rows:
                claimed_part = ClaimedPart(part_id, part, html, attempts, markup, options)
                parts.setdefault(delivery_id, []).append(claimed_part)
            threads = await self._threads(session, {row[1] for row in claimed})
        return [
            Claim(
                delivery_id, chat_id, day, attempts, tuple(parts.get(delivery_id, ())), threads.get(chat_id)
            )
            for delivery_id, chat_id, day, attempts in sorted(claimed)
        ]

    @staticmethod
    async def _threads(session: AsyncSession, chat_ids: set[int]) -> dict[int, int]:
        """The forum topic (subscribers.thread_id) of those chats whose digest goes to one.

        Read when a delivery is claimed, not when it is planned: a /subscribe that moved the digest to
        another topic, or a topic found deleted, applies to the parts still to send (and to a retry)."""
        s = SubscriberRow
        found: dict[int, int] = {}
        for chunk in chunks(sorted(chat_ids)):
            stmt = select(s.chat_id, s.thread_id).where(s.chat_id.in_(chunk), s.thread_id.is_not(None))
            found.update({chat: thread for chat, thread in await session.execute(stmt) if thread is not None})
        return found

    async def renew(self, owner: str, now: datetime, lease: timedelta) -> int:
        """Extend the lease of every delivery this owner is still sending; return how many."""
        stmt = (
            update(DELIVERIES)
            .where(DigestDeliveryRow.owner == owner, DigestDeliveryRow.status == DeliveryStatus.SENDING)
            .values(lease_until=now + lease)
        )
        async with self._write() as session:
            return int(getattr(await (await session.connection()).execute(stmt), "rowcount", 0) or 0)

    async def hold(self, delivery_id: int, owner: str, now: datetime, lease: timedelta) -> bool:
        """Before each send: extend the lease if `owner` still holds it; False means another instance
        took the delivery over (the lease expired), so this one must not send."""
        stmt = (
            update(DELIVERIES)
            .where(
                DigestDeliveryRow.id == delivery_id,
                DigestDeliveryRow.owner == owner,
                DigestDeliveryRow.status == DeliveryStatus.SENDING,
            )
            .values(lease_until=now + lease)
        )
        async with self._write() as session:
            return bool(getattr(await (await session.connection()).execute(stmt), "rowcount", 0))

    async def part_sent(
        self,
        part_id: int,
        *,
        chat_id: int,
        message_id: int,
        now: datetime,
        attempts: int,
        finish: tuple[int, str] | None = None,
    ) -> None:
        """Record that Telegram accepted a part; `finish` = (delivery id, owner) also closes the delivery.

        Returns once the record is committed. Concurrent calls share one transaction (group commit), so
        the window between Telegram's answer and the durable record stays one commit long under load.
        """
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        item = {
            "p_id": part_id,
            "p_chat": chat_id,
            "p_message": message_id,
            "p_at": now,
            "p_attempts": attempts,
            "d_id": finish[0] if finish else None,
            "d_owner": finish[1] if finish else None,
        }
        self._sent_queue.append((item, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_sent())
        await future

    async def _flush_sent(self) -> None:
        """Commit every queued "sent" record in one transaction, repeatedly, until the queue is empty."""
        mark_part = (
            update(PARTS)
            .where(PARTS.c.id == bindparam("p_id"))
            .values(
                status=PartStatus.SENT,
                chat_id=bindparam("p_chat"),
                message_id=bindparam("p_message"),
                sent_at=bindparam("p_at"),
                attempts=bindparam("p_attempts"),
                reason=None,
            )
        )
        close = (
            update(DELIVERIES)
            .where(DELIVERIES.c.id == bindparam("d_id"), DELIVERIES.c.owner == bindparam("d_owner"))
            .values(
                status=DeliveryStatus.SENT,
                owner=None,
                lease_until=None,
                sent_at=bindparam("p_at"),
                reason=None,
            )
        )
        while self._sent_queue:
            batch, self._sent_queue = self._sent_queue, []
            items = [item for item, _ in batch]
            finishing = [item for item in items if item["d_id"] is not None]
            try:
                async with self._write() as session:
                    connection = await session.connection()
                    await connection.execute(mark_part, items)
                    if finishing:
                        await connection.execute(close, finishing)
            except Exception as exc:  # every waiter learns that its record failed
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for _, future in batch:
                if not future.done():
                    future.set_result(None)

    async def part_failed(self, part_id: int, *, reason: str, attempts: int) -> None:
        """Record that a part could not be sent this run (it stays due for the next one)."""
        stmt = (
            update(PARTS)
            .where(DigestPartRow.id == part_id)
            .values(status=PartStatus.FAILED, reason=reason[:1000], attempts=attempts)
        )
        async with self._write() as session:
            await session.execute(stmt)

    async def finish(
        self,
        delivery_id: int,
        owner: str,
        *,
        status: DeliveryStatus,
        now: datetime,
        reason: str | None = None,
        retry_at: datetime | None = None,
    ) -> bool:
        """Close a claimed delivery (sent, failed with a retry time, blocked); False if the lease was lost."""
        stmt = (
            update(DELIVERIES)
            .where(DigestDeliveryRow.id == delivery_id, DigestDeliveryRow.owner == owner)
            .values(
                status=status,
                owner=None,
                lease_until=None,
                sent_at=now if status == DeliveryStatus.SENT else None,
                reason=None if reason is None else reason[:1000],
                next_attempt_at=retry_at,
            )
        )
        async with self._write() as session:
            return bool(getattr(await (await session.connection()).execute(stmt), "rowcount", 0))

    async def release(self, owner: str) -> int:
        """Give back this owner's unfinished claims (clean shutdown) so any instance resumes them at once."""
        stmt = (
            update(DELIVERIES)
            .where(DigestDeliveryRow.owner == owner, DigestDeliveryRow.status == DeliveryStatus.SENDING)
            .values(status=DeliveryStatus.PENDING, owner=None, lease_until=None)
        )
        async with self._write() as session:
            return int(getattr(await (await session.connection()).execute(stmt), "rowcount", 0) or 0)

    async def unfinished(self) -> int:
        """How many deliveries are planned but not finished: pending, or being sent (by the status index)."""
        stmt = (
            select(func.count())
            .select_from(DELIVERIES)
            .where(DELIVERIES.c.status.in_((DeliveryStatus.PENDING, DeliveryStatus.SENDING)))
        )
        async with self._sessions() as session:
            return int(await session.scalar(stmt) or 0)

    async def migrate_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: its deliveries move to the new chat id."""
        async with self._write() as session:
            await session.execute(
                update(DELIVERIES).where(DigestDeliveryRow.chat_id == old_chat_id).values(chat_id=new_chat_id)
            )

    async def prune(self, before: datetime) -> int:
        """Delete finished deliveries planned before `before`, with their parts, except each chat's latest
        sent one (its next digest's cut-off, as `last_cutoffs` finds it); then the texts only those parts
        used and the plans before `before` that nothing refers to any more. Returns how many deliveries
        went. Chunked, so the SQLite writer is never held long.

        Texts and plans are chosen so that a plan being written meanwhile (its plan row and texts are
        committed before its deliveries and parts) loses nothing: its texts were not used by the deleted
        parts, and its plan row is not older than `before`.
        """
        dd = DELIVERIES
        newest = (
            select(dd.c.chat_id, func.max(dd.c.cutoff).label("cutoff"))
            .where(dd.c.status == DeliveryStatus.SENT)
            .group_by(dd.c.chat_id)
            .subquery()
        )
        latest = select(dd.c.id).join(
            newest, and_(dd.c.chat_id == newest.c.chat_id, dd.c.cutoff == newest.c.cutoff)
        )
        async with self._sessions() as session:
            keep = set((await session.execute(latest.where(dd.c.status == DeliveryStatus.SENT))).scalars())
        deleted, after, used_texts = 0, 0, set[int]()
        while True:
            async with self._write() as session:
                stmt = (
                    select(dd.c.id)
                    .where(dd.c.id > after, dd.c.cutoff < before, dd.c.status.in_(FINISHED))
                    .order_by(dd.c.id)
                    .limit(PRUNE_CHUNK)
                )
                found = list((await session.execute(stmt)).scalars())
                doomed = [i for i in found if i not in keep]
                if doomed:  # parts first: SQLite enforces the cascade only with PRAGMA foreign_keys
                    gone = PARTS.delete().where(PARTS.c.delivery_id.in_(doomed)).returning(PARTS.c.text_id)
                    used_texts.update((await session.execute(gone)).scalars())
                    await session.execute(dd.delete().where(dd.c.id.in_(doomed)))
            deleted += len(doomed)
            if len(found) < PRUNE_CHUNK:
                break
            after = found[-1]
            await asyncio.sleep(0)  # let commands and sends in between chunks
        async with self._write() as session:
            for chunk in chunks(sorted(used_texts), PRUNE_CHUNK):
                still_used = select(PARTS.c.text_id).where(PARTS.c.text_id.in_(chunk))
                await session.execute(
                    TEXTS.delete().where(TEXTS.c.id.in_(chunk), TEXTS.c.id.not_in(still_used))
                )
            referenced = select(dd.c.plan_id).where(dd.c.plan_id.is_not(None))
            await session.execute(
                PLANS.delete().where(PLANS.c.cutoff < before, PLANS.c.id.not_in(referenced))
            )
        return deleted
