"""The monitoring API against real PostgreSQL: the journey's calls (a repeat is a 2xx), pre-departure to
completion, the ledger with alerts and reimbursements, custody, grievances with their deadline, indicators on
read models with filters, and every role (an analyst never reaches casework)."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.monitoring.config import MonitoringSettings
from services.monitoring.handlers.grievances import escalate_overdue
from services.monitoring.tables import PersonStatsRecord
from tests.support.helpers import auth
from tests.support.helpers import outbox_events as outbox

pytestmark = pytest.mark.integration

TODAY = datetime.now(UTC).date()
START = TODAY + timedelta(days=60)


def client(app: Any, role: str = "case_officer", subject: str = "follow-up-officer-1") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://monitoring",
                             headers=auth(role, subject))  # fmt: skip


async def start(app: Any, **kw: Any) -> dict[str, Any]:
    body = {"candidate_id": str(uuid.uuid4()), "employer_id": str(uuid.uuid4()), "training_starts_on": str(START), **kw}
    async with client(app, "service", "journey-worker") as c:
        response = await c.post("/v1/predeparture", json=body, headers={"Idempotency-Key": f"pd-{uuid.uuid4()}"})
    assert response.status_code == 201, response.text
    return body


async def arrive(app: Any, c: httpx.AsyncClient, on: date = TODAY) -> dict[str, Any]:
    case = await start(app)
    response = await c.post(
        f"/v1/follow-ups/{case['candidate_id']}/arrival", json={"arrived_on": str(on), "land": "DE-BY"}
    )
    assert response.status_code == 200, response.text
    return case


async def test_the_journey_starts_predeparture_and_a_repeat_is_the_same_follow_up(app: Any) -> None:
    case = await start(app)
    async with client(app, "service", "journey-worker") as c:
        again = await c.post("/v1/predeparture", json=case)
        task = {"candidate_id": case["candidate_id"], "task": "checkin", "due_on": str(TODAY)}
        first = await c.post("/v1/follow-up-tasks", json=task, headers={"Idempotency-Key": "j:checkin-1"})
        repeat = await c.post("/v1/follow-up-tasks", json=task, headers={"Idempotency-Key": "j:checkin-1"})
    assert again.status_code == 200 and again.json()["predeparture_id"] == case["candidate_id"]
    assert first.status_code == 201 and repeat.status_code == 201
    assert repeat.json()["task_id"] == first.json()["task_id"]
    async with client(app, "operator", "ops-1") as c:
        tasks = (await c.get("/v1/follow-up-tasks", params={"candidate_id": case["candidate_id"]})).json()["items"]
        follow = (await c.get(f"/v1/follow-ups/{case['candidate_id']}")).json()
    assert {t["task"] for t in tasks} == {"orientation", "travel_insurance", "flight_booking", "checkin"}
    assert sorted(t["due_on"] for t in tasks) == [t["due_on"] for t in tasks]  # soonest first
    assert follow["status"] == "predeparture" and follow["training_starts_on"] == str(START)


async def test_a_new_placement_before_departure_plans_the_travel_again(app: Any) -> None:
    """Re-matched after the first contract fell away: the journey's call names another employer."""
    case = await start(app)
    cid = case["candidate_id"]
    async with client(app) as c:
        steps = {"orientation_on": str(TODAY), "travel_insurance_on": str(TODAY), "flight_booked_on": str(TODAY),
                 "planned_departure_on": str(TODAY), "planned_arrival_on": str(TODAY)}  # fmt: skip
        assert (await c.post(f"/v1/follow-ups/{cid}/predeparture", json=steps)).json()["status"] == "ready"
    later = START + timedelta(days=90)
    other = {**case, "employer_id": str(uuid.uuid4()), "training_starts_on": str(later)}
    async with client(app, "service", "journey-worker") as c:
        again = await c.post("/v1/predeparture", json=other, headers={"Idempotency-Key": f"pd-{uuid.uuid4()}"})
    async with client(app) as c:
        follow = (await c.get(f"/v1/follow-ups/{cid}")).json()
        flights = (await c.get("/v1/follow-up-tasks", params={"candidate_id": cid, "task": "flight_booking"})).json()
    assert again.status_code == 200
    assert follow["employer_id"] == other["employer_id"] and follow["training_starts_on"] == str(later)
    assert follow["status"] == "predeparture" and follow["flight_booked_on"] is None
    assert follow["orientation_on"] == str(TODAY), "the orientation stands"
    assert len(flights["items"]) == 2


