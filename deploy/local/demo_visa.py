"""The demo's visa stage: the journey opens the case, the authorities simulator (fast profile) answers for the
BA, the ABH and the consulate, a GIZ visa officer verifies the documents; a second candidate takes the §81a path."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
from temporalio.client import Client

from deploy.local.demo_training import _ok, poll
from deploy.local.settings import StackSettings
from services.common.auth import dev_token

DOCUMENTS = ("LANG_CERT", "BAC", "CV_DE", "MOTIVATION", "SCHOOL_REG", "START_CONFIRM", "HEALTH_INS", "FUNDS_PROOF",
             "PHOTOS")  # fmt: skip
INDUSTRY = {
    "name": "Präzisionstechnik Spree GmbH",
    "nace_code": "C28.41",
    "sites": [
        {
            "code": "berlin",
            "name": "Werk Berlin-Adlershof",
            "land": "DE-BE",
            "address": {"street": "Rudower Chaussee 30", "postcode": "12489", "city": "Berlin"},
            "chamber": {"kind": "IHK", "name": "IHK Berlin"},
            "agency_district": "Berlin Süd",
            "foreigners_authority": "Landesamt für Einwanderung Berlin",
        }
    ],
    "contacts": [{"name": "Jonas Weber", "role": "Ausbildungsleiter", "email": "ausbildung@spree-praezision.example"}],
    "agreement": {"version": "2026-01", "signed_on": "2026-02-15", "places_committed": 3},
}


def officer(settings: StackSettings, port: int) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {dev_token(subject='demo-visa-officer')}"}
    return httpx.AsyncClient(base_url=f"http://{settings.host}:{port}", timeout=10, headers=headers)


async def grant_everything(settings: StackSettings) -> None:
    """The demo's answers are all positive (the simulator's defaults refuse a few, as authorities do)."""
    async with httpx.AsyncClient(base_url=f"http://{settings.host}:{settings.authorities_port}", timeout=5) as sim:
        for key, days in (("ba", (2, 6)), ("consulate", (10, 30)), ("consulate_81a", (5, 15))):
            rates = {"refusal_rate": 0, "silent_rate": 0, "min_days": days[0], "max_days": days[1]}
            _ok(await sim.put(f"/v1/rates/{key}", json=rates), f"setting the simulator's {key} rates")


async def wait_for_case(visa: httpx.AsyncClient, candidate_id: str, timeout_s: float = 60) -> dict[str, Any]:
    async def look() -> dict[str, Any] | None:
        page = _ok(await visa.get("/v1/visa-cases", params={"candidate_id": candidate_id}), "listing visa cases")
        live = [c for c in page["items"] if c["status"] != "cancelled"]
        return dict(live[0]) if live else None

    return await poll(look, f"no visa case for candidate {candidate_id}", timeout_s)


async def verify_documents(visa: httpx.AsyncClient, case: dict[str, Any], *extra: str) -> dict[str, Any]:
    """A GIZ visa officer verifies each document; the passport by its validity only (the number stays put)."""
    for code in (*DOCUMENTS, *extra):
        _ok(await visa.put(f"/v1/visa-cases/{case['id']}/checklist/{code}", json={"status": "verified"}), code)
    valid = date.fromisoformat(case["planned_entry_on"] or str(date.today())) + timedelta(days=3 * 365)
    passport = {"status": "verified", "passport_valid_until": str(valid)}
    return _ok(await visa.put(f"/v1/visa-cases/{case['id']}/checklist/PASSPORT", json=passport), "the passport")


async def trail(visa: httpx.AsyncClient, case_id: str) -> list[str]:
    approvals: list[dict[str, Any]]
    case = _ok(await visa.get(f"/v1/visa-cases/{case_id}"), "reading the case")
    approvals = (await visa.get(f"/v1/visa-cases/{case_id}/labour-approval")).json()
    costs = _ok(await visa.get(f"/v1/visa-cases/{case_id}/costs"), "reading costs")
    lines: list[str] = [
        f"BA request {a['attempt']} on {a['requested_on']} ({a['authority']}): {a['status']}" for a in approvals
    ]
    if case["preapproval_issued_on"]:
        lines.append(f"§81a pre-approval issued {case['preapproval_issued_on']}, valid until "
                     f"{case['preapproval_valid_until']}")  # fmt: skip
    lines.append(f"appointment {case['appointment_at']} via {case['channel']}, lodged {case['lodged_on']}")
    lines.append(f"visa granted, valid {case['valid_from']} to {case['valid_until']}")
    paid = ", ".join(
        f"{c['category']} {c['amount_cents'] / 100:.2f} {c['currency']} by {c['payer']}" for c in costs["items"]
    )
    lines.append(f"costs: {paid} (nothing paid by the candidate)")
    return lines


async def run_visa(
    client: Client, settings: StackSettings, candidate_id: str, workflow_id: str, step: int, agree_81a: bool = False
) -> None:
    from deploy.local.demo import wait_for_journey

    async with officer(settings, settings.visa_port) as visa:
        case = await wait_for_case(visa, candidate_id)
        kind = "§81a accelerated procedure" if case["accelerated"] else "standard procedure"
        print(f"{step}. the journey opened visa case {case['id']} at the {case['consulate']} consulate ({kind});")
        if agree_81a:
            body = {"agreed_on": str(date.today()), "authority": "abh-berlin", "fee_payer": "employer"}
            _ok(await visa.post(f"/v1/visa-cases/{case['id']}/accelerated-procedure", json=body), "the §81a agreement")
            print("    the employer and the ABH Berlin agreed §81a; the employer pays the €411 fee")
        checklist = await verify_documents(visa, case)
        verified = len([i for i in checklist["items"] if i["status"] == "verified"])
        missing = ", ".join(checklist["missing"]) or "none"
        print(f"    a GIZ visa officer verified {verified} documents (missing: {missing}); the authorities answer")
        if agree_81a:  # the pre-approval is a document of its own once the ABH has issued it
            await wait_for_status(visa, case["id"], ("appointment_requested", "appointment_booked"))
            _ok(await visa.put(f"/v1/visa-cases/{case['id']}/checklist/PREAPPROVAL_81A", json={"status": "verified"}),
                "the pre-approval")  # fmt: skip
        seconds = await wait_for_journey(client, workflow_id, "PRE_DEPARTURE", timeout_s=120)
        for line in await trail(visa, case["id"]):
            print(f"    {line}")
    print(f"{step + 1}. {workflow_id} is PRE_DEPARTURE after {seconds:.2f}s\n")


async def wait_for_status(
    visa: httpx.AsyncClient, case_id: str, statuses: tuple[str, ...], timeout_s: float = 60
) -> None:
    async def look() -> bool | None:
        return _ok(await visa.get(f"/v1/visa-cases/{case_id}"), "reading the case")["status"] in statuses or None

    await poll(look, f"visa case {case_id} did not reach {statuses}", timeout_s)


async def run_second_candidate(
    client: Client, http: httpx.AsyncClient, settings: StackSettings, application: dict[str, str]
) -> None:
    """Salma: pre-selected, B1 at the first sitting, placed with an employer that uses §81a, visa on that path."""
    from contracts.journey import journey_workflow_id
    from deploy.local.demo import preselect, wait_for_journey
    from deploy.local.demo_matching import place, training_start, wait_for_ranking
    from deploy.local.demo_training import sit_exam, wait_for_enrolment

    workflow_id = journey_workflow_id(application["candidate_id"])
    candidate_id = application["candidate_id"]
    await preselect(http, application)
    async with officer(settings, settings.training_port) as training:
        enrolment = await wait_for_enrolment(training, candidate_id)
        await wait_for_journey(client, workflow_id, "LANGUAGE_TRAINING")
        await sit_exam(training, str(enrolment["id"]), date.today() + timedelta(days=160))
    await wait_for_journey(client, workflow_id, "MATCHING")
    print(f"20. second candidate {candidate_id}: pre-selected, enrolled, B1 at the first sitting -> MATCHING")
    async with officer(settings, settings.matching_port) as matching:
        request = await wait_for_ranking(matching, candidate_id)
        profile = _ok(await matching.get(f"/v1/profiles/{candidate_id}"), "reading the profile")
        starts = training_start(date.fromisoformat(profile["available_from"]))
        employer = _ok(await matching.post("/v1/employers", json=INDUSTRY), "registering the employer")
        token = dev_token("employer", "hr-spree", employer_id=employer["id"])
        async with httpx.AsyncClient(
            base_url=str(matching.base_url), timeout=10, headers={"Authorization": f"Bearer {token}"}
        ) as hr:
            body = {"employer_id": employer["id"], "site": "berlin", "occupation_code": "25102", "places": 1,
                    "starts_on": str(starts), "latest_start_on": str(starts + timedelta(days=61)),
                    "monthly_pay_cents": [115_000, 121_000, 128_000, 134_000], "collective_agreement": True,
                    "tariff_monthly_cents": [115_000, 121_000, 128_000, 134_000], "weekly_hours": 35,
                    "housing_support": "help_finding", "accelerated_procedure": True}  # fmt: skip
            draft = _ok(await hr.post("/v1/positions", json=body), "creating the position")
            _ok(await hr.post(f"/v1/positions/{draft['id']}/publish"), "publishing the position")
            ranked = _ok(await matching.post(f"/v1/match-requests/{request['id']}/ranking"), "ranking")
            await place(matching, hr, ranked, draft["id"], duration_months=42, pay=[115_000, 121_000, 128_000, 134_000])
    await wait_for_journey(client, workflow_id, ("CONTRACT_SIGNED", "VISA", "PRE_DEPARTURE"))
    print(f"    industrial mechanic at {INDUSTRY['name']} (DE-BE) from {starts}, a position that uses §81a:"
          " contract signed")  # fmt: skip
    await run_visa(client, settings, candidate_id, workflow_id, 21, agree_81a=True)
