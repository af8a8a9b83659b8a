"""The service kit against real PostgreSQL: no drift between models and migrations, readiness, metrics."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

from deploy.local.settings import StackSettings
from deploy.local.stack import Stack
from services.applications.app import create_app
from services.common.migrations import compare_with_models, upgrade_to_head
from services.common.settings import ServiceSettings
from tests.support.helpers import MIGRATIONS, applications_database, applications_settings, auth

pytestmark = pytest.mark.integration

SERVICES = {  # package whose tables.py the migrations must match -> migrations folder
    "services.applications": MIGRATIONS,
    "services.training": Path(__file__).resolve().parents[3] / "services" / "training" / "migrations",
    "services.matching": Path(__file__).resolve().parents[3] / "services" / "matching" / "migrations",
    "services.webhooks": Path(__file__).resolve().parents[3] / "services" / "webhooks" / "migrations",
    "services.visa": Path(__file__).resolve().parents[3] / "services" / "visa" / "migrations",
    "services.monitoring": Path(__file__).resolve().parents[3] / "services" / "monitoring" / "migrations",
    "workflows": Path(__file__).resolve().parents[3] / "workflows" / "migrations",
}


def metadata_of(package: str) -> sa.MetaData:
    """The tables of one service (its own and the shared plumbing), out of SQLModel's shared metadata."""
    importlib.import_module(f"{package}.tables")
    names = {
        mapper.class_.__table__.name
        for mapper in SQLModel._sa_registry.mappers  # type: ignore[attr-defined]
        if mapper.class_.__module__ in (f"{package}.tables", "services.common.tables")
    }
    metadata = sa.MetaData()
    for table in SQLModel.metadata.sorted_tables:
        if table.name in names:
            table.to_metadata(metadata)
    return metadata


@pytest.mark.parametrize("package", sorted(SERVICES))
async def test_migrations_match_the_models(infra: Stack, stack_settings: StackSettings, package: str) -> None:
    database = f"drift_{package.replace('.', '_')}"
    owner, app = await stack_settings.provision_database(database)
    await upgrade_to_head(ServiceSettings(database_url=app, migration_database_url=owner), SERVICES[package])
    engine = create_async_engine(owner)
    try:
        async with engine.connect() as conn:
            differences = await conn.run_sync(compare_with_models, metadata_of(package))
    finally:
        await engine.dispose()
    assert differences == [], differences


class Proxy:
    """A TCP forwarder to PostgreSQL that a test can cut and restore, as a network failure would."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.server: asyncio.Server | None = None
        self.links: set[asyncio.StreamWriter] = set()
        self.port = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._link, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in list(self.links):
            writer.close()
        await self.server.wait_closed()

    async def _link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        self.links |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


@contextlib.asynccontextmanager
async def app_behind(proxy: Proxy, settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api", headers=auth()) as http,
    ):
        yield http


async def test_readiness_and_503_follow_the_database(
    infra: Stack, stack_settings: StackSettings, tmp_path: Path
) -> None:
    database = await applications_database(stack_settings, "ready")
    proxy = Proxy(stack_settings.postgres_port)
    await proxy.start()
    settings = applications_settings(stack_settings, database, document_dir=tmp_path)
    await upgrade_to_head(settings, MIGRATIONS)
    via_proxy = settings.model_copy(
        update={"database_url": settings.database_url.replace(f":{stack_settings.postgres_port}/", f":{proxy.port}/")}
    )
    async with app_behind(proxy, via_proxy) as http:
        assert (await http.get("/readyz")).status_code == 200
        await proxy.cut()
        down = await http.get("/readyz")
        assert down.status_code == 503 and down.headers["content-type"] == "application/problem+json"
        assert "database" in down.json()["detail"]
        listed = await http.get("/v1/applications")
        assert listed.status_code == 503 and listed.headers["retry-after"]
        assert (await http.get("/healthz")).status_code == 200, "liveness does not depend on the database"
        await proxy.start()
        for _ in range(20):
            if (await http.get("/readyz")).status_code == 200:
                break
            await asyncio.sleep(0.25)
        assert (await http.get("/readyz")).status_code == 200
        assert (await http.get("/v1/applications")).status_code == 200


async def test_metrics_show_requests_and_the_outbox_backlog(
    infra: Stack, stack_settings: StackSettings, tmp_path: Path
) -> None:
    from deploy.local.demo_data import application_body

    database = await applications_database(stack_settings, "metrics")
    settings = applications_settings(stack_settings, database, document_dir=tmp_path)
    await upgrade_to_head(settings, MIGRATIONS)
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api", headers=auth()) as http,
    ):
        created = await http.post("/v1/applications", json=application_body("Rim", "Kettani", "2003-09-09"))
        await http.post(f"/v1/applications/{created.json()['id']}/submit")
        text = (await http.get("/metrics")).text
    # No relay runs: the events wait (three consents given at registration, the submission and, under the
    # statistics consent, the statistical profile).
    assert 'thamm_outbox_backlog{service="applications"} 5.0' in text
    assert 'route="/v1/applications/{application_id}/submit"' in text and 'status="200"' in text
    assert "thamm_outbox_oldest_pending_age_seconds" in text


async def test_the_kafka_readiness_check(infra: Stack, stack_settings: StackSettings) -> None:
    """For processes that need Kafka to serve (e.g. an API that consumes in-process)."""
    from fastapi import FastAPI

    from deploy.local.supervisor import free_port
    from services.common.app import kafka_ready

    assert await kafka_ready(stack_settings.kafka_bootstrap)(FastAPI()) is None
    reason = await kafka_ready(f"127.0.0.1:{free_port()}")(FastAPI())
    assert reason is not None and reason.startswith("kafka: ")
