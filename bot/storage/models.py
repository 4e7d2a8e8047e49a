"""SQLAlchemy declarative schema; the migrations in bot/migrations are the source of truth for DDL."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Final

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

TITLE_MAX_LENGTH: Final = 300
SOURCE_URL_MAX_LENGTH: Final = 2048
SUMMARIZER_MAX_LENGTH: Final = 64
TIMEZONE_MAX_LENGTH: Final = 64
STATUS_MAX_LENGTH: Final = 16
TOPIC_MAX_LENGTH: Final = 100
LAYOUT_MAX_LENGTH: Final = 16
OWNER_MAX_LENGTH: Final = 64
SOURCE_NAME_MAX_LENGTH: Final = 200
LANGUAGE_MAX_LENGTH: Final = 16
LANGUAGE_CODE_MAX_LENGTH: Final = 35  # an IETF tag as Telegram sends it (en, pt-br, zh-hans)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetime stored as UTC; naive values are rejected, results are always aware UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert an aware datetime to UTC (naive UTC on SQLite, which has no timezone support)."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware datetime")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return the stored value as an aware UTC datetime."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING_CONVENTION: Final = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base for the bot's tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ArticleRow(Base):
    """An admin-posted article and its summary."""

    __tablename__ = "articles"
    __table_args__ = ({"sqlite_autoincrement": True},)  # ids are never reused (revision 0006)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX_LENGTH))
    body: Mapped[str] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(String(SOURCE_URL_MAX_LENGTH), index=True)
    posted_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    summary: Mapped[str] = mapped_column(Text)
    summarizer: Mapped[str] = mapped_column(String(SUMMARIZER_MAX_LENGTH))
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    source_name: Mapped[str] = mapped_column(String(SOURCE_NAME_MAX_LENGTH), default="", server_default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # None: before 0007 (= created_at)
    image_url: Mapped[str | None] = mapped_column(String(SOURCE_URL_MAX_LENGTH))  # shown, never fetched
    language: Mapped[str | None] = mapped_column(String(LANGUAGE_MAX_LENGTH))  # ISO 639-1, detected
    summary_edited_by: Mapped[int | None] = mapped_column(BigInteger)  # the editor who wrote the summary


class ArticleRevisionRow(Base):
    """A title or summary an edit replaced (the machine summary among them), kept as history."""

    __tablename__ = "article_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    field: Mapped[str] = mapped_column(String(16))
    old_text: Mapped[str] = mapped_column(Text)
    old_summarizer: Mapped[str | None] = mapped_column(String(SUMMARIZER_MAX_LENGTH))
    edited_by: Mapped[int | None] = mapped_column(BigInteger)  # None: /resummarize's machine summary
    edited_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ArticleReportRow(Base):
    """A reader's report of an article (/report, 🚩); one per reader per article (revision 0011)."""

    __tablename__ = "article_reports"
    __table_args__ = (
        UniqueConstraint("article_id", "reporter_id", name="uq_article_reports_article_reporter"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[int] = mapped_column(Integer, ForeignKey("articles.id", ondelete="CASCADE"))
    reporter_id: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SubscriberRow(Base):
    """A chat that has interacted with the bot, subscribed or not."""

    __tablename__ = "subscribers"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    subscribed: Mapped[bool] = mapped_column(Boolean, default=False)
    # None: the chat follows the outlet's default (DIGEST_TIME, TIMEZONE), whatever it is at the time.
    digest_time: Mapped[time | None] = mapped_column(Time(timezone=False))
    timezone: Mapped[str | None] = mapped_column(String(TIMEZONE_MAX_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    blocked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    digest_layout: Mapped[str] = mapped_column(
        String(LAYOUT_MAX_LENGTH), default="compact", server_default="compact"
    )
    # When subscription, time or zone last changed; the catch-up sweep plans no digest due before it.
    schedule_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The forum topic (message_thread_id) /subscribe was sent in: the digest goes there. None: the chat
    # itself (a forum's General topic, or a chat without topics).
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    # The chat's own language (/language): a shipped code; None: chosen automatically (bot.i18n.catalog).
    language: Mapped[str | None] = mapped_column(String(LANGUAGE_MAX_LENGTH))
    # A private chat's user's Telegram language_code as last seen: the digest (no sender) goes by it.
    last_language_code: Mapped[str | None] = mapped_column(String(LANGUAGE_CODE_MAX_LENGTH))


class DigestPlanRow(Base):
    """One planning run: the articles it read that were stamped within the look-back before its cut-off."""

    __tablename__ = "digest_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cutoff: Mapped[datetime] = mapped_column(UTCDateTime())
    recent_article_ids: Mapped[str] = mapped_column(Text)  # JSON list of article ids


class DigestDeliveryRow(Base):
    """One digest per chat per local date; the unique key makes claiming exclusive."""

    __tablename__ = "digest_deliveries"
    __table_args__ = (
        UniqueConstraint("chat_id", "digest_date"),
        Index("ix_digest_deliveries_chat_id_status_cutoff", "chat_id", "status", "cutoff"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    digest_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(STATUS_MAX_LENGTH), index=True)
    cutoff: Mapped[datetime] = mapped_column(UTCDateTime())  # the digest's content cut-off
    plan_id: Mapped[int | None] = mapped_column(Integer)  # digest_plans.id; None: planned before 0005
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    article_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    owner: Mapped[str | None] = mapped_column(String(OWNER_MAX_LENGTH))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reason: Mapped[str | None] = mapped_column(Text)


CHANNEL_TITLE_MAX_LENGTH: Final = 255  # Telegram allows 128
USERNAME_MAX_LENGTH: Final = 64  # Telegram allows 32


class ChannelRow(Base):
    """A channel the editors added (/addchannel): its posting options and state. Its chat_id is also its
    row in `subscribers`, which holds its schedule, zone and layout as for any chat (revision 0018)."""

    __tablename__ = "channels"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(String(CHANNEL_TITLE_MAX_LENGTH))
    username: Mapped[str | None] = mapped_column(String(USERNAME_MAX_LENGTH))
    added_by: Mapped[int] = mapped_column(BigInteger)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    pin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    silent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    status: Mapped[str] = mapped_column(String(STATUS_MAX_LENGTH), default="active", server_default="active")
    last_post_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)


FEED_URL_MAX_LENGTH: Final = 2048
ETAG_MAX_LENGTH: Final = 512
LAST_MODIFIED_MAX_LENGTH: Final = 128
ENTRY_KEY_LENGTH: Final = 64


class FeedRow(Base):
    """An RSS/Atom feed polled for new entries, with its conditional-GET validators and back-off state."""

    __tablename__ = "feeds"
    __table_args__ = ({"sqlite_autoincrement": True},)  # ids are never reused (revision 0006)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(String(FEED_URL_MAX_LENGTH), unique=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX_LENGTH))
    added_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    etag: Mapped[str | None] = mapped_column(String(ETAG_MAX_LENGTH))
    last_modified: Mapped[str | None] = mapped_column(String(LAST_MODIFIED_MAX_LENGTH))
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    poll_minutes: Mapped[int | None] = mapped_column(Integer)  # None: FEED_POLL_MINUTES (revision 0010)
    paused: Mapped[bool] = mapped_column(Boolean, server_default=false())


class FeedEntryRow(Base):
    """An entry already seen in a feed (sha-256 of its id/link), so it is never ingested twice."""

    __tablename__ = "feed_entries"
    __table_args__ = (UniqueConstraint("feed_id", "entry_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    feed_id: Mapped[int] = mapped_column(Integer, ForeignKey("feeds.id", ondelete="CASCADE"))
    entry_key: Mapped[str] = mapped_column(String(ENTRY_KEY_LENGTH))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ArticleEmbeddingRow(Base):
    """An article's sentence embedding (float32 bytes), computed when it is stored and again when what is
    embedded (its title or summary) is edited."""

    __tablename__ = "article_embeddings"

    article_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    model: Mapped[str] = mapped_column(String(SUMMARIZER_MAX_LENGTH))
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    # When the vector was replaced after the article was stored (an edit of what is embedded); None: as
    # computed then. Other processes' in-memory indexes pick replaced vectors up by it.
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)


class TopicRow(Base):
    """A subscriber's followed or muted topic: a phrase and (when available) its embedding."""

    __tablename__ = "topics"
    __table_args__ = (UniqueConstraint("chat_id", "phrase"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(8))
    phrase: Mapped[str] = mapped_column(String(TOPIC_MAX_LENGTH))
    vector: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The story a 🔇 button muted (that article and the same event elsewhere); NULL for typed topics.
    article_id: Mapped[int | None] = mapped_column(Integer)


class DigestTextRow(Base):
    """One digest part's HTML, stored once and shared by every subscriber who gets the same part."""

    __tablename__ = "digest_texts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    text_hash: Mapped[str] = mapped_column(String(64), unique=True)
    html: Mapped[str] = mapped_column(Text)
    markup: Mapped[str | None] = mapped_column(Text)  # the part's inline keyboard as Bot API JSON
    options: Mapped[str | None] = mapped_column(Text)  # other send options as JSON (link_preview_options)


class DigestPartRow(Base):
    """The ledger: one row per subscriber per digest per message part (pending, sent or failed)."""

    __tablename__ = "digest_parts"
    __table_args__ = (UniqueConstraint("delivery_id", "part"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("digest_deliveries.id", ondelete="CASCADE"))
    part: Mapped[int] = mapped_column(Integer)
    text_id: Mapped[int] = mapped_column(ForeignKey("digest_texts.id"))
    status: Mapped[str] = mapped_column(String(STATUS_MAX_LENGTH))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reason: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
