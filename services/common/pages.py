"""Opaque cursors for keyset pagination: the sort key and the id of the last item of a page."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import date, datetime
from typing import TypeVar

from services.common.problems import Problem

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
