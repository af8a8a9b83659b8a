"""HTTP routes of the applications API (thin: parse, call a use case, shape the answer)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from services.applications import handlers
from services.applications.schemas import ApplicationCreate, ApplicationPublic
from services.common.db import SessionFactory
from services.common.problems import Problem

router = APIRouter(prefix="/v1")


def _sessions(request: Request) -> SessionFactory:
    sessions: SessionFactory = request.app.state.sessions
    return sessions


SessionsDep = Annotated[SessionFactory, Depends(_sessions)]


@router.post(
    "/applications",
    status_code=status.HTTP_201_CREATED,
    response_model=ApplicationPublic,
    summary="Register a candidate and submit an application",
)
async def create_application(body: ApplicationCreate, sessions: SessionsDep) -> ApplicationPublic:
    record = await handlers.submit_application(sessions, body)
    return ApplicationPublic.model_validate(record, from_attributes=True)


@router.get("/applications/{application_id}", response_model=ApplicationPublic, summary="Read one application")
async def read_application(application_id: uuid.UUID, sessions: SessionsDep) -> ApplicationPublic:
    record = await handlers.get_application(sessions, application_id)
    if record is None:
        raise Problem(404, "not-found", "Application not found", f"no application {application_id}")
    return ApplicationPublic.model_validate(record, from_attributes=True)
