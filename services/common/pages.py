"""Opaque cursors for keyset pagination: the sort key and the id of the last item of a page."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from services.common.problems import Problem

if TYPE_CHECKING:
    from services.common.db import SessionFactory

V = TypeVar("V")
I = TypeVar("I")  # noqa: E741


def encode_cursor(value: date | datetime | str | None, id_: object) -> str:
    """The cursor after an item whose sort key is `value` and whose id is `id_`."""
    text = value.isoformat() if isinstance(value, date | datetime) else value
    raw = json.dumps([text, str(id_)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, parse_value: Callable[[str], V], parse_id: Callable[[str], I]) -> tuple[V | None, I]:
    """(sort key, id) of a cursor made by encode_cursor; anything else is a 400 problem."""
    try:
        value, id_ = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return (parse_value(value) if value is not None else None), parse_id(id_)
    except (ValueError, TypeError, json.JSONDecodeError):
        raise Problem(400, "invalid-cursor", "Invalid cursor", "pass back next_cursor exactly as received") from None


async def keyset_page(
    sessions: SessionFactory,
    statement: Any,
    sort: Any,
    ident: Any,
    limit: int,
    cursor: str | None,
    *,
    parse: Callable[[str], Any] = datetime.fromisoformat,
) -> tuple[list[Any], str | None]:
    """One page of `statement` ordered by (sort, ident) after `cursor`, and the cursor of the next page.

    `sort` and `ident` are the columns; `parse` reads the sort key back from a cursor (a time by default)."""
    import uuid

    import sqlalchemy as sa

    if cursor:
        after, id_ = decode_cursor(cursor, parse, uuid.UUID)
        statement = statement.where(sa.tuple_(sort, ident) > sa.tuple_(sa.literal(after), sa.literal(id_)))
    statement = statement.order_by(sort, ident).limit(limit + 1)
    async with sessions.reads() as session:
        rows = list((await session.exec(statement)).all())
    items = rows[:limit]
    if len(rows) <= limit:
        return items, None
    value, last_id = getattr(items[-1], sort.key), getattr(items[-1], ident.key)
    return items, encode_cursor(value if isinstance(value, date | datetime) else str(value), last_id)