async def test_predeparture_to_completion_publishes_each_fact(app: Any, settings: MonitoringSettings) -> None:
    case = await start(app)
    cid = case["candidate_id"]
    async with client(app) as c:
        late = await c.post(f"/v1/follow-ups/{cid}/predeparture", json={"planned_arrival_on": str(START)})
        steps = {"orientation_on": str(TODAY), "travel_insurance_on": str(TODAY), "flight_booked_on": str(TODAY),
                 "planned_departure_on": str(START - timedelta(days=10)),
                 "planned_arrival_on": str(START - timedelta(days=10))}  # fmt: skip
        ready = await c.post(f"/v1/follow-ups/{cid}/predeparture", json=steps)
        future = await c.post(f"/v1/follow-ups/{cid}/departure", json={"departed_on": str(TODAY + timedelta(days=1))})
        departed = await c.post(f"/v1/follow-ups/{cid}/departure", json={"departed_on": str(TODAY)})
        arrived = await c.post(f"/v1/follow-ups/{cid}/arrival", json={"arrived_on": str(TODAY), "land": "DE-BY"})
        repeat = await c.post(f"/v1/follow-ups/{cid}/arrival", json={"arrived_on": str(TODAY), "land": "DE-BY"})
        bad_land = await c.post(f"/v1/follow-ups/{cid}/arrival", json={"arrived_on": str(TODAY), "land": "DE-XX"})
        permit = await c.post(f"/v1/follow-ups/{cid}/arrival-steps",
                              json={"step": "residence_permit_issued", "done_on": str(TODAY)})  # fmt: skip
        for step in ("address_registration", "bank_account", "health_insurance", "school_start", "training_start"):
            done = await c.post(f"/v1/follow-ups/{cid}/arrival-steps", json={"step": step, "done_on": str(TODAY)})
            assert done.status_code == 200, done.text
        issued = await c.post(
            f"/v1/follow-ups/{cid}/arrival-steps",
            json={
                "step": "residence_permit_issued",
                "done_on": str(TODAY),
                "valid_until": str(TODAY + timedelta(days=1000)),
            },
        )
        probation = await c.post(f"/v1/follow-ups/{cid}/probation", json={"passed_on": str(TODAY)})
        interim = await c.post(
            f"/v1/follow-ups/{cid}/exams", json={"exam": "interim", "taken_on": str(TODAY), "passed": True}
        )
        final = await c.post(
            f"/v1/follow-ups/{cid}/exams", json={"exam": "final", "taken_on": str(TODAY), "passed": True}
        )
        employed = await c.post(f"/v1/follow-ups/{cid}/after-training",
                                json={"outcome": "employed", "on": str(TODAY), "same_employer": True})  # fmt: skip
    assert late.status_code == 422 and late.json()["errors"][0]["pointer"] == "#/planned_arrival_on"
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert future.status_code == 422 and departed.json()["status"] == "departed"
    assert arrived.json()["status"] == "arrived" and repeat.status_code == 200
    assert bad_land.status_code == 422 and permit.status_code == 422
    assert issued.json()["permit_valid_until"] == str(TODAY + timedelta(days=1000))
    assert probation.json()["status"] == "in_training" and interim.json()["interim_exam_passed"] is True
    assert final.json()["status"] == "completed" and employed.json()["status"] == "employed"
    events = await outbox(settings, cid)
    assert [e["type"] for e in events] == [
        "predeparture_completed", "departed", "arrival_confirmed", "address_registered", "arrival_step_recorded",
        "arrival_step_recorded", "arrival_step_recorded", "training_started", "residence_permit_issued",
        "probation_passed",
        "exam_result_recorded", "exam_result_recorded", "training_completed", "employed_as_skilled_worker",
    ]  # fmt: skip
    assert all(e["employer_id"] == case["employer_id"] for e in events)


