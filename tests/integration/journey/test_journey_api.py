"""The journey API against the real Temporal dev server, with the journey run by an in-process worker."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from types import SimpleNamespace

import httpx
import pytest
import pytest_asyncio
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from deploy.local.settings import StackSettings
from deploy.local.stack import Stack
from services.common.auth import ensure_dev_keys
from services.common.migrations import upgrade_to_head
from tests.support.helpers import auth
from tests.support.journey import Journey, running_journey
from workflows.api import MIGRATIONS, create_app
from workflows.config import JourneySettings

pytestmark = pytest.mark.integration


@pytest_asyncio.fixture
async def journey(infra: Stack, stack_settings: StackSettings) -> AsyncIterator[Journey]:
    client = await Client.connect(stack_settings.temporal_address, data_converter=pydantic_data_converter)
    async with running_journey(SimpleNamespace(client=client)) as j:  # type: ignore[arg-type]
        yield j


@pytest_asyncio.fixture(scope="module")
async def settings(infra: Stack, stack_settings: StackSettings) -> JourneySettings:
    database = f"journey_{uuid.uuid4().hex[:8]}"
    owner, app = await stack_settings.provision_database(database)
    settings = JourneySettings(
        temporal_address=stack_settings.temporal_address,
        database_url=app,
        migration_database_url=owner,
        auth_public_key_file=ensure_dev_keys()[1],
    )
    await upgrade_to_head(settings, MIGRATIONS)
    return settings


@pytest_asyncio.fixture
async def api(journey: Journey, settings: JourneySettings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, client=journey.client)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://journeys", headers=auth()) as http,
    ):
        yield http


async def test_read_a_journey(api: httpx.AsyncClient, journey: Journey) -> None:
    await journey.send("applications.application_preselected", occupation_code="29302")
    await journey.send("training.enrolled", cohort_id="C-77")
    for _ in range(50):
        body = (await api.get(f"/v1/journeys/{journey.candidate_id}", headers=auth("operator"))).json()
        if body["stage"] == "LANGUAGE_TRAINING":
            break
    assert body["stage"] == "LANGUAGE_TRAINING" and body["status"] == "RUNNING" and body["cohort_id"] == "C-77"
    assert [h["stage"] for h in body["history"]] == ["SUBMITTED", "PRESELECTED", "LANGUAGE_TRAINING"]
    assert [d["code"] for d in body["deadlines"]] == ["B1_WITHIN_9_MONTHS"]
    description = await journey.handle.describe()
    attributes = {p.key.name: p.value for p in description.typed_search_attributes if p.key.name != "BuildIds"}
    assert attributes["JourneyStage"] == "LANGUAGE_TRAINING" and attributes["CohortId"] == "C-77"


async def test_actions_and_their_refusals(api: httpx.AsyncClient, journey: Journey) -> None:
    path = f"/v1/journeys/{journey.candidate_id}/actions"
    note = "The candidate's mother is ill; they asked for a month."
    held = await api.post(f"{path}/hold", json={"reason_code": "PERSONAL_CIRCUMSTANCES", "note": note})
    assert held.status_code == 200 and held.json()["on_hold"] is True
    again = await api.post(f"{path}/hold", json={"reason_code": "PERSONAL_CIRCUMSTANCES"})
    assert again.status_code == 409 and "already on hold" in again.json()["detail"]
    assert (await api.post(f"{path}/resume", json={})).json()["on_hold"] is False
    body = {"deadline": "B1_WITHIN_9_MONTHS", "extend_by_days": 30, "reason_code": "EXAM_RESCHEDULED"}
    refused = await api.post(f"{path}/extend-deadline", json=body)
    assert refused.status_code == 409 and "no open deadline" in refused.json()["detail"]
    invalid = await api.post(f"{path}/extend-deadline", json={"deadline": "X", "extend_by_days": 0, "reason": "no"})
    assert invalid.status_code == 422
    assert {e["pointer"] for e in invalid.json()["errors"]} >= {"#/extend_by_days", "#/reason_code", "#/reason"}
    withdrawn = await api.post(f"{path}/withdraw", json={"reason_code": "NO_CONTACT"})
    assert withdrawn.status_code == 200 and withdrawn.json()["stage"] == "WITHDRAWN"
    history = await journey.handle.fetch_history()
    raw = b"".join(event.SerializeToString() for event in history.events)  # payloads as the server stores them
    assert b"mother" not in raw, "a note must never enter the workflow's history"
    assert b"PERSONAL_CIRCUMSTANCES" in raw and b"officer-1" in raw, "the history says who acted and why"
    actions = (await api.get(path)).json()
    assert [(a["action"], a["officer"]) for a in actions] == [
        ("hold", "officer-1"),
        ("resume", "officer-1"),
        ("withdraw", "officer-1"),
    ]
    assert actions[0]["note"] == note
    assert (await api.get(path, headers=auth("operator"))).status_code == 403


async def test_access_and_unknown_journeys(api: httpx.AsyncClient, journey: Journey) -> None:
    url = f"/v1/journeys/{journey.candidate_id}"
    assert (await api.get(url, headers={"Authorization": ""})).status_code == 401
    assert (await api.get(url, headers=auth("employer", employer_id=str(uuid.uuid4())))).status_code == 403
    assert (
        await api.post(f"{url}/actions/hold", json={"reason_code": "OTHER"}, headers=auth("operator"))
    ).status_code == 403
    missing = await api.get(f"/v1/journeys/{uuid.uuid4()}")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")


async def test_a_case_officer_ends_a_journey_with_an_outcome(api: httpx.AsyncClient, journey: Journey) -> None:
    path = f"/v1/journeys/{journey.candidate_id}/actions"
    refused = await api.post(f"{path}/end", json={"reason_code": "OTHER", "outcome": "COMPLETED"})
    assert refused.status_code == 422  # only the endings an officer decides: not COMPLETED, not a timer's
    ended = await api.post(
        f"{path}/end",
        json={"reason_code": "NO_CONTACT", "outcome": "DROPPED_OUT", "note": "No answer to three calls."},
    )
    assert ended.status_code == 200 and ended.json()["stage"] == "DROPPED_OUT"
    assert ended.json()["history"][-1]["cause"] == "officer_ended:NO_CONTACT:officer-1"
    again = await api.post(f"{path}/end", json={"reason_code": "NO_CONTACT", "outcome": "DROPPED_OUT"})
    assert again.status_code == 409 and "ended" in again.json()["detail"]
    assert [a["action"] for a in (await api.get(path)).json()] == ["end_journey"]
