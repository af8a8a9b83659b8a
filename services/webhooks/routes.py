"""HTTP routes of the webhooks API: thin. An employer reaches only its own endpoints and deliveries."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Query
from sqlmodel import col, select

from services.common.apikeys import employer_scope
from services.common.app import service_context, service_router
from services.common.auth import Principal, Role, require
from services.common.idempotency import IDEMPOTENCY_DOC
from services.common.pages import keyset_page
from services.common.problems import Problem
from services.webhooks import commands as cmd
from services.webhooks.catalog import event_types
from services.webhooks.context import WebhooksContext, load_delivery, load_endpoint
from services.webhooks.domain import DeliveryStatus
from services.webhooks.handlers import endpoints
from services.webhooks.schemas import (
    AttemptPublic,
    DeliveryDetail,
    DeliveryPage,
    DeliveryPublic,
    EndpointCreate,
    EndpointPage,
    EndpointPublic,
    EndpointUpdate,
    EndpointWithSecret,
    EventTypeList,
    EventTypePublic,
    ReplayCreate,
    ReplayPublic,
)
from services.webhooks.tables import AttemptRecord, DeliveryRecord, EndpointRecord

R = Role
router = service_router()

Ctx = Annotated[WebhooksContext, Depends(service_context)]
Owner = Annotated[Principal, Depends(require(R.EMPLOYER, R.CASE_OFFICER))]
Reader = Annotated[Principal, Depends(require(R.EMPLOYER, R.CASE_OFFICER, R.OPERATOR))]
Limit = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=200, pattern=r"^[A-Za-z0-9_-]+$")]


def _endpoint(record: EndpointRecord) -> EndpointPublic:
    return EndpointPublic.model_validate(record.model_dump())


def _links(names: tuple[str, ...], param: str) -> dict[str, Any]:
    return {name: {"operationId": name, "parameters": {param: "$response.body#/id"}} for name in names}


async def _page(
    ctx: WebhooksContext, statement: Any, model: Any, limit: int, cursor: str | None
) -> tuple[list[Any], str | None]:
    """One keyset page ordered by (created_at, id)."""
    return await keyset_page(ctx.sessions, statement, col(model.created_at), col(model.id), limit, cursor)


ENDPOINT_LINKS = _links(
    ("read_endpoint", "update_endpoint", "rotate_secret", "send_test_event", "list_deliveries", "replay_deliveries"),
    "endpoint_id",
)


@router.get("/event-types", response_model=EventTypeList, tags=["event types"], summary="Event types with examples")
async def list_event_types(actor: Reader) -> EventTypeList:
    return EventTypeList(items=[EventTypePublic(type=t, **v) for t, v in event_types().items()])


@router.post(
    "/endpoints",
    status_code=201,
    response_model=EndpointWithSecret,
    tags=["endpoints"],
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Register an endpoint; the answer carries its signing secret, shown this once",
    responses={201: {"description": "The endpoint and its secret", "links": ENDPOINT_LINKS}},
)
async def register_endpoint(body: EndpointCreate, ctx: Ctx, actor: Owner) -> EndpointWithSecret:
    scope = employer_scope(actor)
    if scope is not None and scope != body.employer_id:
        raise Problem(403, "forbidden", "Forbidden", "an employer registers endpoints for itself only")
    command = cmd.RegisterEndpoint(body.employer_id, body.url, tuple(body.event_types), body.description)
    record, secret = await endpoints.register_endpoint(ctx, actor, command)
    return EndpointWithSecret.model_validate({**record.model_dump(), "secret": secret})


@router.get(
    "/endpoints", response_model=EndpointPage, tags=["endpoints"], summary="List endpoints (an employer: its own)"
)
async def list_endpoints(ctx: Ctx, actor: Reader, limit: Limit = 50, cursor: Cursor = None) -> EndpointPage:
    statement = select(EndpointRecord)
    scope = employer_scope(actor)
    if scope is not None:
        statement = statement.where(col(EndpointRecord.employer_id) == scope)
    items, next_cursor = await _page(ctx, statement, EndpointRecord, limit, cursor)
    return EndpointPage(items=[_endpoint(e) for e in items], next_cursor=next_cursor)


@router.get("/endpoints/{endpoint_id}", response_model=EndpointPublic, tags=["endpoints"], summary="Read an endpoint")
async def read_endpoint(endpoint_id: uuid.UUID, ctx: Ctx, actor: Reader) -> EndpointPublic:
    async with ctx.sessions() as session:
        return _endpoint(await load_endpoint(session, endpoint_id, actor))


@router.patch(
    "/endpoints/{endpoint_id}",
    response_model=EndpointPublic,
    tags=["endpoints"],
    summary="Change URL, event types or description; enable or disable",
)
async def update_endpoint(endpoint_id: uuid.UUID, body: EndpointUpdate, ctx: Ctx, actor: Owner) -> EndpointPublic:
    types = tuple(body.event_types) if body.event_types is not None else None
    command = cmd.ChangeEndpoint(endpoint_id, body.url, types, body.description, body.enabled)
    return _endpoint(await endpoints.change_endpoint(ctx, actor, command))


@router.post(
    "/endpoints/{endpoint_id}/secret/rotate",
    response_model=EndpointWithSecret,
    tags=["endpoints"],
    openapi_extra=IDEMPOTENCY_DOC,
    summary="A new signing secret; the old one also signs during the overlap",
)
async def rotate_secret(endpoint_id: uuid.UUID, ctx: Ctx, actor: Owner) -> EndpointWithSecret:
    record, secret = await endpoints.rotate_secret(ctx, actor, endpoint_id)
    return EndpointWithSecret.model_validate({**record.model_dump(), "secret": secret})


@router.post(
    "/endpoints/{endpoint_id}/test",
    status_code=202,
    response_model=DeliveryPublic,
    tags=["endpoints"],
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Queue a test event to the endpoint",
)
async def send_test_event(endpoint_id: uuid.UUID, ctx: Ctx, actor: Owner) -> DeliveryPublic:
    return DeliveryPublic.model_validate((await endpoints.send_test(ctx, actor, endpoint_id)).model_dump())


@router.post(
    "/endpoints/{endpoint_id}/replay",
    status_code=202,
    response_model=ReplayPublic,
    tags=["deliveries"],
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Send again every delivery created since a time",
)
async def replay_deliveries(endpoint_id: uuid.UUID, body: ReplayCreate, ctx: Ctx, actor: Owner) -> ReplayPublic:
    return ReplayPublic(replayed=await endpoints.replay(ctx, actor, cmd.Replay(endpoint_id, body.since)))


@router.get(
    "/endpoints/{endpoint_id}/deliveries",
    response_model=DeliveryPage,
    tags=["deliveries"],
    summary="The endpoint's delivery log (oldest first), with status and attempts",
)
async def list_deliveries(
    endpoint_id: uuid.UUID,
    ctx: Ctx,
    actor: Reader,
    status: DeliveryStatus | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> DeliveryPage:
    async with ctx.sessions() as session:
        await load_endpoint(session, endpoint_id, actor)
    statement = select(DeliveryRecord).where(col(DeliveryRecord.endpoint_id) == endpoint_id)
    if status is not None:
        statement = statement.where(col(DeliveryRecord.status) == status.value)
    items, next_cursor = await _page(ctx, statement, DeliveryRecord, limit, cursor)
    return DeliveryPage(items=[DeliveryPublic.model_validate(d.model_dump()) for d in items], next_cursor=next_cursor)


@router.get(
    "/deliveries/{delivery_id}",
    response_model=DeliveryDetail,
    tags=["deliveries"],
    summary="A delivery with every attempt",
)
async def read_delivery(delivery_id: uuid.UUID, ctx: Ctx, actor: Reader) -> DeliveryDetail:
    async with ctx.sessions() as session:
        delivery = await load_delivery(session, delivery_id, actor)
        attempts = await session.exec(
            select(AttemptRecord)
            .where(col(AttemptRecord.delivery_id) == delivery_id)
            .order_by(col(AttemptRecord.attempted_at))
        )
        log = [AttemptPublic.model_validate(a.model_dump()) for a in attempts.all()]
    return DeliveryDetail.model_validate({**delivery.model_dump(), "attempt_log": log})


@router.post(
    "/deliveries/{delivery_id}/redeliver",
    status_code=202,
    response_model=DeliveryPublic,
    tags=["deliveries"],
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Send one delivery again now (same webhook-id)",
)
async def redeliver(delivery_id: uuid.UUID, ctx: Ctx, actor: Owner) -> DeliveryPublic:
    return DeliveryPublic.model_validate(
        (await endpoints.redeliver(ctx, actor, cmd.Redeliver(delivery_id))).model_dump()
    )
