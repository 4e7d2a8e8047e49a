"""Counters across the aggregates for the editors' /stats: totals and per-day series."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select

from bot.storage.database import Database, require_aware
from bot.storage.models import ArticleRow, DigestDeliveryRow, SubscriberRow
from bot.storage.types import DailyStats, DeliveryStatus, Stats


class StatsQueries:
    """Read-only counting queries."""

    def __init__(self, db: Database) -> None:
        """Use the shared database."""
        self._db = db

    async def totals(self, now: datetime) -> Stats:
        """Return counters; "today" is the UTC date of now."""
        now_utc = require_aware(now, "now").astimezone(UTC)
        day_start = datetime.combine(now_utc.date(), time(), tzinfo=UTC)
        sub, art, dd = SubscriberRow, ArticleRow, DigestDeliveryRow
        sent = dd.status == DeliveryStatus.SENT
        async with self._db.sessions() as session:
            subs = (
                await session.execute(
                    select(
                        func.count(),
                        func.count().filter(sub.subscribed.is_(True), sub.blocked.is_(False)),
                        func.count().filter(sub.blocked.is_(True)),
                    ).select_from(sub)
                )
            ).one()
            arts = (
                await session.execute(
                    select(
                        func.count(), func.count().filter(art.created_at > now_utc - timedelta(days=1))
                    ).select_from(art)
                )
            ).one()
            digests = (
                await session.execute(
                    select(
                        func.count().filter(sent),
                        func.count().filter(
                            sent, dd.sent_at >= day_start, dd.sent_at < day_start + timedelta(days=1)
                        ),
                    ).select_from(dd)
                )
            ).one()
        return Stats(
            subscribers_total=subs[0],
            subscribers_active=subs[1],
            subscribers_blocked=subs[2],
            articles_total=arts[0],
            articles_last_24h=arts[1],
            digests_sent_total=digests[0],
            digests_sent_today=digests[1],
        )

    async def daily(self, now: datetime, days: int = 30) -> DailyStats:
        """Per UTC day over the last `days` days: subscribers (cumulative), articles, digest outcomes."""
        today = require_aware(now, "now").astimezone(UTC).date()
        first = today - timedelta(days=days - 1)
        start = datetime.combine(first, time(), tzinfo=UTC)
        day_list = [first + timedelta(days=i) for i in range(days)]
        index = {day: i for i, day in enumerate(day_list)}
        sub, art, dd = SubscriberRow, ArticleRow, DigestDeliveryRow
        async with self._db.sessions() as session:
            before = await session.scalar(select(func.count()).select_from(sub).where(sub.created_at < start))
            joined = list(await session.scalars(select(sub.created_at).where(sub.created_at >= start)))
            posted = list(await session.scalars(select(art.created_at).where(art.created_at >= start)))
            outcomes = (
                await session.execute(
                    select(dd.digest_date, dd.status, func.count())
                    .where(dd.digest_date >= first)
                    .group_by(dd.digest_date, dd.status)
                )
            ).all()
        new_subs, articles = [0] * days, [0] * days
        for moment in joined:
            if (i := index.get(moment.astimezone(UTC).date())) is not None:
                new_subs[i] += 1
        for moment in posted:
            if (i := index.get(moment.astimezone(UTC).date())) is not None:
                articles[i] += 1
        charted = (DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.BLOCKED, DeliveryStatus.SKIPPED)
        by_status: dict[str, list[int]] = {status: [0] * days for status in charted}
        for digest_day, status, count in outcomes:
            if status in by_status and (i := index.get(digest_day)) is not None:
                by_status[status][i] += int(count)
        cumulative, total = [], int(before or 0)
        for count in new_subs:
            total += count
            cumulative.append(total)
        return DailyStats(
            days=day_list,
            subscribers=cumulative,
            articles=articles,
            sent=by_status[DeliveryStatus.SENT],
            failed=by_status[DeliveryStatus.FAILED],
            blocked=by_status[DeliveryStatus.BLOCKED],
            skipped=by_status[DeliveryStatus.SKIPPED],
        )
