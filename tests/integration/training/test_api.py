"""The training API against real PostgreSQL: cohorts, enrolment and the waiting list, attendance, exams per
module, certificates, dropout; every endpoint's roles; a trainer sees only their provider's cohorts."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from services.training.config import TrainingSettings
from tests.support.helpers import auth, outbox_events

pytestmark = pytest.mark.integration

START = date.today() + timedelta(days=30)


def client(app: Any, role: str = "case_officer", subject: str = "officer-1", **kw: Any) -> httpx.AsyncClient:
    headers = auth(role, subject, **kw)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://training", headers=headers)


async def events(settings: TrainingSettings, candidate_id: object) -> list[str]:
    return [event["type"] for event in await outbox_events(settings, candidate_id)]


def cohort_body(site: str = "goethe-rabat", capacity: int = 10, **kw: Any) -> dict[str, Any]:
    return {
        "site": site, "starts_on": str(START), "weeks": 26, "hours_per_week": 25, "total_hours": 600,
        "capacity": capacity, "target_level": "B1", "trainers": ["trainer-1"], **kw,
    }  # fmt: skip


def enrol_body(region: str = "rabat-sale-kenitra", **kw: Any) -> dict[str, Any]:
    return {"candidate_id": str(uuid.uuid4()), "occupation_code": "29302", "region": region, **kw}


async def plan(app: Any, **kw: Any) -> dict[str, Any]:
    async with client(app) as officer:
        response = await officer.post("/v1/cohorts", json=cohort_body(**kw))
    assert response.status_code == 201, response.text
    return response.json()


async def enrol(app: Any, **kw: Any) -> dict[str, Any]:
    async with client(app, "service", "journey-worker") as journey:
        response = await journey.post("/v1/enrolments", json=enrol_body(**kw))
    assert response.status_code == 201, response.text
    return response.json()


async def test_the_journey_enrols_and_a_repeat_is_the_same_enrolment(app: Any, settings: TrainingSettings) -> None:
    cohort = await plan(app, site="osd-tanger")
    body = enrol_body("tanger-tetouan-al-hoceima")
    async with client(app, "service", "journey-worker") as journey:
        key = {"Idempotency-Key": f"journey-{body['candidate_id']}:enrol"}
        first = await journey.post("/v1/enrolments", json=body, headers=key)
        assert first.status_code == 201, first.text
        assert first.json()["cohort_id"] == cohort["id"] and first.json()["starts_on"] == str(START)
        again = await journey.post("/v1/enrolments", json=body, headers=key)
        assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
        no_key = await journey.post("/v1/enrolments", json=body)
        assert no_key.status_code == 200 and no_key.json()["enrolment_id"] == first.json()["enrolment_id"]
    assert await events(settings, body["candidate_id"]) == ["enrolled"]


async def test_without_a_free_place_the_candidate_waits_and_a_new_cohort_enrols_them(
    app: Any, settings: TrainingSettings
) -> None:
    waiting = await enrol(app, region="dakhla-oued-ed-dahab", target_level="A2")
    assert waiting["status"] == "waiting" and waiting["cohort_id"] is None
    cohort = await plan(app, site="telc-agadir", target_level="A2", capacity=1)
    async with client(app) as officer:
        enrolment = (await officer.get(f"/v1/enrolments/{waiting['enrolment_id']}")).json()
    assert enrolment["status"] == "enrolled" and enrolment["cohort_id"] == cohort["id"]
    assert await events(settings, enrolment["candidate_id"]) == ["enrolment_waitlisted", "enrolled"]
    full = await enrol(app, region="souss-massa", target_level="A2")
    assert full["status"] == "waiting", "the cohort had one place"


async def test_a_trainer_sees_and_teaches_only_their_providers_cohorts(app: Any) -> None:
    goethe = await plan(app, site="goethe-casablanca")
    telc = await plan(app, site="telc-fes")
    async with client(app, "trainer", "trainer-goethe", provider="goethe") as trainer:
        assert (await trainer.get(f"/v1/cohorts/{goethe['id']}")).status_code == 200
        assert (await trainer.get(f"/v1/cohorts/{telc['id']}")).status_code == 404
        listed = (await trainer.get("/v1/cohorts", params={"limit": 200})).json()["items"]
        assert listed and {c["provider"] for c in listed} == {"goethe"}
        session = {"held_on": str(START), "hours": 3, "attendance": []}
        assert (await trainer.post(f"/v1/cohorts/{telc['id']}/sessions", json=session)).status_code == 404
        assert (await trainer.post("/v1/cohorts", json=cohort_body())).status_code == 403


async def test_attendance_per_period_and_the_threshold(app: Any, settings: TrainingSettings) -> None:
    cohort = await plan(app, site="osd-marrakech", capacity=2)
    a = await enrol(app, region="marrakech-safi")
    b = await enrol(app, region="marrakech-safi")
    assert a["cohort_id"] == b["cohort_id"] == cohort["id"]
    async with client(app, "trainer", "trainer-osd", provider="osd") as trainer:
        for day, present_b in ((0, True), (1, False), (2, False)):
            response = await trainer.post(
                f"/v1/cohorts/{cohort['id']}/sessions",
                json={"held_on": str(START + timedelta(days=day)), "hours": 4, "attendance": [
                    {"enrolment_id": a["enrolment_id"], "present": True},
                    {"enrolment_id": b["enrolment_id"], "present": present_b}]},
            )  # fmt: skip
            assert response.status_code == 201, response.text
        rate = await trainer.get(
            f"/v1/enrolments/{b['enrolment_id']}/attendance", params={"period_end": str(START + timedelta(days=2))}
        )
        assert rate.json()["sessions_held"] == 3 and rate.json()["sessions_attended"] == 1
        assert rate.json()["below_threshold"] is True
        stranger = {"held_on": str(START + timedelta(days=3)), "hours": 4,
                    "attendance": [{"enrolment_id": str(uuid.uuid4()), "present": True}]}  # fmt: skip
        refused = await trainer.post(f"/v1/cohorts/{cohort['id']}/sessions", json=stranger)
        assert refused.status_code == 409 and refused.json()["type"].endswith("/not-in-cohort")
    async with client(app) as officer:
        candidate_b = (await officer.get(f"/v1/enrolments/{b['enrolment_id']}")).json()["candidate_id"]
    kinds = await events(settings, candidate_b)
    assert kinds.count("attendance_recorded") == 3
    assert kinds.count("attendance_below_threshold") == 1, "published when the rate falls under, not at every session"


def results(*failed: str) -> dict[str, Any]:
    modules = ("reading", "listening", "writing", "speaking")
    return {m: {"score": 30 if m in failed else 80, "max_score": 100, "passed": m not in failed} for m in modules}


async def register(officer: httpx.AsyncClient, enrolment_id: str, provider: str = "goethe", **kw: Any) -> str:
    body = {"enrolment_id": enrolment_id, "provider": provider, "level": "B1", "sitting_on": str(START),
            "fee_amount": "2300.00", "fee_currency": "MAD", "fee_payer": "programme", **kw}  # fmt: skip
    response = await officer.post("/v1/exams", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_a_modular_exam_passed_over_two_sittings(app: Any, settings: TrainingSettings) -> None:
    await plan(app, site="goethe-rabat")
    enrolment = await enrol(app)
    async with client(app) as officer:
        first = await register(officer, enrolment["enrolment_id"])
        failed = await officer.post(f"/v1/exams/{first}/results", json=results("writing"))
        assert failed.status_code == 200, failed.text
        assert (await officer.post(f"/v1/exams/{first}/results", json=results())).status_code == 409
        second = await register(officer, enrolment["enrolment_id"], sitting_on=str(START + timedelta(days=30)))
        await officer.post(f"/v1/exams/{second}/results", json=results("reading", "speaking"))
        record = (await officer.get(f"/v1/enrolments/{enrolment['enrolment_id']}")).json()
        assert record["requirement_met_on"] == str(START + timedelta(days=30))
        book = (await officer.get(f"/v1/enrolments/{enrolment['enrolment_id']}/exams")).json()
        assert [e["fee_payer"] for e in book["exams"]] == ["programme", "programme"]
    kinds = await events(settings, record["candidate_id"])
    assert kinds == ["enrolled", "exam_registered", "exam_failed", "exam_registered", "exam_passed"]


async def test_a_non_alte_exam_never_meets_the_requirement_and_the_candidate_never_pays(
    app: Any, settings: TrainingSettings
) -> None:
    await plan(app, site="goethe-rabat")
    enrolment = await enrol(app)
    async with client(app) as officer:
        exam = await register(officer, enrolment["enrolment_id"], provider="local-school")
        await officer.post(f"/v1/exams/{exam}/results", json=results())
        body = {"enrolment_id": enrolment["enrolment_id"], "provider": "goethe", "sitting_on": str(START),
                "fee_amount": "10.00", "fee_currency": "MAD", "fee_payer": "candidate"}  # fmt: skip
        refused = await officer.post("/v1/exams", json=body)
        assert refused.status_code == 422 and refused.json()["errors"][0]["pointer"] == "#/fee_payer"
        record = (await officer.get(f"/v1/enrolments/{enrolment['enrolment_id']}")).json()
    assert record["requirement_met_on"] is None
    assert (await events(settings, record["candidate_id"]))[-1] == "exam_failed"


async def test_certificates_are_verified_with_their_provider(app: Any, settings: TrainingSettings) -> None:
    await plan(app, site="goethe-rabat")
    enrolment = await enrol(app)
    async with client(app) as officer:
        body = {"enrolment_id": enrolment["enrolment_id"], "provider": "goethe", "number": "GI-2027-0042",
                "level": "B1", "issued_on": str(START)}  # fmt: skip
        certificate = (await officer.post("/v1/certificates", json=body)).json()
        assert certificate["verification"] == "unverified"
        url = f"/v1/certificates/{certificate['id']}/verification"
        assert (await officer.post(url, json={"status": "verified"})).json()["verification"] == "verified"
        assert (await officer.post(url, json={"status": "verified"})).status_code == 200
    async with client(app) as officer:
        enrolment_candidate = (await officer.get(f"/v1/enrolments/{enrolment['enrolment_id']}")).json()["candidate_id"]
    kinds = await events(settings, enrolment_candidate)
    assert kinds.count("certificate_verification_changed") == 2


async def test_dropout_cancel_and_intercultural_module(app: Any, settings: TrainingSettings) -> None:
    await plan(app, site="goethe-rabat")
    left, withdrawn = await enrol(app), await enrol(app)
    async with client(app) as officer:
        path = f"/v1/enrolments/{left['enrolment_id']}"
        done = await officer.post(f"{path}/intercultural-module", json={"completed_on": str(START)})
        assert done.json()["intercultural_completed_on"] == str(START)
        dropped = await officer.post(f"{path}/dropout", json={"dropped_on": str(START), "reason_code": "ABSENCE"})
        assert dropped.json()["status"] == "dropped_out"
        bad = await officer.post(f"{path}/dropout", json={"dropped_on": str(START), "reason_code": "HEALTH"})
        assert bad.status_code == 422
    async with client(app, "service", "journey-worker") as journey:
        cancel = f"/v1/enrolments/{withdrawn['enrolment_id']}/cancel"
        first = await journey.post(cancel, json={"reason_code": "CANDIDATE_WITHDREW"})
        again = await journey.post(cancel, json={"reason_code": "CANDIDATE_WITHDREW"})
        assert first.json() == {"cancelled": True} and again.status_code == 200 and again.json() == {"cancelled": False}


ENDPOINTS = [  # (method, path, roles allowed)
    ("POST", "/v1/cohorts", {"case_officer"}),
    ("GET", "/v1/cohorts", {"case_officer", "trainer", "operator"}),
    ("POST", "/v1/enrolments", {"service", "case_officer"}),
    ("GET", "/v1/enrolments", {"case_officer", "trainer", "operator", "service"}),
    ("POST", "/v1/exams", {"case_officer"}),
    ("POST", "/v1/certificates", {"case_officer"}),
    ("POST", "/v1/exams/{uuid}/results", {"case_officer", "trainer"}),
    ("POST", "/v1/enrolments/{uuid}/dropout", {"case_officer"}),
    ("POST", "/v1/enrolments/{uuid}/cancel", {"case_officer", "service"}),
    ("POST", "/v1/enrolments/{uuid}/level-assessments", {"case_officer", "trainer"}),
    ("GET", "/v1/enrolments/{uuid}/attendance", {"case_officer", "trainer"}),
    ("POST", "/v1/certificates/{uuid}/verification", {"case_officer"}),
    ("GET", "/v1/cohorts/C-2027-01-NOWHERE-0000", {"case_officer", "trainer", "operator"}),
    ("PATCH", "/v1/cohorts/C-2027-01-NOWHERE-0000", {"case_officer"}),
    ("POST", "/v1/cohorts/C-2027-01-NOWHERE-0000/status", {"case_officer"}),
    ("POST", "/v1/cohorts/C-2027-01-NOWHERE-0000/sessions", {"case_officer", "trainer"}),
    ("GET", "/v1/enrolments/{uuid}", {"case_officer", "trainer", "operator", "service"}),
    ("POST", "/v1/enrolments/{uuid}/intercultural-module", {"case_officer", "trainer"}),
    ("GET", "/v1/enrolments/{uuid}/exams", {"case_officer", "trainer"}),
]
ROLES = ("case_officer", "trainer", "operator", "analyst", "service", "employer")


@pytest.mark.parametrize(("method", "path", "allowed"), ENDPOINTS)
async def test_every_endpoint_checks_the_role_first(app: Any, method: str, path: str, allowed: set[str]) -> None:
    url = path.replace("{uuid}", str(uuid.uuid4()))
    for role in ROLES:
        extra = {"employer_id": str(uuid.uuid4())} if role == "employer" else {}
        async with client(app, role, f"{role}-1", **extra) as caller:
            response = await caller.request(method, url, json={} if method == "POST" else None)
        if role in allowed:
            assert response.status_code not in (401, 403), (role, method, path, response.text)
        else:
            assert response.status_code == 403, (role, method, path, response.status_code)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://training") as anonymous:
        assert (await anonymous.request(method, url)).status_code == 401


async def test_recording_a_session_again_corrects_the_register(app: Any) -> None:
    cohort = await plan(app, site="goethe-rabat", capacity=3, starts_on=str(START + timedelta(days=3)))
    async with client(app) as officer:
        found = (await officer.get("/v1/enrolments", params={"cohort_id": cohort["id"]})).json()["items"]
        assert found == []
    enrolment = await enrol(app, region="rabat-sale-kenitra")
    async with client(app) as officer:
        enrolment = (await officer.get(f"/v1/enrolments/{enrolment['enrolment_id']}")).json()
        url = f"/v1/cohorts/{enrolment['cohort_id']}/sessions"
        day = {"held_on": str(START + timedelta(days=60)), "hours": 4}
        first = await officer.post(
            url, json={**day, "attendance": [{"enrolment_id": enrolment["id"], "present": False}]}
        )
        again = await officer.post(
            url, json={**day, "attendance": [{"enrolment_id": enrolment["id"], "present": True}]}
        )
        assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
        params = {"period_end": str(START + timedelta(days=60)), "days": 1}
        rate = (await officer.get(f"/v1/enrolments/{enrolment['id']}/attendance", params=params)).json()
    assert rate["sessions_attended"] == 1 and rate["sessions_held"] == 1


async def test_cohort_lifecycle_and_cancellation_returns_candidates_to_the_waiting_list(app: Any) -> None:
    cohort = await plan(app, site="goethe-casablanca", target_level="B2", capacity=2)
    enrolment = await enrol(app, region="casablanca-settat", target_level="B2")
    assert enrolment["cohort_id"] == cohort["id"]
    async with client(app) as officer:
        url = f"/v1/cohorts/{cohort['id']}/status"
        assert (await officer.post(url, json={"status": "ended"})).status_code == 409  # planned cannot end
        assert (await officer.patch(f"/v1/cohorts/{cohort['id']}", json={"capacity": 5})).json()["capacity"] == 5
        cancelled = await officer.post(url, json={"status": "cancelled"})
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        again = await officer.post(url, json={"status": "cancelled"})
        assert again.status_code == 200, "already done is a 2xx"
        moved = (await officer.get(f"/v1/enrolments/{enrolment['enrolment_id']}")).json()
    assert moved["status"] == "waiting" and moved["cohort_id"] is None


async def test_a_cursor_that_decodes_to_nonsense_is_a_400(app: Any) -> None:
    import base64
    import json

    forged = base64.urlsafe_b64encode(json.dumps(["not-a-date", "x"]).encode()).decode().rstrip("=")
    async with client(app) as officer:
        for path in ("/v1/cohorts", "/v1/enrolments"):
            response = await officer.get(path, params={"cursor": forged})
            assert response.status_code == 400 and response.json()["type"].endswith("/invalid-cursor"), path
