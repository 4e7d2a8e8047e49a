"""Every value checked against its column before it reaches the database, the same on both engines.

SQLite stores what it is given (any length, any integer up to 64 bits, NUL inside text); PostgreSQL raises a
driver error for a string over its VARCHAR length, an integer past INTEGER's 32 bits, or a NUL character in
text. The repositories call `check` on what they write and `fits` on what they look up, so a bad value is a
clear InvalidValueError (or "no such row") on either engine, never a DBAPIError.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import BigInteger, Column, Integer, String, Table
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute

from bot.storage.errors import InvalidValueError

INT32: Final = (-(2**31), 2**31 - 1)
INT64: Final = (-(2**63), 2**63 - 1)


def problem_with(column: Column[Any], value: object) -> str | None:
    """Why `value` cannot be stored in `column`, or None when it can."""
    if value is None:
        return None if column.nullable else "a value is required"
    kind = column.type
    if isinstance(value, str) and isinstance(kind, String):
        if "\x00" in value:
            return "contains a NUL character"
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return "contains a lone surrogate (not valid Unicode)"
        if kind.length is not None and len(value) > kind.length:
            return f"longer than {kind.length} characters"
    elif isinstance(value, int) and not isinstance(value, bool) and isinstance(kind, Integer):
        low, high = INT64 if isinstance(kind, BigInteger) else INT32
        if not low <= value <= high:
            return f"out of range ({low} to {high})"
    return None


def _column(target: InstrumentedAttribute[Any] | Column[Any]) -> Column[Any]:
    """The Column behind an ORM attribute (ArticleRow.id) or a Column itself."""
    column = target if isinstance(target, Column) else target.property.columns[0]
    if not isinstance(column, Column):
        raise TypeError(f"{target!r} is not a table column")
    return column


def fits(target: InstrumentedAttribute[Any] | Column[Any], value: object) -> bool:
    """Whether `value` could be stored in the column: a lookup of anything else finds nothing."""
    return problem_with(_column(target), value) is None


def check(model: type[DeclarativeBase] | Table, /, **values: Any) -> dict[str, Any]:
    """Return `values` if each fits its column of `model`'s table; raise InvalidValueError otherwise."""
    table = model if isinstance(model, Table) else model.__table__
    assert isinstance(table, Table)
    for name, value in values.items():
        problem = problem_with(table.columns[name], value)
        if problem is not None:
            raise InvalidValueError(f"{table.name}.{name}", problem)
    return values
