"""The one exception root of the bot: everything raised on purpose derives from NewsbotError.

NewsbotError
├── ConfigError                 bot.config: a setting is invalid (one line naming the variable)
├── ExplainedError              bot.i18n.translator: the message is a user's reply, translated when shown
│   ├── IngestError             bot.ingest.errors: an article could not be ingested (the editor's reply)
│   │   ├── EmptyTextError, JunkOnlyError, TooLongError, DuplicateError, NotAFeedError
│   │   └── FetchError → BlockedURLError
│   └── OpmlError               bot.ingest.opml: a file that is no usable OPML feed list
├── CatalogError                bot.i18n.catalog: a shipped language has no compiled catalog
├── StorageError                bot.storage.errors
│   ├── DuplicateArticleError   the same normalized body is already stored
│   ├── SubscriberNotFoundError the chat has no subscriber row
│   └── ChannelNotFoundError    no channel has that chat id
├── DeliveryError               bot.delivery.errors: the digest engine's own control flow
│   └── ChatBlocked, LeaseLost, PartFailed
├── ChannelRefused              bot.channels: the bot may not post in that chat (the editor's reply)
├── NotStartedError             bot.context: a callback ran before start-up attached the services
└── SummarizerError             summarizer.errors: the summarizer package (usable without the bot)
    ├── UnknownBackendError, ModelLoadError
    └── DataError               summarizer.evaluate: a dev set is missing or malformed

`python -m bot` catches the root: any of these at start-up is one line on stderr, never a traceback.
The summarizer's root derives from this one; this module imports nothing, so summarizer stays a leaf
package that depends on the bot for nothing else.
"""

from __future__ import annotations


class NewsbotError(Exception):
    """Base class of every error the bot and its summarizer raise on purpose."""