async def test_a_check_in_with_signals_puts_the_placement_at_risk_and_asks_for_a_review(
    app: Any, settings: MonitoringSettings
) -> None:
    async with client(app) as c:
        case = await arrive(app, c)
        cid = case["candidate_id"]
        low = await c.post(f"/v1/follow-ups/{cid}/checkins", json={"held_on": str(TODAY)})
        high = await c.post(f"/v1/follow-ups/{cid}/checkins",
                            json={"held_on": str(TODAY), "signals": ["PAY", "HOUSING"]})  # fmt: skip
        unknown = await c.post(f"/v1/follow-ups/{cid}/checkins", json={"held_on": str(TODAY), "signals": ["BORED"]})
        before = await c.post(f"/v1/follow-ups/{cid}/checkins", json={"held_on": str(TODAY - timedelta(days=1))})
        listed = (await c.get(f"/v1/follow-ups/{cid}/checkins")).json()
        tasks = (await c.get("/v1/follow-up-tasks", params={"candidate_id": cid, "task": "risk_review"})).json()
        at_risk = (await c.get("/v1/follow-ups", params={"risk_level": "high"})).json()["items"]
    assert low.json()["risk_level"] == "low" and high.json()["risk_level"] == "high"
    assert unknown.status_code == 422 and before.status_code == 422
    assert len(listed) == 2 and len(tasks["items"]) == 1
    assert cid in {f["candidate_id"] for f in at_risk}
    risk = [e for e in await outbox(settings, cid) if e["type"] == "placement_at_risk"]
    assert risk == [{**risk[0], "signal": "MULTIPLE_SIGNALS", "severity": "high"}]


async def test_an_early_termination_starts_the_search_and_a_repeat_is_a_2xx(
    app: Any, settings: MonitoringSettings
) -> None:
    async with client(app) as c:
        case = await arrive(app, c)
        cid = case["candidate_id"]
        body = {"terminated_on": str(TODAY), "initiated_by": "employer", "reason_code": "CONFLICT"}
        first = await c.post(f"/v1/follow-ups/{cid}/termination", json=body)
        again = await c.post(f"/v1/follow-ups/{cid}/termination", json=body)
        bad = await c.post(f"/v1/follow-ups/{cid}/termination", json={**body, "reason_code": "BORED"})
    assert first.json()["status"] == "searching" and again.status_code == 200
    assert bad.status_code == 422
    terminated = [e for e in await outbox(settings, cid) if e["type"] == "training_terminated"]
    assert len(terminated) == 1 and terminated[0]["during_probation"] is True


async def test_a_worker_paid_cost_raises_an_alert_that_a_reimbursement_closes(
    app: Any, settings: MonitoringSettings
) -> None:
    async with client(app) as c:
        case = await arrive(app, c)
        cid = case["candidate_id"]
        paid = {"candidate_id": cid, "category": "medical", "amount_cents": 80000, "currency": "MAD", "payer": "worker",
                "payee": "Clinique du Souss", "incurred_on": str(TODAY)}  # fmt: skip
        line = await c.post("/v1/costs", json=paid)
        fine = await c.post("/v1/costs", json={**paid, "payer": "employer", "category": "flight", "currency": "EUR"})
        alerts = (await c.get("/v1/alerts", params={"candidate_id": cid, "status": "open"})).json()["items"]
        before = (await c.get("/v1/costs", params={"candidate_id": cid})).json()
        short = await c.post(
            f"/v1/alerts/{alerts[0]['id']}/close",
            json={"resolution": "REIMBURSED", "closed_on": str(TODAY), "reimbursement_cents": 100},
        )
        closed = await c.post(f"/v1/alerts/{alerts[0]['id']}/close",
                              json={"resolution": "REIMBURSED", "closed_on": str(TODAY)})  # fmt: skip
        again = await c.post(f"/v1/alerts/{alerts[0]['id']}/close",
                             json={"resolution": "REIMBURSED", "closed_on": str(TODAY)})  # fmt: skip
        after = (await c.get("/v1/costs", params={"candidate_id": cid})).json()
        custody = await c.post(
            f"/v1/follow-ups/{cid}/custody",
            json={"document_type": "PASSPORT", "holder": "employer", "recorded_on": str(TODAY)},
        )
        safe = await c.post(
            f"/v1/follow-ups/{cid}/custody",
            json={"document_type": "PASSPORT", "holder": "apprentice", "recorded_on": str(TODAY)},
        )
        log = (await c.get(f"/v1/follow-ups/{cid}/custody")).json()
        bad_currency = await c.post("/v1/costs", json={**paid, "currency": "XYZ"})
    assert line.status_code == 201 and line.json()["amount_mad_cents"] == 80000 and fine.status_code == 201
    assert line.json()["amount_eur_cents"] == round(80000 * 0.0925)
    assert len(alerts) == 1 and alerts[0]["rule"] == "FR-01" and alerts[0]["cost_id"] == line.json()["id"]
    assert before["worker_paid_eur_cents"] == line.json()["amount_eur_cents"]
    assert short.status_code == 422
    assert closed.json()["status"] == "closed" and closed.json()["reimbursement_cost_id"] and again.status_code == 200
    assert after["worker_paid_eur_cents"] == 0 and len(after["items"]) == 3
    assert custody.json()["alert_raised"] is True and safe.json()["alert_raised"] is False and len(log) == 2
    assert bad_currency.status_code == 422
    types = [e["type"] for e in await outbox(settings, cid)]
    assert types.count("fair_recruitment_alert") == 2 and types.count("fair_recruitment_alert_closed") == 1
    assert types.count("cost_recorded") == 3 and types.count("document_custody_recorded") == 2


