"""The visa API against real PostgreSQL: opening (a repeat is the same case), the checklist, the BA's approval
(granted, refused and resubmitted, deemed), the §81a path, appointment, lodging, decision, a new application
and a court action after a refusal, collection, cancellation, cost lines with their payers, every role."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.visa.config import VisaSettings
from services.visa.domain import add_months
from tests.support.helpers import auth
from tests.support.helpers import outbox_events as events

pytestmark = pytest.mark.integration

TODAY = datetime.now(UTC).date()
ENTRY = date(TODAY.year + 1, 8, 1)
REQUIRED = ["BAC", "CV_DE", "FUNDS_PROOF", "HEALTH_INS", "LANG_CERT", "MOTIVATION", "PHOTOS", "SCHOOL_REG",
            "START_CONFIRM"]  # fmt: skip


def client(app: Any, role: str = "case_officer", subject: str = "visa-officer-1") -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://visa", headers=auth(role, subject)
    )


async def open_case(app: Any, accelerated: bool = False, **kw: Any) -> dict[str, Any]:
    body = {
        "candidate_id": str(uuid.uuid4()), "contract_id": str(uuid.uuid4()), "employer_id": str(uuid.uuid4()),
        "accelerated": accelerated, "planned_entry_on": str(ENTRY), **kw,
    }  # fmt: skip
    async with client(app, "service", "journey-worker") as c:
        response = await c.post("/v1/visa-cases", json=body, headers={"Idempotency-Key": f"open-{uuid.uuid4()}"})
    assert response.status_code == 201, response.text
    return {**body, **response.json()}


async def complete_checklist(c: httpx.AsyncClient, case_id: str) -> dict[str, Any]:
    for code in REQUIRED:
        response = await c.put(f"/v1/visa-cases/{case_id}/checklist/{code}", json={"status": "verified"})
        assert response.status_code == 200, response.text
    passport = {"status": "verified", "passport_valid_until": str(ENTRY + timedelta(days=800))}
    response = await c.put(f"/v1/visa-cases/{case_id}/checklist/PASSPORT", json=passport)
    assert response.status_code == 200, response.text
    return response.json()


async def approve(c: httpx.AsyncClient, case_id: str, attempt: int = 1) -> None:
    body = {"attempt": attempt, "outcome": "granted", "decided_on": str(TODAY)}
    response = await c.post(f"/v1/visa-cases/{case_id}/labour-approval/decision", json=body)
    assert response.status_code == 200, response.text


async def request_approval(app: Any, case: dict[str, Any], version: int = 1, **kw: Any) -> httpx.Response:
    async with client(app, "service", "journey-worker") as c:
        body = {"candidate_id": case["candidate_id"], "contract_version": version, **kw}
        return await c.post(f"/v1/visa-cases/{case['visa_case_id']}/labour-approval/requests", json=body)


async def test_the_journey_opens_a_case_and_a_repeat_is_the_same_case(app: Any, settings: VisaSettings) -> None:
    case = await open_case(app)
    assert case["consulate"] == "rabat"
    async with client(app, "service", "journey-worker") as c:
        again = await c.post(
            "/v1/visa-cases", json={k: case[k] for k in ("candidate_id", "contract_id", "employer_id")}
        )
        other = await c.post(
            "/v1/visa-cases",
            json={**{k: case[k] for k in ("candidate_id", "employer_id")}, "contract_id": str(uuid.uuid4())},
        )
    assert again.status_code == 200 and again.json()["visa_case_id"] == case["visa_case_id"]
    assert other.status_code == 409 and other.json()["type"].endswith("/case-conflict")
    async with client(app) as c:
        read = (await c.get(f"/v1/visa-cases/{case['visa_case_id']}")).json()
        checklist = (await c.get(f"/v1/visa-cases/{case['visa_case_id']}/checklist")).json()
    assert read["status"] == "opened" and read["approval_status"] == "not_requested"
    assert not checklist["complete"] and "PASSPORT" in checklist["missing"]
    items = {i["code"]: i for i in checklist["items"]}
    assert items["TRAINING_CONTRACT"]["status"] == "verified" and items["PREAPPROVAL_81A"]["status"] == "not_needed"
    opened = [e for e in await events(settings, case["candidate_id"]) if e["type"] == "visa_case_opened"]
    assert len(opened) == 1 and opened[0]["employer_id"] == case["employer_id"]


async def test_the_checklist_needs_every_required_item_verified_and_a_long_enough_passport(
    app: Any, settings: VisaSettings
) -> None:
    case = await open_case(app)
    case_id = case["visa_case_id"]
    async with client(app) as c:
        short = await c.put(
            f"/v1/visa-cases/{case_id}/checklist/PASSPORT",
            json={"status": "verified", "passport_valid_until": str(ENTRY + timedelta(days=200))},
        )
        no_date = await c.put(f"/v1/visa-cases/{case_id}/checklist/PASSPORT", json={"status": "verified"})
        no_reason = await c.put(f"/v1/visa-cases/{case_id}/checklist/PHOTOS", json={"status": "rejected"})
        rejected = await c.put(
            f"/v1/visa-cases/{case_id}/checklist/PHOTOS", json={"status": "rejected", "reason_code": "ILLEGIBLE"}
        )
        complete = await complete_checklist(c, case_id)
        reopened = await c.put(
            f"/v1/visa-cases/{case_id}/checklist/HEALTH_INS", json={"status": "rejected", "reason_code": "EXPIRED"}
        )
    assert short.status_code == 422 and short.json()["type"].endswith("/passport-validity")
    assert no_date.status_code == 422 and no_reason.status_code == 422
    assert rejected.status_code == 200 and "PHOTOS" in rejected.json()["missing"]
    assert complete["complete"] and complete["missing"] == []
    items = {i["code"]: i for i in complete["items"]}
    assert items["PASSPORT"]["changed_by"] == "visa-officer-1"
    assert reopened.json()["missing"] == ["HEALTH_INS"]
    completed = [e for e in await events(settings, case["candidate_id"]) if e["type"] == "checklist_completed"]
    assert len(completed) == 1
    assert "passport_valid_until" not in json.dumps(await events(settings, case["candidate_id"]))


async def test_standard_path_from_approval_to_collected_visa(app: Any, settings: VisaSettings) -> None:
    case = await open_case(app)
    case_id = case["visa_case_id"]
    first = await request_approval(app, case)
    repeat = await request_approval(app, case)
    assert first.status_code == 201 and first.json() == {"attempt": 1, "status": "requested"}
    assert repeat.status_code == 200 and repeat.json()["attempt"] == 1
    async with client(app, "service", "authorities-simulator") as authority, client(app) as officer:
        await approve(authority, case_id)
        case_now = (await officer.get(f"/v1/visa-cases/{case_id}")).json()
        assert case_now["status"] == "appointment_requested" and case_now["approval_status"] == "granted"
        at = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0)
        booked = await authority.post(f"/v1/visa-cases/{case_id}/appointment", json={"appointment_at": at.isoformat()})
        assert booked.status_code == 200, booked.text
        lodgement = {"lodged_on": str(TODAY), "visa_fee_payer": "employer"}
        incomplete = await authority.post(f"/v1/visa-cases/{case_id}/lodgement", json=lodgement)
        assert incomplete.status_code == 409 and "PASSPORT" in incomplete.json()["missing"]
        await complete_checklist(officer, case_id)
        lodged = await authority.post(f"/v1/visa-cases/{case_id}/lodgement", json=lodgement)
        assert lodged.status_code == 200 and lodged.json()["status"] == "lodged"
        assert lodged.json()["decision_due_on"] == str(TODAY + timedelta(days=70))
        bad_grant = await authority.post(
            f"/v1/visa-cases/{case_id}/decision", json={"outcome": "granted", "decided_on": str(TODAY)}
        )
        assert bad_grant.status_code == 422
        grant = {"outcome": "granted", "decided_on": str(TODAY), "valid_from": str(TODAY),
                 "valid_until": str(TODAY + timedelta(days=180))}  # fmt: skip
        granted = await authority.post(f"/v1/visa-cases/{case_id}/decision", json=grant)
        again = await authority.post(f"/v1/visa-cases/{case_id}/decision", json=grant)
        collected = await authority.post(f"/v1/visa-cases/{case_id}/collection", json={"collected_on": str(TODAY)})
        costs = (await officer.get(f"/v1/visa-cases/{case_id}/costs")).json()
    assert granted.status_code == 200 and again.status_code == 200 and collected.json()["status"] == "collected"
    assert costs["total_by_payer"] == {"employer": {"EUR": 7500}}
    names = [e["type"] for e in await events(settings, case["candidate_id"])]
    assert names == [
        "visa_case_opened", "labour_approval_requested", "labour_approval_granted", "appointment_requested",
        "appointment_booked", "checklist_completed", "visa_lodged", "visa_cost_recorded", "visa_granted",
        "visa_collected",
    ]  # fmt: skip


async def test_a_refused_approval_is_resubmitted_with_a_corrected_contract_up_to_the_limit(
    app: Any, settings: VisaSettings
) -> None:
    case = await open_case(app)
    case_id = case["visa_case_id"]
    async with client(app) as officer:
        for attempt in (1, 2, 3):
            response = await request_approval(app, case, version=attempt)
            assert response.status_code == 201 and response.json()["attempt"] == attempt
            pending = await request_approval(app, case, version=attempt + 1)
            assert pending.status_code == 409, "the BA is still deciding"
            refusal = {"attempt": attempt, "outcome": "refused", "decided_on": str(TODAY),
                       "reason_code": "PAY_BELOW_MINIMUM"}  # fmt: skip
            assert (
                await officer.post(f"/v1/visa-cases/{case_id}/labour-approval/decision", json=refusal)
            ).status_code == 200
        same_version = await request_approval(app, case, version=3)
        exhausted = await request_approval(app, case, version=4)
        history = (await officer.get(f"/v1/visa-cases/{case_id}/labour-approval")).json()
    assert same_version.status_code == 200, "a repeat of the last request is the same request"
    assert exhausted.status_code == 409 and exhausted.json()["type"].endswith("/attempts-exhausted")
    assert [(h["attempt"], h["contract_version"], h["status"]) for h in history] == [
        (1, 1, "refused"), (2, 2, "refused"), (3, 3, "refused")
    ]  # fmt: skip
    refused = [e for e in await events(settings, case["candidate_id"]) if e["type"] == "labour_approval_refused"]
    assert [e["attempts_left"] for e in refused] == [2, 1, 0]


async def test_an_unanswered_request_is_deemed_approved_only_after_its_period(app: Any, settings: VisaSettings) -> None:
    late, fresh = await open_case(app), await open_case(app)
    assert (await request_approval(app, late, requested_on=str(TODAY - timedelta(days=15)))).status_code == 201
    assert (await request_approval(app, fresh)).status_code == 201
    async with client(app, "service", "journey-worker") as journey:
        deemed = await journey.post(
            f"/v1/visa-cases/{late['visa_case_id']}/labour-approval/deemed",
            json={"candidate_id": late["candidate_id"], "attempt": 1},
        )
        repeat = await journey.post(
            f"/v1/visa-cases/{late['visa_case_id']}/labour-approval/deemed", json={"attempt": 1}
        )
        early = await journey.post(
            f"/v1/visa-cases/{fresh['visa_case_id']}/labour-approval/deemed", json={"attempt": 1}
        )
        wrong = await journey.post(
            f"/v1/visa-cases/{late['visa_case_id']}/labour-approval/deemed",
            json={"candidate_id": str(uuid.uuid4()), "attempt": 1},
        )
    assert deemed.json() == {"deemed": True} and repeat.json() == {"deemed": False}
    assert early.status_code == 409 and wrong.status_code == 422
    names = [e["type"] for e in await events(settings, late["candidate_id"])]
    assert names[-2:] == ["labour_approval_deemed", "appointment_requested"]
    requested = next(
        e for e in await events(settings, late["candidate_id"]) if e["type"] == "labour_approval_requested"
    )
    assert requested["deemed_on"] == str(TODAY - timedelta(days=1))


async def test_the_accelerated_procedure_agreement_fee_preapproval_and_appointment(
    app: Any, settings: VisaSettings
) -> None:
    standard, case = await open_case(app), await open_case(app, accelerated=True)
    case_id = case["visa_case_id"]
    before = await request_approval(app, case)
    assert before.status_code == 409, "under §81a the agreement comes first"
    async with client(app) as officer, client(app, "service", "authorities-simulator") as authority:
        not_81a = await officer.post(
            f"/v1/visa-cases/{standard['visa_case_id']}/accelerated-procedure",
            json={"agreed_on": str(TODAY), "authority": "abh-muenchen", "fee_payer": "employer"},
        )
        by_candidate = await officer.post(
            f"/v1/visa-cases/{case_id}/accelerated-procedure",
            json={"agreed_on": str(TODAY), "authority": "abh-muenchen", "fee_payer": "candidate"},
        )
        agreed = await officer.post(
            f"/v1/visa-cases/{case_id}/accelerated-procedure",
            json={"agreed_on": str(TODAY), "authority": "abh-muenchen", "fee_payer": "employer"},
        )
        requested = await request_approval(app, case)
        early = await authority.post(f"/v1/visa-cases/{case_id}/preapproval", json={"issued_on": str(TODAY)})
        await approve(authority, case_id)
        assert (await officer.get(f"/v1/visa-cases/{case_id}")).json()["status"] == "opened", "the ABH is next"
        issued = await authority.post(f"/v1/visa-cases/{case_id}/preapproval", json={"issued_on": str(TODAY)})
        costs = (await officer.get(f"/v1/visa-cases/{case_id}/costs")).json()
    assert not_81a.status_code == 409 and not_81a.json()["type"].endswith("/not-accelerated")
    assert by_candidate.status_code == 422
    assert agreed.status_code == 200 and agreed.json()["fee_81a_payer"] == "employer"
    assert requested.status_code == 201 and early.status_code == 409
    assert issued.json()["status"] == "appointment_requested"
    assert costs["items"][0]["category"] == "fee_81a" and costs["total_by_payer"] == {"employer": {"EUR": 41100}}
    evs = {e["type"]: e for e in await events(settings, case["candidate_id"])}
    assert evs["labour_approval_requested"]["deemed_on"] == str(TODAY + timedelta(days=7))
    assert evs["preapproval_issued"]["appointment_due_on"] == str(TODAY + timedelta(days=21))
    assert evs["visa_cost_recorded"]["payer"] == "employer"


async def _refused_case(app: Any, refused_on: date) -> dict[str, Any]:
    case = await open_case(app)
    case_id = case["visa_case_id"]
    await request_approval(app, case)
    async with client(app) as officer:
        await approve(officer, case_id)
        at = datetime.now(UTC).replace(microsecond=0).isoformat()
        assert (
            await officer.post(f"/v1/visa-cases/{case_id}/appointment", json={"appointment_at": at})
        ).status_code == 200
        await complete_checklist(officer, case_id)
        lodge = {"lodged_on": str(refused_on - timedelta(days=3)), "visa_fee_payer": "programme"}
        assert (await officer.post(f"/v1/visa-cases/{case_id}/lodgement", json=lodge)).status_code == 200
        refusal = {"outcome": "refused", "decided_on": str(refused_on), "reason_code": "DOCUMENTS_INCOMPLETE"}
        response = await officer.post(f"/v1/visa-cases/{case_id}/decision", json=refusal)
        assert response.status_code == 200 and response.json()["status"] == "refused"
    return case


async def test_after_a_refusal_a_court_action_within_one_month_or_a_new_application(
    app: Any, settings: VisaSettings
) -> None:
    old, recent = (
        await _refused_case(app, TODAY - timedelta(days=40)),
        await _refused_case(app, TODAY - timedelta(days=3)),
    )
    async with client(app) as officer:
        late = await officer.post(f"/v1/visa-cases/{old['visa_case_id']}/court-action", json={"filed_on": str(TODAY)})
        filed = await officer.post(
            f"/v1/visa-cases/{recent['visa_case_id']}/court-action", json={"filed_on": str(TODAY)}
        )
        court_grant = await officer.post(
            f"/v1/visa-cases/{recent['visa_case_id']}/decision",
            json={"outcome": "granted", "decided_on": str(TODAY), "valid_from": str(TODAY),
                  "valid_until": str(TODAY + timedelta(days=90))},
        )  # fmt: skip
        again = await officer.post(
            f"/v1/visa-cases/{old['visa_case_id']}/reapplication",
            json={"lodged_on": str(TODAY), "visa_fee_payer": "candidate"},
        )
        costs = (await officer.get(f"/v1/visa-cases/{old['visa_case_id']}/costs")).json()
    assert late.status_code == 422 and late.json()["type"].endswith("/period-ended")
    assert filed.json()["status"] == "court_action" and court_grant.json()["status"] == "granted"
    assert again.json()["status"] == "lodged" and again.json()["applications"] == 2
    assert costs["total_by_payer"] == {"programme": {"EUR": 7500}, "candidate": {"EUR": 7500}}
    refused = next(e for e in await events(settings, recent["candidate_id"]) if e["type"] == "visa_refused")
    assert refused["court_action_until"] == str(add_months(TODAY - timedelta(days=3), 1))
    names = [e["type"] for e in await events(settings, old["candidate_id"])]
    assert "reapplication_lodged" in names


async def test_cancel_is_compensation_and_a_repeat_is_a_2xx(app: Any, settings: VisaSettings) -> None:
    case = await open_case(app)
    async with client(app, "service", "journey-worker") as journey:
        url = f"/v1/visa-cases/{case['visa_case_id']}/cancel"
        first = await journey.post(url, json={"candidate_id": case["candidate_id"], "reason_code": "OFFER_WITHDRAWN"})
        repeat = await journey.post(url, json={"candidate_id": case["candidate_id"], "reason_code": "OFFER_WITHDRAWN"})
        bad = await journey.post(url, json={"reason_code": "BECAUSE"})
        reopened = await journey.post(
            "/v1/visa-cases",
            json={
                "candidate_id": case["candidate_id"],
                "contract_id": str(uuid.uuid4()),
                "employer_id": case["employer_id"],
            },
        )
    assert first.json() == {"cancelled": True} and repeat.json() == {"cancelled": False}
    assert bad.status_code == 422
    assert reopened.status_code == 201, "a cancelled case lets the next contract open a new one"
    cancelled = [e for e in await events(settings, case["candidate_id"]) if e["type"] == "visa_case_cancelled"]
    assert len(cancelled) == 1 and cancelled[0]["reason_code"] == "OFFER_WITHDRAWN"


async def test_cost_lines_keep_their_payer_and_the_81a_fee_is_never_the_candidates(app: Any) -> None:
    case = await open_case(app)
    url = f"/v1/visa-cases/{case['visa_case_id']}/costs"
    line = {"category": "translation", "amount_cents": 45000, "currency": "MAD", "payer": "programme",
            "payee": "translator-rabat", "incurred_on": str(TODAY)}  # fmt: skip
    async with client(app) as officer:
        created = await officer.post(url, json=line)
        by_worker = await officer.post(url, json={**line, "payer": "candidate"})
        fee = await officer.post(url, json={**line, "category": "fee_81a", "payer": "candidate"})
        unknown = await officer.post(url, json={**line, "category": "bribe"})
        listed = (await officer.get(url)).json()
    assert created.status_code == 201 and by_worker.status_code == 201, "recorded, and an alert for monitoring"
    assert fee.status_code == 422 and unknown.status_code == 422
    assert listed["total_by_payer"] == {"programme": {"MAD": 45000}, "candidate": {"MAD": 45000}}


async def test_every_endpoint_refuses_the_wrong_roles(app: Any) -> None:
    case = await open_case(app)
    base = f"/v1/visa-cases/{case['visa_case_id']}"
    writes = {
        ("PUT", f"{base}/checklist/PHOTOS"): ("case_officer",),
        ("POST", f"{base}/accelerated-procedure"): ("case_officer",),
        ("POST", f"{base}/reapplication"): ("case_officer",),
        ("POST", f"{base}/court-action"): ("case_officer",),
        ("POST", f"{base}/costs"): ("case_officer",),
        ("POST", "/v1/visa-cases"): ("case_officer", "service"),
        ("POST", f"{base}/cancel"): ("case_officer", "service"),
        ("POST", f"{base}/labour-approval/decision"): ("case_officer", "service"),
        ("POST", f"{base}/decision"): ("case_officer", "service"),
    }
    for (method, url), allowed in writes.items():
        for role in ("employer", "trainer", "operator", "analyst", "case_officer", "service"):
            kw = {"employer_id": str(uuid.uuid4())} if role == "employer" else {}
            headers = auth(role, f"{role}-x", **kw)
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://visa") as c:
                response = await c.request(method, url, json={}, headers=headers)
            expected_refusal = role not in allowed
            assert (response.status_code == 403) == expected_refusal, (method, url, role, response.status_code)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://visa") as anonymous:
        assert (await anonymous.get(base)).status_code == 401
        assert (await anonymous.post("/v1/visa-cases", content=b"not json")).status_code == 401
    async with client(app, "operator", "ops-1") as operator:
        assert (await operator.get(base)).status_code == 200
        assert (await operator.get(f"{base}/checklist")).status_code == 200


async def test_listing_pages_and_filters(app: Any) -> None:
    employer = str(uuid.uuid4())
    made = [await open_case(app, employer_id=employer) for _ in range(3)]
    async with client(app) as officer:
        first = (await officer.get("/v1/visa-cases", params={"employer_id": employer, "limit": 2})).json()
        rest = (
            await officer.get("/v1/visa-cases", params={"employer_id": employer, "cursor": first["next_cursor"]})
        ).json()
        opened = (await officer.get("/v1/visa-cases", params={"employer_id": employer, "status": "granted"})).json()
        bad = await officer.get("/v1/visa-cases", params={"cursor": "nonsense"})
    ids = [c["id"] for c in first["items"] + rest["items"]]
    assert ids == [c["visa_case_id"] for c in made] and rest["next_cursor"] is None
    assert opened["items"] == [] and bad.status_code == 400
