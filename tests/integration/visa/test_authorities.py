"""The authorities simulator answering the real visa service: a standard and a §81a case driven to a granted
visa, and the faults (an authority down, failing). The simulator reads the service's events from its outbox
here (the relay and Kafka are covered by the end-to-end test); it calls the API with its own key's tokens."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import date
from typing import Any

import asyncpg
import httpx
import pytest

from deploy.authorities import PROFILES, Rates, Simulator, SimulatorSettings, create_app
from services.common.auth import DEV_KEYS_DIR, ensure_key_pair
from services.visa.app import create_app as create_visa_app
from services.visa.config import VisaSettings
from tests.integration.visa.test_api import client, complete_checklist, open_case, request_approval

pytestmark = pytest.mark.integration


@pytest.fixture
async def visa_app(authorities_settings: VisaSettings) -> Any:
    application = create_visa_app(authorities_settings)
    async with application.router.lifespan_context(application):
        yield application


def simulator(app: Any, seed: int = 7) -> Simulator:
    profile = PROFILES["fast"].model_copy(deep=True)
    profile.day_seconds = 0.01
    for key in ("ba", "consulate", "consulate_81a"):  # every answer a grant (the faults test refusals)
        profile.rates[key] = profile.rates[key].model_copy(update={"refusal_rate": 0.0, "silent_rate": 0.0})
    settings = SimulatorSettings(
        visa_url="http://visa", seed=seed, signing_key_file=ensure_key_pair(DEV_KEYS_DIR, "authorities")[0]
    )
    return Simulator(settings, profile, httpx.AsyncClient(transport=httpx.ASGITransport(app=app)))


class Outbox:
    """The visa service's events, read in order from its outbox as the topic would deliver them."""

    def __init__(self, settings: VisaSettings) -> None:
        self.settings, self.position = settings, 0

    async def feed(self, sim: Simulator) -> None:
        conn = await asyncpg.connect(self.settings.asyncpg_dsn)
        try:
            rows = await conn.fetch(
                "SELECT position, event_type, payload FROM outbox WHERE position > $1 ORDER BY position", self.position
            )
        finally:
            await conn.close()
        for row in rows:
            sim.observe(row["event_type"], json.loads(row["payload"]))
            self.position = row["position"]


async def drive(sim: Simulator, outbox: Outbox, app: Any, case_id: str, status: str, seconds: float = 20) -> str:
    deadline = time.monotonic() + seconds
    current = ""
    async with client(app) as officer:
        while time.monotonic() < deadline:
            await outbox.feed(sim)
            await sim.tick()
            current = (await officer.get(f"/v1/visa-cases/{case_id}")).json()["status"]
            if current == status:
                return current
            await asyncio.sleep(0.02)
    return current


async def test_the_simulator_takes_a_standard_case_to_a_granted_visa(visa_app: Any, settings: VisaSettings) -> None:
    sim, outbox = simulator(visa_app), Outbox(settings)
    case = await open_case(visa_app)
    async with client(visa_app) as officer:
        await complete_checklist(officer, case["visa_case_id"])
    assert (await request_approval(visa_app, case)).status_code == 201
    assert await drive(sim, outbox, visa_app, case["visa_case_id"], "granted") == "granted"
    steps = [a["step"].split(":")[0] for a in sim.answered if a["visa_case_id"] == case["visa_case_id"]]
    assert steps == ["ba", "appointment", "lodge", "decision"]
    async with client(visa_app) as officer:
        costs = (await officer.get(f"/v1/visa-cases/{case['visa_case_id']}/costs")).json()
    assert costs["total_by_payer"] == {"employer": {"EUR": 7500}}


async def test_the_simulator_takes_a_81a_case_through_the_abh(visa_app: Any, settings: VisaSettings) -> None:
    sim, outbox = simulator(visa_app), Outbox(settings)
    case = await open_case(visa_app, accelerated=True)
    async with client(visa_app) as officer:
        await complete_checklist(officer, case["visa_case_id"])
        agreement = {"agreed_on": str(date.today()), "authority": "abh-berlin", "fee_payer": "programme"}
        url = f"/v1/visa-cases/{case['visa_case_id']}/accelerated-procedure"
        assert (await officer.post(url, json=agreement)).status_code == 200
    assert (await request_approval(visa_app, case)).status_code == 201
    assert await drive(sim, outbox, visa_app, case["visa_case_id"], "appointment_booked") == "appointment_booked"
    async with client(visa_app) as officer:  # §81a: the pre-approval is a required document once issued
        item = f"/v1/visa-cases/{case['visa_case_id']}/checklist/PREAPPROVAL_81A"
        assert (await officer.put(item, json={"status": "verified"})).status_code == 200
    assert await drive(sim, outbox, visa_app, case["visa_case_id"], "granted") == "granted"
    steps = [a["step"].split(":")[0] for a in sim.answered if a["visa_case_id"] == case["visa_case_id"]]
    assert steps[:3] == ["ba", "abh", "appointment"] and steps[-1] == "decision"


async def test_an_authority_down_answers_nothing_until_it_is_back_and_a_failing_one_refuses(
    visa_app: Any, settings: VisaSettings
) -> None:
    sim, outbox = simulator(visa_app), Outbox(settings)
    from deploy.authorities import FaultChange

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(sim)), base_url="http://sim") as control:
        down = await control.put("/v1/faults/ba", json={"mode": "down"})
        assert down.status_code == 200 and down.json()["faults"]["ba"]["mode"] == "down"
        case = await open_case(visa_app)
        await request_approval(visa_app, case)
        assert await drive(sim, outbox, visa_app, case["visa_case_id"], "appointment_requested", seconds=1) == "opened"
        assert case["visa_case_id"] in (await control.get("/v1/state")).json()["pending_seconds"]
        await control.put("/v1/faults/ba", json={"mode": "normal"})
        assert (
            await drive(sim, outbox, visa_app, case["visa_case_id"], "appointment_requested") == "appointment_requested"
        )
    sim.faults["ba"] = FaultChange(mode="fail")
    failing = await open_case(visa_app)
    await request_approval(visa_app, failing)
    for _ in range(100):
        await outbox.feed(sim)
        await sim.tick()
        if any(a["visa_case_id"] == failing["visa_case_id"] for a in sim.answered):
            break
        await asyncio.sleep(0.02)
    async with client(visa_app) as officer:
        history = (await officer.get(f"/v1/visa-cases/{failing['visa_case_id']}/labour-approval")).json()
    assert history[0]["status"] == "refused" and history[0]["reason_code"] == "PAY_BELOW_COMPARABLE"


def test_outcomes_are_reproducible_from_the_seed() -> None:
    settings = SimulatorSettings(seed=3)
    a, b = Simulator(settings, PROFILES["realistic"]), Simulator(settings, PROFILES["realistic"])
    case = str(uuid.uuid4())
    assert a._answer_body(case, "decision:1", False) == b._answer_body(case, "decision:1", False)
    assert isinstance(PROFILES["fast"].rates["ba"], Rates)
