"""The benchmark's load generator against a small HTTP/1.1 server: keep-alive, bodies, chunks, closed connections."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from bench.loadgen import LoadClient


class Server:
    """Answers each request with its method, path, one header and body as JSON; counts connections."""

    def __init__(self) -> None:
        self.connections = 0
        self.port = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ")
                headers = dict(line.split(": ", 1) for line in lines[1:] if line)
                body = await reader.readexactly(int(headers.get("Content-Length", "0")))
                answer = json.dumps({"method": method, "path": path, "token": headers.get("Authorization"),
                                     "body": body.decode() or None}).encode()  # fmt: skip
                if path == "/chunked":
                    half = len(answer) // 2
                    writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                    for part in (answer[:half], answer[half:]):
                        writer.write(b"%x\r\n%s\r\n" % (len(part), part))
                    writer.write(b"0\r\n\r\n")
                else:
                    status = b"404 Not Found" if path == "/missing" else b"201 Created"
                    close = path == "/close"
                    writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Length: %d\r\n" % len(answer)
                                 + (b"Connection: close\r\n" if close else b"") + b"\r\n" + answer)  # fmt: skip
                    if close:
                        await writer.drain()
                        break
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    state = Server()
    listener = await asyncio.start_server(state.handle, "127.0.0.1", 0)
    state.port = listener.sockets[0].getsockname()[1]
    async with listener:
        yield state


async def test_requests_share_keep_alive_connections_and_answers_are_read_whole(server: Server) -> None:
    headers = {"Authorization": "Bearer t"}
    async with LoadClient(f"http://127.0.0.1:{server.port}", headers, connections=2) as client:
        answers = await asyncio.gather(*(client.send(("POST", f"/items?n={i}", {"n": i})) for i in range(20)))
        status, body = await client.send(("GET", "/chunked", None))
        missing, _ = await client.send(("GET", "/missing", None))
    assert [s for s, _ in answers] == [201] * 20
    assert [json.loads(b) for _, b in answers] == [
        {"method": "POST", "path": f"/items?n={i}", "token": "Bearer t", "body": f'{{"n":{i}}}'} for i in range(20)
    ]
    assert status == 200 and json.loads(body) == {
        "method": "GET",
        "path": "/chunked",
        "token": "Bearer t",
        "body": None,
    }
    assert missing == 404
    assert server.connections == 2  # 22 requests, each connection reused


async def test_a_connection_the_server_closed_is_opened_again(server: Server) -> None:
    async with LoadClient(f"http://127.0.0.1:{server.port}", {}, connections=1) as client:
        first, _ = await client.send(("GET", "/close", None))
        await asyncio.sleep(0.05)  # the close reaches the client
        second, body = await client.send(("GET", "/after", None))
    assert (first, second) == (201, 201) and json.loads(body)["path"] == "/after"
    assert server.connections == 2
