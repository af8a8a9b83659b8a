"""The demo's matching stage: an employer, a position, the journey's match request ranked and explained, a case
officer's shortlist decision, an interview, an offer, a contract checked, acknowledged and signed."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from deploy.local.demo_training import _ok, poll

EMPLOYER = {
    "name": "Gasthof Sonne GmbH",
    "nace_code": "I56.10",
    "sites": [
        {
            "code": "muenchen",
            "name": "Gasthof Sonne",
            "land": "DE-BY",
            "address": {"street": "Marienplatz 1", "postcode": "80331", "city": "München"},
            "chamber": {"kind": "IHK", "name": "IHK für München und Oberbayern"},
            "agency_district": "München",
            "foreigners_authority": "Kreisverwaltungsreferat München",
        }
    ],
    "contacts": [{"name": "Anna Huber", "role": "Ausbilderin", "email": "ausbildung@gasthof-sonne.example"}],
    "agreement": {"version": "2026-01", "signed_on": "2026-03-01", "places_committed": 4},
}
CONTRACT_DE = "Berufsausbildungsvertrag nach §§ 10, 11 BBiG: Koch/Köchin, Gasthof Sonne GmbH, München."
CONTRACT_FR = (
    "Contrat de formation professionnelle (§§ 10, 11 BBiG) : cuisinier/cuisinière, Gasthof Sonne GmbH, Munich."
)


def training_start(available_from: date) -> date:
    """The first 1 August on or after the day the candidate can be in Germany."""
    start = date(available_from.year, 8, 1)
    return start if start >= available_from else date(available_from.year + 1, 8, 1)


async def open_position(
    officer: httpx.AsyncClient, base: str, starts_on: date
) -> tuple[str, httpx.AsyncClient, dict[str, Any]]:
    """Register the employer (case officer), then the employer publishes a cook position with its own token."""
    from services.common.auth import dev_token

    employer = _ok(await officer.post("/v1/employers", json=EMPLOYER), "registering the employer")
    token = dev_token("employer", "hr-gasthof-sonne", employer_id=employer["id"])
    http = httpx.AsyncClient(base_url=base, timeout=10, headers={"Authorization": f"Bearer {token}"})
    body = {
        "employer_id": employer["id"],
        "site": "muenchen",
        "occupation_code": "29302",
        "places": 2,
        "starts_on": str(starts_on),
        "latest_start_on": str(starts_on + timedelta(days=61)),
        "monthly_pay_cents": [110_000, 118_000, 126_000],
        "collective_agreement": True,
        "tariff_monthly_cents": [110_000, 118_000, 126_000],
        "weekly_hours": 39,
        "housing_support": "help_finding",
    }
    draft = _ok(await http.post("/v1/positions", json=body), "creating the position")
    position = _ok(await http.post(f"/v1/positions/{draft['id']}/publish"), "publishing the position")
    return str(employer["id"]), http, position


async def wait_for_ranking(officer: httpx.AsyncClient, candidate_id: str, timeout_s: float = 60) -> dict[str, Any]:
    """The journey's match request for the candidate, once ranked."""

    async def look() -> dict[str, Any] | None:
        page = _ok(await officer.get("/v1/match-requests", params={"candidate_id": candidate_id}), "listing requests")
        ranked = [r for r in page["items"] if r["status"] == "ranked"]
        return (
            _ok(await officer.get(f"/v1/match-requests/{ranked[0]['id']}"), "reading the ranking") if ranked else None
        )

    return await poll(look, f"no ranked match request for candidate {candidate_id}", timeout_s)


def explain(suggestion: dict[str, Any]) -> list[str]:
    return [
        f"     {t['criterion']:<10} {t['points']:>6.2f} / {t['weight']:<3} {t['reason']}" for t in suggestion["terms"]
    ]


async def place(
    officer: httpx.AsyncClient,
    employer: httpx.AsyncClient,
    request: dict[str, Any],
    position_id: str,
    duration_months: int = 36,
    pay: tuple[int, ...] | list[int] = (110_000, 118_000, 126_000),
) -> dict[str, Any]:
    """Shortlist, interview, offer, acceptance, contract (checks, checklist, acknowledgement) and signature."""
    decision = {"position_id": position_id, "decision": "shortlist", "reason_code": "BEST_FIT"}
    entry = _ok(await officer.post(f"/v1/match-requests/{request['id']}/decisions", json=decision), "shortlisting")
    shortlist_id = entry["shortlist_id"]
    interview = {
        "shortlist_id": shortlist_id,
        "scheduled_at": f"{date.today() + timedelta(days=3)}T09:00:00Z",
        "mode": "video",
    }
    held = _ok(await employer.post("/v1/interviews", json=interview), "scheduling the interview")
    _ok(await employer.post(f"/v1/interviews/{held['id']}/outcome", json={"outcome": "positive"}), "interview outcome")
    offer = {"shortlist_id": shortlist_id, "expires_on": str(date.today() + timedelta(days=14))}
    made = _ok(await employer.post("/v1/offers", json=offer), "making the offer")
    _ok(await officer.post(f"/v1/offers/{made['id']}/answer", json={"answer": "accept"}), "recording the acceptance")
    request_terms = next(s for s in request["suggestions"] if s["position_id"] == position_id)
    terms = {
        "starts_on": request_terms["starts_on"],
        "duration_months": duration_months,
        "probation_months": 4,
        "weekly_hours": 39,
        "monthly_pay_cents": list(pay),
    }
    body = {
        "offer_id": made["id"],
        "terms": terms,
        "text_de": CONTRACT_DE,
        "text_translation": CONTRACT_FR,
        "translation_language": "fr",
    }
    contract = _ok(await employer.post("/v1/contracts", json=body), "drafting the contract")
    checklist = {"no_repayment_clauses": True, "pay_reference_checked": True}
    _ok(await officer.post(f"/v1/contracts/{contract['id']}/confirmations", json=checklist), "the checklist")
    ack = {"version": contract["version"], "contract_sha256": contract["sha256"], "acknowledged_on": str(date.today())}
    _ok(await officer.post(f"/v1/contracts/{contract['id']}/acknowledgements", json=ack), "the acknowledgement")
    signed = _ok(await employer.post(f"/v1/contracts/{contract['id']}/sign"), "signing")
    return {"shortlist_id": shortlist_id, "contract": contract, "signed": signed}