async def test_grievances_keep_the_account_out_of_events_and_escalate_when_not_acknowledged(
    app: Any, settings: MonitoringSettings
) -> None:
    story = "Mein Chef behält meinen Pass und zahlt nicht pünktlich."
    async with client(app) as c:
        case = await arrive(app, c)
        cid = case["candidate_id"]
        body = {"candidate_id": cid, "category": "PAY", "language": "de", "summary": story, "opened_on": str(TODAY)}
        opened = await c.post("/v1/grievances", json=body)
        old = await c.post("/v1/grievances", json={**body, "opened_on": str(TODAY - timedelta(days=30))})
        ack = await c.post(
            f"/v1/grievances/{opened.json()['id']}/status", json={"status": "acknowledged", "on": str(TODAY)}
        )
        no_code = await c.post(
            f"/v1/grievances/{opened.json()['id']}/status", json={"status": "resolved", "on": str(TODAY)}
        )
        resolved = await c.post(
            f"/v1/grievances/{opened.json()['id']}/status",
            json={"status": "resolved", "on": str(TODAY), "resolution_code": "PAY_CORRECTED"},
        )
        back = await c.post(
            f"/v1/grievances/{opened.json()['id']}/status", json={"status": "escalated", "on": str(TODAY)}
        )
        escalated = await escalate_overdue(app.state.ctx)
        early = await c.post("/v1/grievances", json={**body, "candidate_id": str(uuid.uuid4())})
        listed = (await c.get("/v1/grievances", params={"candidate_id": cid})).json()["items"]
    async with client(app, "operator", "ops-1") as c:
        operator_read = await c.get(f"/v1/grievances/{opened.json()['id']}")
    assert opened.status_code == 201 and opened.json()["summary"] == story
    assert early.status_code == 201, "a grievance may come before any follow-up (recruitment, training)"
    assert ack.json()["status"] == "acknowledged" and no_code.status_code == 422
    assert resolved.json()["resolution_code"] == "PAY_CORRECTED" and back.status_code == 409
    assert escalated >= 1
    assert {g["id"]: g["status"] for g in listed}[old.json()["id"]] == "escalated"
    assert all("summary" not in g for g in listed) and operator_read.status_code == 403
    events = [e for e in await outbox(settings, cid) if e["type"] == "grievance_updated"]
    assert [e["status"] for e in events] == ["open", "open", "acknowledged", "resolved", "escalated"]
    assert [e["changed_on"] for e in events[:2]] == [str(TODAY), str(TODAY - timedelta(days=30))], "the facts' days"
    assert story not in json.dumps(events) and all("employer_id" not in e for e in events)


OFFICER = {"case_officer"}
READERS = {"case_officer", "operator", "service"}
JOURNEY = {"case_officer", "service"}
STATISTICS = {"analyst", "operator", "case_officer"}
ROUTES = [
    ("POST", "/v1/predeparture", JOURNEY),
    ("POST", "/v1/follow-up-tasks", JOURNEY),
    ("GET", "/v1/follow-up-tasks", READERS),
    ("POST", "/v1/follow-up-tasks/{x}/done", OFFICER),
    ("GET", "/v1/follow-ups", READERS),
    ("GET", "/v1/follow-ups/{x}", READERS),
    ("POST", "/v1/follow-ups/{x}/predeparture", OFFICER),
    ("POST", "/v1/follow-ups/{x}/departure", OFFICER),
    ("POST", "/v1/follow-ups/{x}/arrival", OFFICER),
    ("POST", "/v1/follow-ups/{x}/arrival-steps", OFFICER),
    ("POST", "/v1/follow-ups/{x}/checkins", OFFICER),
    ("GET", "/v1/follow-ups/{x}/checkins", READERS),
    ("POST", "/v1/follow-ups/{x}/probation", OFFICER),
    ("POST", "/v1/follow-ups/{x}/termination", OFFICER),
    ("POST", "/v1/follow-ups/{x}/exams", OFFICER),
    ("POST", "/v1/follow-ups/{x}/after-training", OFFICER),
    ("POST", "/v1/follow-ups/{x}/earnings", OFFICER),
    ("POST", "/v1/follow-ups/{x}/custody", OFFICER),
    ("GET", "/v1/follow-ups/{x}/custody", READERS),
    ("POST", "/v1/costs", OFFICER),
    ("GET", "/v1/costs", READERS),
    ("GET", "/v1/alerts", READERS),
    ("POST", "/v1/alerts/{x}/close", OFFICER),
    ("POST", "/v1/grievances", OFFICER),
    ("GET", "/v1/grievances", READERS),
    ("GET", "/v1/grievances/{x}", OFFICER),
    ("POST", "/v1/grievances/{x}/status", OFFICER),
    ("GET", "/v1/indicators", STATISTICS),
    ("GET", "/v1/indicators/{x}", STATISTICS),
    ("GET", "/v1/exports/{x}.csv", STATISTICS),
    ("GET", "/v1/exports/icls.sdmx.csv", STATISTICS),
]


