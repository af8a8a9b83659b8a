"""One way to make a service's FastAPI app: `create_service_app(settings, routers, ...)`.

Every app gets, in this order for each request: metrics timing, `Cache-Control: no-store`, the body-size
limit (413 on Content-Length or on the streamed body, before anything reads it), then on each route of the
service's routers (`ServiceRoute`): authentication and role check, then `Idempotency-Key` handling for
POST, then body parsing and the endpoint. Errors are RFC 9457 problems. `/healthz` is liveness, `/readyz`
readiness (database, and Kafka where the process needs it; 503 problem otherwise), `/metrics` Prometheus.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common import metrics
from services.common.auth import Role, authenticate
from services.common.db import SessionFactory, create_engine, session_factory
from services.common.idempotency import HEADER, run_idempotent
from services.common.problems import install_problem_handlers, problem_response
from services.common.settings import ServiceSettings
from services.common.telemetry import setup_telemetry

log = logging.getLogger("thamm.app")

ReadinessCheck = Callable[[FastAPI], Awaitable[str | None]]
"""Returns None when ready, else a short reason (no secrets)."""


def _roles_of(dependant: Dependant) -> tuple[Role, ...] | None:
    """The roles a route's `require(...)` dependency asks for (None: the route declares none)."""
    for dep in dependant.dependencies:
        roles = getattr(dep.call, "roles", None)
        if roles is not None:
            return tuple(roles)
        found = _roles_of(dep)
        if found is not None:
            return found
    return None


async def render_error(request: Request, exc: Exception) -> Response:
    """The answer the app's handlers give for an expected error; unexpected ones propagate."""
    for cls in type(exc).__mro__:
        if cls is Exception:
            break
        handler = request.app.exception_handlers.get(cls)
        if handler is not None:
            response: Response = await handler(request, exc)
            return response
    raise exc


