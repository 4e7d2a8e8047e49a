"""The bot speaks the reader's language: gettext catalogs managed with Babel, dates and ages by Babel.

Adding a user-facing string: write it in English inside `t(...)` (or `t.plural(singular, plural, n)` for
anything counted) where `t = await tr(update, context)` (bot.handlers.replies), or mark a constant defined
before any reader is known with `N_(...)` and show it with `t(CONSTANT)`. Placeholders are str.format
names filled as keywords: `t("Deleted article #{id}.", id=article_id)` (never an f-string inside `t`).
Then run `make locales` (extract → update every catalog → compile) and translate the new, empty
entries of bot/locales/<lang>/LC_MESSAGES/messages.po; run it again to compile. tests/test_i18n.py fails
while any catalog lacks a message, has an empty or mismatched one, or its .mo is stale.

Modules: `languages` (the shipped languages; imports nothing, for bot.config), `translator` (`N_`,
`Translator`), `catalog` (`Catalog`: the compiled catalogs, the choice of a chat's language).
"""
