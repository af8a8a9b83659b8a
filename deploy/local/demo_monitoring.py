"""The demo's follow-up stage: pre-departure in monitoring (started by the journey), the flight paid by the
employer, departure and arrival, the first weeks, a check-in; the journey follows to IN_TRAINING."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
from temporalio.client import Client

from deploy.local.demo_training import _ok, poll
from deploy.local.settings import StackSettings
from services.common.auth import dev_token


def follow_up_officer(settings: StackSettings) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {dev_token(subject='demo-follow-up-officer')}"}
    return httpx.AsyncClient(base_url=f"http://{settings.host}:{settings.monitoring_port}", timeout=10, headers=headers)


async def wait_for_follow_up(monitoring: httpx.AsyncClient, candidate_id: str, timeout_s: float = 60) -> dict[str, Any]:
    """The follow-up the journey's pre-departure call opened."""

    async def look() -> dict[str, Any] | None:
        response = await monitoring.get(f"/v1/follow-ups/{candidate_id}")
        return dict(response.json()) if response.status_code == 200 else None

    return await poll(look, f"no follow-up for candidate {candidate_id}", timeout_s)


async def run_follow_up(
    client: Client, settings: StackSettings, candidate_id: str, workflow_id: str, step: int, land: str, flight: int
) -> None:
    """From PRE_DEPARTURE to IN_TRAINING, today: a real stack cannot wait for the months in between."""
    from deploy.local.demo import wait_for_journey

    today = str(date.today())
    async with follow_up_officer(settings) as monitoring:
        case = await wait_for_follow_up(monitoring, candidate_id)
        tasks = _ok(await monitoring.get("/v1/follow-up-tasks", params={"candidate_id": candidate_id}), "tasks")
        names = ", ".join(f"{t['task']} by {t['due_on']}" for t in tasks["items"])
        print(f"{step}. monitoring opened the follow-up (training starts {case['training_starts_on']}): {names}")
        steps = {"orientation_on": today, "travel_insurance_on": today, "flight_booked_on": today,
                 "planned_departure_on": today, "planned_arrival_on": today}  # fmt: skip
        ready = _ok(await monitoring.post(f"/v1/follow-ups/{candidate_id}/predeparture", json=steps), "pre-departure")
        cost = {"candidate_id": candidate_id, "category": "flight", "amount_cents": flight, "currency": "EUR",
                "payer": "employer", "payee": "Royal Air Maroc", "incurred_on": today}  # fmt: skip
        _ok(await monitoring.post("/v1/costs", json=cost), "the flight's cost line")
        print(f"    orientation, travel insurance and the flight ({flight / 100:.2f} EUR, paid by the employer): "
              f"{ready['status']}")  # fmt: skip
        _ok(await monitoring.post(f"/v1/follow-ups/{candidate_id}/departure", json={"departed_on": today}), "departure")
        arrival = {"arrived_on": today, "land": land}
        _ok(await monitoring.post(f"/v1/follow-ups/{candidate_id}/arrival", json=arrival), "arrival")
        seconds = await wait_for_journey(client, workflow_id, ("ARRIVED", "IN_TRAINING"))
        print(f"{step + 1}. departed and arrived in {land} today: {workflow_id} ARRIVED after {seconds:.2f}s")
        for name in ("address_registration", "bank_account", "health_insurance", "school_start", "training_start"):
            body = {"step": name, "done_on": today}
            _ok(await monitoring.post(f"/v1/follow-ups/{candidate_id}/arrival-steps", json=body), name)
        checkin = _ok(await monitoring.post(f"/v1/follow-ups/{candidate_id}/checkins", json={"held_on": today}),
                      "the first check-in")  # fmt: skip
        seconds = await wait_for_journey(client, workflow_id, "IN_TRAINING")
    print(f"    address registered, bank account, health insurance, vocational school and the first day at the "
          f"company (the demo's today); check-in risk {checkin['risk_level']}")  # fmt: skip
    print(f"{step + 2}. {workflow_id} is IN_TRAINING after {seconds:.2f}s\n")