class ServiceRoute(APIRoute):
    """A route that authenticates and authorises before anything reads its body or Idempotency-Key."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        inner = super().get_route_handler()
        roles = _roles_of(self.dependant)
        if roles is None:
            raise TypeError(f"{self.path}: every service route declares its roles with Depends(require(...))")

        async def handler(request: Request) -> Response:
            principal = await authenticate(request, roles)
            if request.method == "POST" and HEADER in request.headers:
                return await run_idempotent(request, principal, inner, render_error)
            return await inner(request)

        return handler


async def service_context(request: Request) -> Any:
    """Dependency: the context the app's factory built at start-up (`Annotated[XContext, Depends(...)]`).

    A coroutine on purpose: FastAPI runs a plain function dependency in its thread pool, a thread hop per request.
    """
    return request.app.state.ctx


def service_router(prefix: str = "/v1", **kwargs: Any) -> APIRouter:
    """An APIRouter whose routes are ServiceRoutes, with the shared problem answers documented."""
    from services.common.problems import PROBLEM_RESPONSES

    return APIRouter(prefix=prefix, route_class=ServiceRoute, responses=PROBLEM_RESPONSES, **kwargs)


class DeclaredLengthMiddleware:
    """A 413 problem, before anything else, for a Content-Length above the route's body limit.

    (The body limit itself is FastAPI's `max_body_size`, which also cuts off bodies streamed without a
    length; this only gives the declared case the same problem+json answer instead of plain text.)
    """

    def __init__(self, app: ASGIApp, default_limit: int, route_limits: list[tuple[Any, set[str], Any]]) -> None:
        self.app, self.default_limit, self.route_limits = app, default_limit, route_limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            declared, limit = _content_length(scope), self._limit(scope)
            if declared is not None and declared > limit:
                detail = f"the limit here is {limit} bytes"
                response = problem_response(Request(scope), 413, "payload-too-large", "Content Too Large", detail)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _limit(self, scope: Scope) -> int:
        for pattern, methods, limit in self.route_limits:
            if scope["method"] in methods and pattern.match(scope["path"]):
                return int(limit)
        return self.default_limit


def _route_limits(routers: Iterable[APIRouter]) -> list[tuple[Any, set[str], Any]]:
    """Routes that declare a body limit of their own (uploads), as (path pattern, methods, limit)."""
    return [
        (route.path_regex, set(route.methods or ()), route.max_body_size)
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute) and getattr(route, "max_body_size", None)
    ]


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every answer: API answers may carry personal data."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_header)


async def database_ready(app: FastAPI) -> str | None:
    try:
        async with asyncio.timeout(2):
            async with app.state.engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        return f"database: {type(exc).__name__}"
    return None


def kafka_ready(bootstrap_servers: str) -> ReadinessCheck:
    """A readiness check that the Kafka cluster answers a metadata request."""

    async def check(_: FastAPI) -> str | None:
        from aiokafka.admin import AIOKafkaAdminClient

        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=2000)
        try:
            async with asyncio.timeout(3):
                await admin.start()
                await admin.list_topics()
        except Exception as exc:
            return f"kafka: {type(exc).__name__}"
        finally:
            with contextlib.suppress(Exception):
                await admin.close()
        return None

    return check


def outbox_gauges(service: str) -> Callable[[FastAPI], Awaitable[None]]:
    """Refresh the outbox backlog gauges from the database at scrape time."""

    async def refresh(app: FastAPI) -> None:
        async with asyncio.timeout(2), app.state.engine.connect() as conn:
            backlog, age = (await conn.execute(sa.text(metrics.OUTBOX_BACKLOG_SQL))).one()
        metrics.set_outbox_gauges(service, backlog, age)

    return refresh


def create_service_app(
    settings: ServiceSettings,
    routers: Iterable[APIRouter],
    *,
    title: str,
    description: str,
    version: str = "1.0.0",
    context: Callable[[SessionFactory], Any] | None = None,
    startup: Iterable[Callable[[FastAPI], Awaitable[None]]] = (),
    background: Iterable[Callable[[FastAPI], Coroutine[Any, Any, None]]] = (),
    readiness: Iterable[ReadinessCheck] = (),
    openapi_tags: list[dict[str, Any]] | None = None,
    with_database: bool = True,
    token_verifier: Any = None,
) -> FastAPI:
    """The service's FastAPI app: lifespan (engine, context, start-up hooks, background jobs), the edge
    (problems, body limits, no-store, metrics) and the operational routes."""
    verifier = token_verifier or settings.token_verifier()
    checks: list[ReadinessCheck] = [*([database_ready] if with_database else []), *readiness]

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings) if with_database else None
        app.state.engine = engine
        app.state.sessions = session_factory(engine) if engine is not None else None
        app.state.ctx = context(app.state.sessions) if context is not None else None
        for hook in startup:
            await hook(app)
        tasks = [asyncio.create_task(job(app)) for job in background]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if engine is not None:
                await engine.dispose()

    app = FastAPI(
        title=title,
        version=version,
        description=description,
        lifespan=lifespan,
        openapi_tags=openapi_tags,
        generate_unique_id_function=lambda route: route.name,
    )
    app.state.settings = settings
    app.state.token_verifier = verifier
    install_problem_handlers(app)
    routers = list(routers)
    for router in routers:  # the body limit per route (a route may set a larger one, e.g. uploads)
        app.include_router(router, max_body_size=settings.max_body_bytes)
    _operational_routes(app, settings, checks)
    app.add_middleware(NoStoreMiddleware)
    app.add_middleware(
        DeclaredLengthMiddleware, default_limit=settings.max_body_bytes, route_limits=_route_limits(routers)
    )
    app.add_middleware(metrics.HttpMetricsMiddleware, service=settings.service_name)
    if setup_telemetry(settings):
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics")
    return app


def _operational_routes(app: FastAPI, settings: ServiceSettings, checks: list[ReadinessCheck]) -> None:
    refresh = [outbox_gauges(settings.service_name)] if checks and checks[0] is database_ready else []

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        failures = [reason for reason in await asyncio.gather(*(check(app) for check in checks)) if reason]
        if failures:
            return problem_response(
                request,
                503,
                "not-ready",
                "Service Unavailable",
                "; ".join(failures),
                {"Retry-After": "5"},
            )
        return JSONResponse({"status": "ready"})

    @app.get("/metrics", include_in_schema=False)
    async def metrics_route() -> Response:
        for hook in refresh:
            try:
                await hook(app)
            except Exception as exc:  # a scrape must not fail because the database is down
                log.warning("metrics refresh failed: %s", type(exc).__name__)
        return metrics.metrics_response()
