"""`Idempotency-Key` on every POST: a retried request gets the first answer instead of a second effect.

Keys are scoped by caller (token subject), method and path, kept 24 hours, and bound to a hash of the
request: the same key with a different request is refused (422); a key whose first request is still
running answers 409 with Retry-After. Only answers below 500 are kept, so a failed request may be retried.
"""

from __future__ import annotations

import hashlib
import json
import random
from datetime import datetime
from typing import Any

import jwt
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common.problems import PROBLEM_BASE, PROBLEM_JSON

HEADER = b"idempotency-key"
MAX_KEY_LENGTH = 255
RETENTION = "24 hours"


class IdempotencyRecord(SQLModel, table=True):
    """The first answer to an idempotent request."""

    __tablename__ = "idempotency_key"

    scope: str = Field(sa_column=sa.Column(sa.Text, primary_key=True))
    key: str = Field(sa_column=sa.Column(sa.Text, primary_key=True))
    request_hash: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    status_code: int | None = Field(default=None, sa_column=sa.Column(sa.Integer))
    response_headers: list[list[str]] | None = Field(default=None, sa_column=sa.Column(postgresql.JSONB))
    response_body: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary))
    created_at: datetime | None = Field(
        default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())
    )


def _subject(headers: dict[bytes, bytes]) -> str:
    """The token's subject, read without verification: it only scopes keys, the route still authenticates."""
    auth = headers.get(b"authorization", b"").decode("latin-1")
    if not auth.lower().startswith("bearer "):
        return "anonymous"
    try:
        return str(jwt.decode(auth[7:], options={"verify_signature": False}).get("sub", "anonymous"))
    except jwt.PyJWTError:
        return "anonymous"


async def _problem(
    send: Send, status: int, type_: str, title: str, detail: str, extra: list[tuple[bytes, bytes]]
) -> None:
    body = json.dumps({"type": PROBLEM_BASE + type_, "title": title, "status": status, "detail": detail}).encode()
    headers = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode()), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class IdempotencyMiddleware:
    """ASGI middleware; needs `app.state.sessions` (the service's database) at request time."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        raw_key = headers.get(HEADER)
        if raw_key is None:
            await self.app(scope, receive, send)
            return
        key = raw_key.decode("latin-1").strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            await _problem(
                send,
                400,
                "invalid-idempotency-key",
                "Invalid Idempotency-Key",
                f"the key must be 1 to {MAX_KEY_LENGTH} characters",
                [],
            )
            return
        body, more = bytearray(), True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        digest = hashlib.sha256(
            b"\n".join(
                [scope["path"].encode(), scope.get("query_string", b""), headers.get(b"content-type", b""), bytes(body)]
            )
        ).hexdigest()
        scope_key = f"{_subject(headers)} POST {scope['path']}"
        sessions = scope["app"].state.sessions
        table = IdempotencyRecord.__table__  # type: ignore[attr-defined]
        async with sessions() as session, session.begin():
            if random.random() < 0.005:
                await session.exec(
                    sa.delete(table).where(table.c.created_at < sa.func.now() - sa.text(f"interval '{RETENTION}'"))
                )
            inserted = await session.exec(
                postgresql.insert(table)
                .values(scope=scope_key, key=key, request_hash=digest)
                .on_conflict_do_nothing()
                .returning(table.c.key)
            )
            fresh = inserted.first() is not None
            existing = (
                None
                if fresh
                else (
                    await session.exec(sa.select(table).where(table.c.scope == scope_key, table.c.key == key))
                ).first()
            )
        if existing is not None:
            await self._answer_existing(existing, digest, send)
            return
        await self._run_and_store(scope, bytes(body), send, sessions, scope_key, key)

    async def _answer_existing(self, row: Any, digest: str, send: Send) -> None:
        if row.request_hash != digest:
            await _problem(
                send,
                422,
                "idempotency-key-reused",
                "Idempotency-Key reused",
                "this key was used for a different request; use a new key per request",
                [],
            )
        elif row.status_code is None:
            await _problem(
                send,
                409,
                "request-in-progress",
                "Request in progress",
                "the first request with this key has not finished; retry shortly",
                [(b"retry-after", b"1")],
            )
        else:
            stored = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in row.response_headers or []]
            await send(
                {
                    "type": "http.response.start",
                    "status": row.status_code,
                    "headers": [*stored, (b"idempotent-replayed", b"true")],
                }
            )
            await send({"type": "http.response.body", "body": row.response_body or b""})

    async def _run_and_store(
        self, scope: Scope, body: bytes, send: Send, sessions: Any, scope_key: str, key: str
    ) -> None:
        sent_body = False

        async def replay_receive() -> Message:
            nonlocal sent_body
            if sent_body:
                return {"type": "http.disconnect"}
            sent_body = True
            return {"type": "http.request", "body": body, "more_body": False}

        status, headers, chunks = 500, [], []

        async def capture(message: Message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in message.get("headers", [])]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        table = IdempotencyRecord.__table__  # type: ignore[attr-defined]
        try:
            await self.app(scope, replay_receive, capture)
        finally:
            async with sessions() as session, session.begin():
                where = (table.c.scope == scope_key) & (table.c.key == key)
                if status < 500:
                    await session.exec(
                        sa.update(table)
                        .where(where)
                        .values(status_code=status, response_headers=headers, response_body=b"".join(chunks))
                    )
                else:
                    await session.exec(sa.delete(table).where(where))
