"""A lean HTTP/1.1 load generator: keep-alive connections on asyncio protocols, responses parsed by httptools.

The API benchmarks compare a service with a bare FastAPI server. A general-purpose client (httpx) spends about
1.7 ms of CPU per request here, so with it the bare server sat at a sixth of a core while the client used a
whole one: the "ceiling" was the client's. This one encodes each request as bytes and reads the response with
the same C parser uvicorn uses, so the servers, not the generator, set the figures; the benchmark also reports
the generator's own CPU beside them.

    async with LoadClient("http://127.0.0.1:8001", {"Authorization": "Bearer ..."}, connections=16) as client:
        status, body = await client.send(("GET", "/v1/applications/...", None))
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httptools

#: One request: method, path with its query string, and a JSON body (or None).
Request = tuple[str, str, Any]
RequestFactory = Callable[[], Request]


class _Connection(asyncio.Protocol):
    """One keep-alive connection carrying one request at a time."""

    def __init__(self) -> None:
        self._parser = httptools.HttpResponseParser(self)
        self._transport: asyncio.Transport | None = None
        self._answer: asyncio.Future[tuple[int, bytes]] | None = None
        self._body = bytearray()
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(exc)
            self.close()

    # httptools callbacks
    def on_body(self, body: bytes) -> None:
        self._body += body

    def on_message_complete(self) -> None:
        if self._answer is not None and not self._answer.done():
            self._answer.set_result((self._parser.get_status_code(), bytes(self._body)))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(exc or ConnectionResetError("the server closed the connection"))

    def _fail(self, exc: BaseException) -> None:
        if self._answer is not None and not self._answer.done():
            self._answer.set_exception(exc)

    async def exchange(self, data: bytes) -> tuple[int, bytes]:
        assert self._transport is not None
        self._answer = asyncio.get_running_loop().create_future()
        self._body = bytearray()
        self._transport.write(data)
        return await self._answer

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()


class LoadClient:
    """A fixed pool of keep-alive connections to one server; `send` waits for an idle one (that wait is
    queueing, so it counts in a request's latency). A connection the server closed is opened again."""

    def __init__(self, base: str, headers: Mapping[str, str], *, connections: int) -> None:
        url = urlsplit(base)
        self.host, self.port = url.hostname or "127.0.0.1", url.port or 80
        lines = [f"Host: {url.netloc}", *(f"{k}: {v}" for k, v in headers.items())]
        self._head = ("\r\n".join(lines) + "\r\n").encode("latin-1")
        self._size = connections
        self._idle: asyncio.Queue[_Connection] = asyncio.Queue()
        self._all: list[_Connection] = []

    async def _connect(self) -> _Connection:
        _, connection = await asyncio.get_running_loop().create_connection(_Connection, self.host, self.port)
        self._all.append(connection)
        return connection

    async def __aenter__(self) -> LoadClient:
        for connection in await asyncio.gather(*(self._connect() for _ in range(self._size))):
            self._idle.put_nowait(connection)
        return self

    async def __aexit__(self, *exc: object) -> None:
        for connection in self._all:
            connection.close()

    def encode(self, request: Request) -> bytes:
        method, path, body = request
        start = f"{method} {path} HTTP/1.1\r\n".encode("latin-1") + self._head
        if body is None:
            return start + b"\r\n"
        payload = json.dumps(body, separators=(",", ":")).encode()
        return start + b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(payload) + payload

    async def send(self, request: Request) -> tuple[int, bytes]:
        """(status, body) of one request."""
        data = self.encode(request)
        connection = await self._idle.get()
        try:
            if connection.closed:
                connection = await self._connect()
            return await connection.exchange(data)
        finally:
            self._idle.put_nowait(connection)
