"""`Idempotency-Key` on POST: a retried request gets the first answer instead of a second effect.

It runs only after the caller is authenticated and authorised (see `services.common.app.ServiceRoute`):
- keys are scoped by the verified caller (issuer and subject), the method and the path;
- the same key with a different request (method, path, query, content type, body) is a 422;
- the claim of a key, the use case's effects and the stored answer are one database transaction, so a
  crash leaves no half-done key: it rolls back whole and a retry runs again;
- a concurrent request with the same key waits up to LOCK_WAIT for the first to finish and then replays
  its answer, or answers 409 with Retry-After if it is still running;
- only final answers are stored (2xx and 4xx other than 401, 403, 408, 429); a 5xx stores nothing;
- answers are kept 24 hours and erased with the personal data of the candidate they concern
  (`concerns(candidate_id)` tags the request; `forget_subject` deletes them).
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

import sqlalchemy as sa
from fastapi import Request, Response
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.auth import Principal
from services.common.db import ambient_session
from services.common.problems import Problem
from services.common.tables import IdempotencyRecord

HEADER = "idempotency-key"
MAX_KEY_LENGTH = 255
KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"
RETENTION = "24 hours"
LOCK_WAIT = "5s"
NOT_STORED = frozenset({401, 403, 408, 429})
KEPT_HEADERS = frozenset({"content-type", "location", "cache-control"})

#: The OpenAPI description of the header, shared by every operation that honours it.
IDEMPOTENCY_DOC: dict[str, Any] = {
    "parameters": [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": KEY_PATTERN},
            "description": (
                "Retry safely: the same key from the same caller on the same path returns the first final "
                "answer for 24 hours (header `Idempotent-Replayed: true`). Printable ASCII, 1-255 characters. "
                "Reused with a different request: 422. First request still running: 409 with Retry-After."
            ),
        }
    ]
}

_subject: ContextVar[str | None] = ContextVar("thamm_idempotency_subject", default=None)
_table = IdempotencyRecord.__table__  # type: ignore[attr-defined]


def concerns(subject_id: object) -> None:
    """Tag the current idempotent request as concerning this data subject (so erasure finds its answer)."""
    _subject.set(str(subject_id))


async def forget_subject(session: AsyncSession, subject_id: object) -> int:
    """Delete every stored answer that concerns the data subject; returns how many."""
    result: Any = await (await session.connection()).execute(
        sa.delete(_table).where(_table.c.subject_id == str(subject_id))
    )
    return int(result.rowcount or 0)


def _key(request: Request) -> str:
    key = request.headers[HEADER].strip()
    if not re.fullmatch(KEY_PATTERN, key):
        raise Problem(
            400,
            "invalid-idempotency-key",
            "Invalid Idempotency-Key",
            f"1 to {MAX_KEY_LENGTH} printable ASCII characters",
        )
    return key


async def _digest(request: Request) -> str:
    body = await request.body()
    parts = [request.method, request.url.path, request.url.query, request.headers.get("content-type", "")]
    return hashlib.sha256("\n".join(parts).encode() + b"\n" + body).hexdigest()


def _replay(row: Any, digest: str) -> Response:
    if row.request_hash != digest:
        raise Problem(
            422,
            "idempotency-key-reused",
            "Idempotency-Key reused",
            "this key was used for a different request; use a new key per request",
        )
    headers = {k: v for k, v in row.response_headers}
    headers["Idempotent-Replayed"] = "true"
    return Response(content=row.response_body, status_code=row.status_code, headers=headers)


async def _claim(session: AsyncSession, scope: str, key: str, digest: str) -> Any | None:
    """Claim the key in this transaction; returns the stored row if another request already finished it."""
    conn = await session.connection()
    await conn.execute(sa.text(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'"))
    if random.random() < 0.002:
        await conn.execute(
            sa.delete(_table).where(_table.c.created_at < sa.func.now() - sa.text(f"interval '{RETENTION}'"))
        )
    try:
        inserted = await conn.execute(
            postgresql.insert(_table)
            .values(scope=scope, key=key, request_hash=digest, status_code=0, response_headers=[], response_body=b"")
            .on_conflict_do_nothing()
            .returning(_table.c.key)
        )
    except sa_exc.DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == "55P03" or "LockNotAvailable" in type(exc.orig).__name__:
            raise Problem(
                409,
                "request-in-progress",
                "Request in progress",
                "the first request with this key has not finished; retry shortly",
                {"Retry-After": "1"},
            ) from None
        raise
    await conn.execute(sa.text("SET LOCAL lock_timeout = DEFAULT"))
    if inserted.first() is not None:
        return None
    return (await conn.execute(sa.select(_table).where(_table.c.scope == scope, _table.c.key == key))).first()


async def run_idempotent(
    request: Request,
    principal: Principal,
    handler: Callable[[Request], Awaitable[Response]],
    render_error: Callable[[Request, Exception], Awaitable[Response]],
) -> Response:
    """Run an authorised POST that carries an Idempotency-Key, or replay its stored answer."""
    key = _key(request)
    digest = await _digest(request)
    scope = f"{principal.identity}|{request.method} {request.url.path}"
    sessions = request.app.state.sessions
    async with async_sessionmaker.__call__(sessions) as session:  # a session of its own, never a lent one
        transaction = await session.begin()
        try:
            existing = await _claim(session, scope, key, digest)
            if existing is not None:
                await transaction.rollback()
                return _replay(existing, digest)
            subject = _subject.set(None)
            try:
                async with ambient_session(session):
                    try:
                        response = await handler(request)
                    except Exception as exc:  # a problem the app maps to an answer: store it like any other
                        response = await render_error(request, exc)
                subject_id = _subject.get()
            finally:
                _subject.reset(subject)
            if response.status_code >= 500 or response.status_code in NOT_STORED:
                await transaction.rollback()
                return response
            await (await session.connection()).execute(
                sa.update(_table)
                .where(_table.c.scope == scope, _table.c.key == key)
                .values(
                    status_code=response.status_code,
                    response_headers=[[k, v] for k, v in response.headers.items() if k in KEPT_HEADERS],
                    response_body=bytes(getattr(response, "body", b"")),
                    subject_id=subject_id,
                )
            )
            await transaction.commit()
            return response
        except BaseException:
            if transaction.is_active:
                await transaction.rollback()
            raise