def test_the_role_table_covers_every_route() -> None:
    from services.monitoring.routes import router
    from services.monitoring.statistics_routes import router as statistics

    served = {(sorted(r.methods)[0], re.sub(r"\{[a-z_]+\}", "{x}", r.path))  # type: ignore[attr-defined]
              for r in (*router.routes, *statistics.routes)}  # fmt: skip
    assert served == {(m, p) for m, p, _ in ROUTES}


@pytest.mark.parametrize(("method", "path", "allowed"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
async def test_every_endpoint_admits_its_roles_only(app: Any, method: str, path: str, allowed: set[str]) -> None:
    """An analyst reaches statistics only (never a candidate id); employers and trainers reach nothing here."""
    path = path.replace("{x}", "funnel" if "/indicators/" in path or "/exports/" in path else str(uuid.uuid4()))
    for role in ("case_officer", "employer", "operator", "analyst", "trainer", "service"):
        extra = {"employer_id": str(uuid.uuid4())} if role == "employer" else {}
        extra |= {"provider": "goethe"} if role == "trainer" else {}
        headers = auth(role, f"{role}-1", **extra)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://m", headers=headers) as c:
            response = await c.request(method, path, json={})
        if role in allowed:
            assert response.status_code not in (401, 403), (role, response.text)
        else:
            assert response.status_code == 403, (role, response.status_code)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://m") as anonymous:
        assert (await anonymous.request(method, path, json={})).status_code == 401


async def test_indicators_read_the_read_models_with_filters_and_never_name_anyone(app: Any) -> None:
    async with app.state.ctx.sessions() as session:
        people = [PersonStatsRecord(candidate_id=uuid.uuid4(), applied_on=TODAY - timedelta(days=300), eligible=True,
                                    sex="F" if i < 6 else "M", region="souss-massa", occupation="29302",
                                    programme_id="thamm-ausbildung", terminations=[], held_days={}, periods={},
                                    arrived_on=TODAY - timedelta(days=10) if i < 5 else None, land="DE-BY")
                  for i in range(9)]  # fmt: skip
        session.add_all(people)
        await session.commit()
    async with client(app, "analyst", "analyst-1") as c:
        names = (await c.get("/v1/indicators")).json()
        everyone = (await c.get("/v1/indicators/funnel")).json()
        women = (await c.get("/v1/indicators/funnel", params={"sex": "F"})).json()
        men = (await c.get("/v1/indicators/funnel", params={"sex": "M"})).json()
        bad = await c.get("/v1/indicators/funnel", params={"sex": "Q"})
        unknown = await c.get("/v1/indicators/happiness")
        every = {n["name"]: (await c.get(f"/v1/indicators/{n['name']}")).json() for n in names["indicators"]}
        exported = await c.get("/v1/exports/funnel.csv", params={"sex": "F"})
        sdmx = await c.get("/v1/exports/icls.sdmx.csv")
    stage = {r["stage"]: r for r in everyone["figures"]}
    assert stage["applicants"]["count"]["value"] >= 9
    women_stage = {r["stage"]: r for r in women["figures"]}
    assert women_stage["applicants"]["count"]["value"] == 6 and women["filters"] == {"sex": "F"}
    assert women_stage["arrived"]["count"]["value"] == 5
    assert {r["stage"]: r for r in men["figures"]}["applicants"]["count"]["suppressed"] is True
    assert bad.status_code == 422 and unknown.status_code == 404
    assert set(every) == {"funnel", "durations", "language", "retention", "sdg-10-7-1", "icls", "places"}
    text = json.dumps(every)
    assert not any(str(p.candidate_id) in text for p in people), "no candidate id in statistics"
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert "applicants,6," in exported.text
    assert sdmx.text.startswith("DATAFLOW,REF_AREA")
