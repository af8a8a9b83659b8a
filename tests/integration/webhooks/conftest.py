"""A webhooks service on its own migrated database (per test module), as an ASGI app in the test process, and
receivers on 127.0.0.1 whose answers a test controls."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import pytest_asyncio

from deploy.local.settings import StackSettings
from deploy.local.stack import Stack
from services.common.crypto import new_key_b64
from services.webhooks.__main__ import MIGRATIONS
from services.webhooks.app import create_app
from services.webhooks.config import WebhooksSettings
from tests.support.helpers import migrated_service


@pytest_asyncio.fixture(scope="module")
async def settings(infra: Stack, stack_settings: StackSettings) -> WebhooksSettings:
    return await migrated_service(
        WebhooksSettings,
        stack_settings,
        "webhooks",
        MIGRATIONS,
        secret_key=new_key_b64(),
        retry_schedule_s=(0, 0.3, 0.3, 0.3),
        lease_s=2,
        poll_interval_s=0.05,
        read_timeout_s=5,
        dispatcher_group=f"webhooks-test-{uuid.uuid4().hex[:6]}",
    )


@pytest_asyncio.fixture(scope="module")
async def app(settings: WebhooksSettings) -> AsyncIterator[Any]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class LocalReceiver:
    """An HTTP server on 127.0.0.1 that records each request and answers what `respond` says."""

    respond: Callable[[int], tuple[int, float]] = lambda n: (204, 0.0)  # request number -> (status, delay)
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def start(self) -> LocalReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                status, delay = receiver.respond(len(receiver.received))
                receiver.received.append(Received(dict(self.headers), body, time.monotonic()))
                time.sleep(delay)
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"thanks" * 500)

            def log_message(self, *_: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def receivers() -> Iterator[Callable[..., LocalReceiver]]:
    started: list[LocalReceiver] = []

    def make(respond: Callable[[int], tuple[int, float]] | None = None) -> LocalReceiver:
        receiver = LocalReceiver(respond) if respond else LocalReceiver()
        started.append(receiver.start())
        return receiver

    yield make
    for receiver in started:
        receiver.stop()
