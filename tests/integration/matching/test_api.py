"""The matching API against real PostgreSQL: employers and API keys, positions, the explained ranking and the
officer's decision, shortlist, interviews, offers, contracts with their checks, release; two employers never
see each other's records; every endpoint's roles."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from services.matching.config import MatchingSettings
from services.matching.tables import ProfileRecord
from tests.support.helpers import auth
from tests.support.helpers import outbox_events as events

pytestmark = pytest.mark.integration

TODAY = date.today()
START = date(TODAY.year + 1, 8, 1)
CONTRACT_TEXT = "Berufsausbildungsvertrag (§§ 10, 11 BBiG) zwischen dem Ausbildenden und der Auszubildenden."
TRANSLATION = "Contrat de formation professionnelle (§§ 10, 11 BBiG) entre l'entreprise et l'apprentie."


def client(app: Any, role: str = "case_officer", subject: str = "officer-1", **kw: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://matching", headers=auth(role, subject, **kw)
    )


def employer_client(app: Any, employer_id: str) -> httpx.AsyncClient:
    return client(app, "employer", f"hr-{employer_id[:8]}", employer_id=employer_id)


def employer_body(name: str = "Gasthof Sonne GmbH", land: str = "DE-BY") -> dict[str, Any]:
    return {
        "name": name,
        "nace_code": "I56.10",
        "sites": [
            {
                "code": "main",
                "name": name,
                "address": {"street": "Marienplatz 1", "postcode": "80331", "city": "München"},
                "land": land,
                "chamber": {"kind": "IHK", "name": "IHK München"},
                "agency_district": "München",
                "foreigners_authority": "KVR München",
            }
        ],
        "contacts": [{"name": "Anna Huber", "role": "Ausbilderin", "email": "ausbildung@example.de"}],
        "agreement": {"version": "2026-01", "signed_on": "2026-03-01", "places_committed": 4},
    }


def position_body(employer_id: str, **kw: Any) -> dict[str, Any]:
    return {
        "employer_id": employer_id,
        "site": "main",
        "occupation_code": "29302",
        "places": 2,
        "starts_on": str(START),
        "latest_start_on": str(START + timedelta(days=60)),
        "monthly_pay_cents": [110_000, 120_000, 130_000],
        "collective_agreement": False,
        "weekly_hours": 39,
        "housing_support": "help_finding",
        **kw,
    }


async def register(app: Any, name: str = "Gasthof Sonne GmbH") -> str:
    async with client(app) as officer:
        response = await officer.post("/v1/employers", json=employer_body(name))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def open_position(app: Any, employer_id: str, **kw: Any) -> dict[str, Any]:
    async with employer_client(app, employer_id) as employer:
        created = await employer.post("/v1/positions", json=position_body(employer_id, **kw))
        assert created.status_code == 201, created.text
        published = await employer.post(f"/v1/positions/{created.json()['id']}/publish")
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published"
    return dict(published.json())


async def seed_profile(app: Any, **kw: Any) -> str:
    candidate_id = uuid.uuid4()
    values = {
        "occupation_codes": ["29302"],
        "region": "souss-massa",
        "level": "B1",
        "target_level": "B1",
        "available_from": START - timedelta(days=30),
        "consent": True,
        "active": True,
        "matchable": True,
        **kw,
    }
    async with app.state.sessions() as session:
        session.add(ProfileRecord(candidate_id=candidate_id, **values))
        await session.commit()
    return str(candidate_id)


async def request_match(app: Any, candidate_id: str, round_: int = 1) -> httpx.Response:
    async with client(app, "service", "journey-worker") as journey:
        return await journey.post(
            "/v1/match-requests",
            json={"candidate_id": candidate_id, "occupation_codes": ["29302"], "round": round_},
            headers={"Idempotency-Key": f"journey-{candidate_id}:match-{round_}"},
        )


async def shortlist(app: Any, candidate_id: str, position_id: str) -> str:
    match = (await request_match(app, candidate_id)).json()
    async with client(app) as officer:
        decided = await officer.post(
            f"/v1/match-requests/{match['id']}/decisions",
            json={"position_id": position_id, "decision": "shortlist", "reason_code": "BEST_FIT"},
        )
    assert decided.status_code in (200, 201), decided.text
    return str(decided.json()["shortlist_id"])


async def accepted_offer(app: Any, employer_id: str, entry: str) -> str:
    async with employer_client(app, employer_id) as employer:
        offer = await employer.post(
            "/v1/offers", json={"shortlist_id": entry, "expires_on": str(TODAY + timedelta(days=14))}
        )
    assert offer.status_code == 201, offer.text
    async with client(app) as officer:
        answered = await officer.post(f"/v1/offers/{offer.json()['id']}/answer", json={"answer": "accept"})
    assert answered.status_code == 200, answered.text
    return str(offer.json()["id"])


def contract_body(offer_id: str, **terms: Any) -> dict[str, Any]:
    return {
        "offer_id": offer_id,
        "text_de": CONTRACT_TEXT,
        "text_translation": TRANSLATION,
        "translation_language": "fr",
        "terms": {
            "starts_on": str(START),
            "duration_months": 36,
            "probation_months": 4,
            "weekly_hours": 39,
            "monthly_pay_cents": [110_000, 120_000, 130_000],
            **terms,
        },
    }


async def signable_contract(app: Any, employer_id: str, entry: str) -> dict[str, Any]:
    offer_id = await accepted_offer(app, employer_id, entry)
    async with employer_client(app, employer_id) as employer:
        drafted = await employer.post("/v1/contracts", json=contract_body(offer_id))
    assert drafted.status_code == 201, drafted.text
    contract = drafted.json()
    async with client(app) as officer:
        confirmed = await officer.post(
            f"/v1/contracts/{contract['id']}/confirmations",
            json={"no_repayment_clauses": True, "pay_reference_checked": True},
        )
        assert confirmed.status_code == 200, confirmed.text
        acked = await officer.post(
            f"/v1/contracts/{contract['id']}/acknowledgements",
            json={"version": 1, "contract_sha256": contract["sha256"], "acknowledged_on": str(TODAY)},
        )
    assert acked.status_code == 200, acked.text
    return dict(acked.json())


async def test_a_candidate_goes_from_an_explained_ranking_to_a_signed_contract(
    app: Any, settings: MatchingSettings
) -> None:
    employer_id = await register(app)
    best = await open_position(app, employer_id)
    later = await open_position(app, employer_id, starts_on=str(START + timedelta(days=31)), places=1)
    await open_position(app, employer_id, occupation_code="32122")  # another occupation: never suggested
    candidate = await seed_profile(app, preferred_lands=["DE-BY"])

    created = await request_match(app, candidate)
    assert created.status_code == 201, created.text
    match = created.json()
    assert match["status"] == "ranked" and match["match_request_id"] == match["id"]
    ranked = [s["position_id"] for s in match["suggestions"]]
    assert ranked[:2] == [best["id"], later["id"]]
    top = match["suggestions"][0]
    assert top["score"] == pytest.approx(sum(t["points"] for t in top["terms"]))
    assert {t["criterion"] for t in top["terms"]} == {"occupation", "language", "start_date", "region", "places"}
    assert all(t["reason"] for t in top["terms"])
    again = await request_match(app, candidate)
    assert again.status_code in (200, 201) and again.json()["id"] == match["id"]  # the journey's retry is a 2xx

    async with client(app) as officer:
        decision = {"position_id": best["id"], "decision": "shortlist", "reason_code": "BEST_FIT"}
        decided = await officer.post(f"/v1/match-requests/{match['id']}/decisions", json=decision)
        assert decided.status_code == 201, decided.text
        assert (await officer.post(f"/v1/match-requests/{match['id']}/decisions", json=decision)).status_code == 200
        passed = await officer.post(
            f"/v1/match-requests/{match['id']}/decisions",
            json={"position_id": later["id"], "decision": "pass", "reason_code": "START_DATE_GAP"},
        )
        assert passed.status_code == 201 and passed.json()["shortlist_id"] is None
        view = (await officer.get(f"/v1/match-requests/{match['id']}")).json()
    assert [s["decision"] for s in view["suggestions"][:2]] == ["shortlist", "pass"]
    entry = decided.json()["shortlist_id"]

    async with employer_client(app, employer_id) as employer:
        seen = (await employer.get(f"/v1/shortlist/{entry}")).json()
        assert seen["candidate_id"] is None and seen["contact_url"] is None  # pseudonymous before acceptance
        assert seen["profile"]["level"] == "B1"
        interview = await employer.post(
            "/v1/interviews", json={"shortlist_id": entry, "scheduled_at": f"{TODAY}T09:00:00Z", "mode": "video"}
        )
        assert interview.status_code == 201, interview.text
        outcome = await employer.post(f"/v1/interviews/{interview.json()['id']}/outcome", json={"outcome": "positive"})
        assert outcome.status_code == 200 and outcome.json()["outcome"] == "positive"

    contract = await signable_contract(app, employer_id, entry)
    assert contract["ready_to_sign"] and contract["missing"] == []
    async with employer_client(app, employer_id) as employer:
        after = (await employer.get(f"/v1/shortlist/{entry}")).json()
        assert after["candidate_id"] == candidate and after["contact_url"].endswith(
            f"/v1/candidates/{candidate}/contact"
        )
        signed = await employer.post(f"/v1/contracts/{contract['id']}/sign")
        assert signed.status_code == 200, signed.text
        assert signed.json()["status"] == "signed" and signed.json()["ends_on"] == str(date(START.year + 3, 7, 31))
        assert (await employer.post(f"/v1/contracts/{contract['id']}/sign")).status_code == 200  # a repeat
        registered = await employer.post(
            f"/v1/contracts/{contract['id']}/registrations",
            json={"registration": "chamber", "reference": "IHK-2027-0042", "registered_on": str(TODAY)},
        )
        assert (
            registered.status_code == 200
            and registered.json()["registrations"]["chamber"]["reference"] == "IHK-2027-0042"
        )
        position = (await employer.get(f"/v1/positions/{best['id']}")).json()
    assert position["places_left"] == 1

    published = await events(settings, candidate)
    assert [e["type"] for e in published] == [
        "candidate_shortlisted",
        "interview_scheduled",
        "interview_completed",
        "offer_made",
        "offer_accepted",
        "contract_acknowledged",
        "contract_signed",
        "contract_registered",
    ]
    signed_event = published[-2]
    assert signed_event["duration_months"] == 36 and signed_event["probation_months"] == 4
    assert signed_event["starts_on"] == str(START) and signed_event["land"] == "DE-BY"
    assert signed_event["contract_sha256"] == contract["sha256"] and signed_event["shortlist_id"] == entry
    assert published[0]["rank"] == 1 and published[0]["reason_code"] == "BEST_FIT"


async def test_signing_waits_for_the_checks_the_checklist_and_an_acknowledgement_of_the_current_version(
    app: Any, settings: MatchingSettings
) -> None:
    employer_id = await register(app)
    position = await open_position(app, employer_id)
    candidate = await seed_profile(app)
    entry = await shortlist(app, candidate, position["id"])
    offer_id = await accepted_offer(app, employer_id, entry)
    async with employer_client(app, employer_id) as employer:
        low = await employer.post(
            "/v1/contracts",
            json=contract_body(offer_id, probation_months=6, monthly_pay_cents=[60_000, 70_000, 80_000]),
        )
        assert low.status_code == 201, low.text
        contract = low.json()
        failed = {c["rule"] for c in contract["checks"] if c["status"] == "failed"}
        assert {"probation", "minimum_pay", "subsistence"} <= failed
        refused = await employer.post(f"/v1/contracts/{contract['id']}/sign")
        assert refused.status_code == 409 and refused.json()["type"].endswith("/contract-not-ready")
        assert any("probation" in m for m in refused.json()["missing"])
        fixed = await employer.patch(
            f"/v1/contracts/{contract['id']}", json={"terms": contract_body(offer_id)["terms"]}
        )
        assert fixed.status_code == 200 and fixed.json()["version"] == 2
    v2 = fixed.json()
    assert not [c for c in v2["checks"] if c["status"] == "failed"]
    async with client(app) as officer:
        await officer.post(
            f"/v1/contracts/{v2['id']}/confirmations",
            json={"no_repayment_clauses": True, "pay_reference_checked": True},
        )
        stale = await officer.post(
            f"/v1/contracts/{v2['id']}/acknowledgements",
            json={"version": 1, "contract_sha256": contract["sha256"], "acknowledged_on": str(TODAY)},
        )
        assert stale.status_code == 409 and stale.json()["version"] == 2
        acked = await officer.post(
            f"/v1/contracts/{v2['id']}/acknowledgements",
            json={"version": 2, "contract_sha256": v2["sha256"], "acknowledged_on": str(TODAY)},
        )
        assert acked.status_code == 200 and acked.json()["ready_to_sign"]
    async with employer_client(app, employer_id) as employer:
        amended = await employer.patch(
            f"/v1/contracts/{v2['id']}", json={"text_translation": TRANSLATION + " Version 3."}
        )
        assert amended.status_code == 200 and amended.json()["version"] == 3
        assert not amended.json()["ready_to_sign"]
        assert any("acknowledges version 3" in m for m in amended.json()["missing"])
        assert any("no repayment" in m for m in amended.json()["missing"])  # the checklist is per version
        assert (await employer.post(f"/v1/contracts/{v2['id']}/sign")).status_code == 409
    types = [e["type"] for e in await events(settings, candidate)]
    assert types[-2:] == ["contract_acknowledged", "contract_amended"]


async def test_a_release_gives_the_place_back_and_a_repeat_is_still_a_success(
    app: Any, settings: MatchingSettings
) -> None:
    employer_id = await register(app)
    position = await open_position(app, employer_id, places=1)
    candidate = await seed_profile(app)
    entry = await shortlist(app, candidate, position["id"])
    contract = await signable_contract(app, employer_id, entry)
    async with employer_client(app, employer_id) as employer:
        assert (await employer.post(f"/v1/contracts/{contract['id']}/sign")).status_code == 200
        assert (await employer.get(f"/v1/positions/{position['id']}")).json()["status"] == "filled"
    body = {"candidate_id": candidate, "employer_id": employer_id, "reason_code": "VISA_REFUSED_PAY"}
    async with client(app, "service", "journey-worker") as journey:
        first = await journey.post(f"/v1/positions/{position['id']}/release", json=body)
        again = await journey.post(f"/v1/positions/{position['id']}/release", json=body)
        wrong = await journey.post(
            f"/v1/positions/{position['id']}/release", json={**body, "employer_id": str(uuid.uuid4())}
        )
    assert first.status_code == 200 and first.json() == {"released": True}
    assert again.status_code == 200 and again.json() == {"released": False}
    assert wrong.status_code == 422
    async with client(app) as officer:
        reopened = (await officer.get(f"/v1/positions/{position['id']}")).json()
        contract_now = (await officer.get(f"/v1/contracts/{contract['id']}")).json()
    assert reopened["status"] == "published" and reopened["places_left"] == 1
    assert contract_now["status"] == "released"
    released = [e for e in await events(settings, candidate) if e["type"] == "position_released"]
    assert len(released) == 1 and released[0]["places_left"] == 1 and released[0]["reason_code"] == "VISA_REFUSED_PAY"
    employer_events = [e["type"] for e in await events(settings, employer_id)]
    assert employer_events == ["employer_registered", "position_published", "position_closed", "position_published"]


async def test_a_ba_refusal_asks_for_a_corrected_contract_signed_again_without_a_second_place(
    app: Any, settings: MatchingSettings
) -> None:
    employer_id = await register(app)
    position = await open_position(app, employer_id, places=2, accelerated_procedure=True)
    candidate = await seed_profile(app)
    entry = await shortlist(app, candidate, position["id"])
    contract = await signable_contract(app, employer_id, entry)
    url = f"/v1/contracts/{contract['id']}/corrections"
    async with employer_client(app, employer_id) as employer, client(app, "service", "journey-worker") as journey:
        early = await journey.post(url, json={"candidate_id": candidate, "reason_code": "PAY_BELOW_MINIMUM"})
        assert (await employer.post(f"/v1/contracts/{contract['id']}/sign")).status_code == 200
        wrong = await journey.post(url, json={"candidate_id": str(uuid.uuid4()), "reason_code": "PAY_BELOW_MINIMUM"})
        first = await journey.post(url, json={"candidate_id": candidate, "reason_code": "PAY_BELOW_MINIMUM"})
        again = await journey.post(url, json={"candidate_id": candidate, "reason_code": "PAY_BELOW_MINIMUM"})
        terms = {**contract_body("x")["terms"], "monthly_pay_cents": [120_000, 130_000, 140_000]}
        amended = await employer.patch(f"/v1/contracts/{contract['id']}", json={"terms": terms})
    assert early.status_code == 409, "only a signed contract is corrected"
    assert wrong.status_code == 422
    assert first.json() == {"requested": True} and again.json() == {"requested": False}
    assert amended.status_code == 200 and amended.json()["version"] == 2, amended.text
    async with client(app) as officer:  # the new version is checked and acknowledged again (FR-03)
        confirmations = {"no_repayment_clauses": True, "pay_reference_checked": True}
        assert (
            await officer.post(f"/v1/contracts/{contract['id']}/confirmations", json=confirmations)
        ).status_code == 200
        acked = await officer.post(
            f"/v1/contracts/{contract['id']}/acknowledgements",
            json={"version": 2, "contract_sha256": amended.json()["sha256"], "acknowledged_on": str(TODAY)},
        )
        assert acked.status_code == 200, acked.text
    async with employer_client(app, employer_id) as employer:
        resigned = await employer.post(f"/v1/contracts/{contract['id']}/sign")
        places = (await employer.get(f"/v1/positions/{position['id']}")).json()["places_left"]
    assert resigned.status_code == 200 and resigned.json()["status"] == "signed"
    assert places == 1, "the corrected contract keeps the place the first signature took"
    evs = [
        e
        for e in await events(settings, candidate)
        if e["type"] in ("contract_correction_requested", "contract_signed")
    ]
    assert [(e["type"], e.get("version")) for e in evs] == [
        ("contract_signed", 1), ("contract_correction_requested", 1), ("contract_signed", 2)
    ]  # fmt: skip
    assert all(e["accelerated_procedure"] for e in evs if e["type"] == "contract_signed")


async def test_a_signed_contract_cancelled_before_the_training_gives_its_place_back(
    app: Any, settings: MatchingSettings
) -> None:
    employer_id = await register(app)
    position = await open_position(app, employer_id, places=1)
    candidate = await seed_profile(app)
    entry = await shortlist(app, candidate, position["id"])
    contract = await signable_contract(app, employer_id, entry)
    url = f"/v1/contracts/{contract['id']}/cancel"
    body = {"reason_code": "EMPLOYER_INSOLVENT", "cancelled_on": str(TODAY)}
    async with employer_client(app, employer_id) as employer:
        unsigned = await employer.post(url, json=body)
        assert (await employer.post(f"/v1/contracts/{contract['id']}/sign")).status_code == 200
        assert (await employer.get(f"/v1/positions/{position['id']}")).json()["status"] == "filled"
        first = await employer.post(url, json=body)
        again = await employer.post(url, json=body)
        reopened = (await employer.get(f"/v1/positions/{position['id']}")).json()
    assert unsigned.status_code == 409, "a draft is withdrawn with its offer, not cancelled"
    assert first.status_code == 200 and first.json()["status"] == "released" and again.status_code == 200
    assert reopened["status"] == "published" and reopened["places_left"] == 1
    cancelled = [e for e in await events(settings, candidate) if e["type"] == "contract_cancelled"]
    assert (
        len(cancelled) == 1 and cancelled[0]["places_left"] == 1 and cancelled[0]["reason_code"] == "EMPLOYER_INSOLVENT"
    )


async def test_offers_expire_decline_with_a_reason_and_can_be_withdrawn(app: Any, settings: MatchingSettings) -> None:
    employer_id = await register(app)
    position = await open_position(app, employer_id)
    first, second = await seed_profile(app), await seed_profile(app)
    entry_1, entry_2 = await shortlist(app, first, position["id"]), await shortlist(app, second, position["id"])
    async with employer_client(app, employer_id) as employer:
        past = await employer.post(
            "/v1/offers", json={"shortlist_id": entry_1, "expires_on": str(TODAY - timedelta(days=1))}
        )
        assert past.status_code == 422
        offer_1 = (await employer.post("/v1/offers", json={"shortlist_id": entry_1, "expires_on": str(TODAY)})).json()
        offer_2 = (await employer.post("/v1/offers", json={"shortlist_id": entry_2, "expires_on": str(TODAY)})).json()
        twice = await employer.post("/v1/offers", json={"shortlist_id": entry_2, "expires_on": str(TODAY)})
        assert twice.status_code == 409
    async with app.state.sessions() as session:
        from sqlalchemy import text

        await (await session.connection()).execute(
            text("UPDATE offer SET expires_on = expires_on - 1 WHERE id = :id"), {"id": offer_1["id"]}
        )
        await session.commit()
    async with client(app) as officer:
        assert (await officer.get(f"/v1/offers/{offer_1['id']}")).json()["status"] == "expired"
        expired = await officer.post(f"/v1/offers/{offer_1['id']}/answer", json={"answer": "accept"})
        assert expired.status_code == 409 and expired.json()["type"].endswith("/offer-expired")
        no_reason = await officer.post(f"/v1/offers/{offer_2['id']}/answer", json={"answer": "decline"})
        assert no_reason.status_code == 422
        declined = await officer.post(
            f"/v1/offers/{offer_2['id']}/answer", json={"answer": "decline", "reason_code": "LOCATION"}
        )
        assert declined.status_code == 200 and declined.json()["status"] == "declined"
    async with employer_client(app, employer_id) as employer:
        withdrawn = await employer.post(
            f"/v1/offers/{offer_1['id']}/withdraw", json={"reason_code": "START_DATE_MISSED"}
        )
        assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
        again = await employer.post(f"/v1/offers/{offer_1['id']}/withdraw", json={"reason_code": "START_DATE_MISSED"})
        assert again.status_code == 200
    assert [e["type"] for e in await events(settings, first)][-1] == "offer_withdrawn"
    assert [e["type"] for e in await events(settings, second)][-1] == "offer_declined"


async def test_an_employer_never_reaches_another_employers_records(app: Any) -> None:
    a, b = await register(app, "Bäckerei A"), await register(app, "Metallbau B")
    position = await open_position(app, a)
    candidate = await seed_profile(app)
    entry = await shortlist(app, candidate, position["id"])
    async with employer_client(app, a) as employer_a:
        interview = (
            await employer_a.post(
                "/v1/interviews", json={"shortlist_id": entry, "scheduled_at": f"{TODAY}T10:00:00Z", "mode": "on_site"}
            )
        ).json()
    contract = await signable_contract(app, a, entry)
    offer_id = contract["offer_id"]
    in_a = [
        ("GET", f"/v1/employers/{a}", None),
        ("PATCH", f"/v1/employers/{a}", {"contacts": employer_body()["contacts"]}),
        ("POST", f"/v1/employers/{a}/api-keys", {"name": "steal"}),
        ("GET", f"/v1/employers/{a}/api-keys", None),
        ("DELETE", f"/v1/employers/{a}/api-keys/{uuid.uuid4()}", None),
        ("POST", "/v1/positions", position_body(a)),
        ("GET", f"/v1/positions/{position['id']}", None),
        ("PATCH", f"/v1/positions/{position['id']}", {"places": 5}),
        ("POST", f"/v1/positions/{position['id']}/publish", None),
        ("POST", f"/v1/positions/{position['id']}/close", {"reason_code": "WITHDRAWN"}),
        ("GET", f"/v1/shortlist/{entry}", None),
        ("POST", "/v1/interviews", {"shortlist_id": entry, "scheduled_at": f"{TODAY}T10:00:00Z", "mode": "video"}),
        ("GET", f"/v1/interviews/{interview['id']}", None),
        ("POST", f"/v1/interviews/{interview['id']}/outcome", {"outcome": "no_show"}),
        ("POST", "/v1/offers", {"shortlist_id": entry, "expires_on": str(TODAY)}),
        ("GET", f"/v1/offers/{offer_id}", None),
        ("POST", f"/v1/offers/{offer_id}/withdraw", {"reason_code": "OTHER"}),
        ("POST", "/v1/contracts", contract_body(offer_id)),
        ("GET", f"/v1/contracts/{contract['id']}", None),
        ("GET", f"/v1/contracts/{contract['id']}/document", None),
        ("PATCH", f"/v1/contracts/{contract['id']}", {"text_de": CONTRACT_TEXT + " Geändert."}),
        ("POST", f"/v1/contracts/{contract['id']}/sign", None),
        (
            "POST",
            f"/v1/contracts/{contract['id']}/registrations",
            {"registration": "school", "reference": "BS-1", "registered_on": str(TODAY)},
        ),
    ]
    async with employer_client(app, b) as employer_b:
        for method, path, body in in_a:
            response = await employer_b.request(method, path, json=body)
            assert response.status_code == 404, (method, path, response.status_code, response.text)
        for listing in (
            "/v1/employers",
            "/v1/positions",
            "/v1/shortlist",
            "/v1/interviews",
            "/v1/offers",
            "/v1/contracts",
        ):
            items = (await employer_b.get(listing)).json()["items"]
            assert [i for i in items if a in (i.get("employer_id"), i.get("id"))] == [], listing
            assert listing == "/v1/employers" or items == [], (listing, items)
    async with employer_client(app, a) as employer_a:
        assert (await employer_a.get(f"/v1/contracts/{contract['id']}")).json()["status"] == "acknowledged"
        assert len((await employer_a.get("/v1/shortlist")).json()["items"]) == 1


async def test_api_keys_act_as_their_employer_only_and_revocation_is_immediate(app: Any) -> None:
    a, b = await register(app, "Hotel A"), await register(app, "Hotel B")
    position = await open_position(app, a)
    await open_position(app, b)
    async with employer_client(app, a) as employer_a:
        created = await employer_a.post(f"/v1/employers/{a}/api-keys", json={"name": "HR system"})
        assert created.status_code == 201, created.text
        key = created.json()["key"]
        listed = (await employer_a.get(f"/v1/employers/{a}/api-keys")).json()["items"]
    assert key.startswith("thamm_ek_") and created.json()["prefix"] == key[:17]
    assert [k["id"] for k in listed] == [created.json()["id"]] and "key" not in listed[0]
    machine = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://matching", headers={"Authorization": f"Bearer {key}"}
    )
    async with machine:
        mine = (await machine.get("/v1/positions")).json()["items"]
        assert [p["id"] for p in mine] == [position["id"]]
        assert (await machine.post(f"/v1/employers/{a}/api-keys", json={"name": "x"})).status_code == 403
        forged = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://matching",
            headers={"Authorization": f"Bearer {key[:-4]}abcd"},
        )
        async with forged:
            assert (await forged.get("/v1/positions")).status_code == 401
        async with employer_client(app, a) as employer_a:
            revoked = await employer_a.delete(f"/v1/employers/{a}/api-keys/{created.json()['id']}")
            assert revoked.status_code == 204
            assert (await employer_a.delete(f"/v1/employers/{a}/api-keys/{created.json()['id']}")).status_code == 204
        after = await machine.get("/v1/positions")
    assert after.status_code == 401 and after.headers["content-type"].startswith("application/problem+json")


async def test_bad_input_is_a_problem_that_points_at_the_field(app: Any) -> None:
    employer_id = await register(app)
    async with employer_client(app, employer_id) as employer:
        backwards = await employer.post(
            "/v1/positions", json=position_body(employer_id, latest_start_on=str(START - timedelta(days=1)))
        )
        unknown_site = await employer.post("/v1/positions", json=position_body(employer_id, site="elsewhere"))
        wrong_land = await employer.patch(
            f"/v1/employers/{employer_id}", json={"agreement": employer_body()["agreement"]}
        )
    assert backwards.status_code == 422 and backwards.headers["content-type"] == "application/problem+json"
    assert unknown_site.status_code == 422 and unknown_site.json()["errors"][0]["pointer"] == "#/site"
    assert wrong_land.status_code == 403  # the agreement is the programme's record, kept by case officers
    async with client(app) as officer:
        no_land = await officer.post(
            "/v1/employers", json={**employer_body(), "sites": [{**employer_body()["sites"][0], "land": "DE-XX"}]}
        )
        twice = await officer.post("/v1/employers", json={**employer_body(), "sites": employer_body()["sites"] * 2})
    assert no_land.status_code == 422 and twice.status_code == 422


OFFICER, EMPLOYER_SIDE = {"case_officer"}, {"case_officer", "employer"}
READERS = {"case_officer", "employer", "operator"}
ROUTES = [
    ("POST", "/v1/employers", OFFICER),
    ("GET", "/v1/employers", READERS),
    ("GET", "/v1/employers/{x}", READERS),
    ("PATCH", "/v1/employers/{x}", EMPLOYER_SIDE),
    ("POST", "/v1/employers/{x}/api-keys", EMPLOYER_SIDE),
    ("GET", "/v1/employers/{x}/api-keys", EMPLOYER_SIDE),
    ("DELETE", "/v1/employers/{x}/api-keys/{x}", EMPLOYER_SIDE),
    ("POST", "/v1/positions", EMPLOYER_SIDE),
    ("GET", "/v1/positions", READERS),
    ("GET", "/v1/positions/{x}", READERS),
    ("PATCH", "/v1/positions/{x}", EMPLOYER_SIDE),
    ("POST", "/v1/positions/{x}/publish", EMPLOYER_SIDE),
    ("POST", "/v1/positions/{x}/close", EMPLOYER_SIDE),
    ("POST", "/v1/positions/{x}/release", {"case_officer", "service"}),
    ("GET", "/v1/positions/{x}/candidates", OFFICER),
    ("GET", "/v1/profiles", {"case_officer", "operator"}),
    ("GET", "/v1/profiles/{x}", {"case_officer", "operator"}),
    ("PATCH", "/v1/profiles/{x}", OFFICER),
    ("POST", "/v1/match-requests", {"case_officer", "service"}),
    ("GET", "/v1/match-requests", {"case_officer", "operator", "service"}),
    ("GET", "/v1/match-requests/{x}", {"case_officer", "operator", "service"}),
    ("POST", "/v1/match-requests/{x}/ranking", OFFICER),
    ("POST", "/v1/match-requests/{x}/decisions", OFFICER),
    ("GET", "/v1/shortlist", EMPLOYER_SIDE),
    ("GET", "/v1/shortlist/{x}", EMPLOYER_SIDE),
    ("POST", "/v1/interviews", EMPLOYER_SIDE),
    ("GET", "/v1/interviews", EMPLOYER_SIDE),
    ("GET", "/v1/interviews/{x}", EMPLOYER_SIDE),
    ("POST", "/v1/interviews/{x}/outcome", EMPLOYER_SIDE),
    ("POST", "/v1/offers", EMPLOYER_SIDE),
    ("GET", "/v1/offers", EMPLOYER_SIDE),
    ("GET", "/v1/offers/{x}", EMPLOYER_SIDE),
    ("POST", "/v1/offers/{x}/answer", OFFICER),
    ("POST", "/v1/offers/{x}/withdraw", EMPLOYER_SIDE),
    ("POST", "/v1/contracts", EMPLOYER_SIDE),
    ("GET", "/v1/contracts", EMPLOYER_SIDE),
    ("GET", "/v1/contracts/{x}", EMPLOYER_SIDE),
    ("GET", "/v1/contracts/{x}/document", EMPLOYER_SIDE),
    ("PATCH", "/v1/contracts/{x}", EMPLOYER_SIDE),
    ("POST", "/v1/contracts/{x}/confirmations", OFFICER),
    ("POST", "/v1/contracts/{x}/acknowledgements", OFFICER),
    ("POST", "/v1/contracts/{x}/sign", EMPLOYER_SIDE),
    ("POST", "/v1/contracts/{x}/registrations", EMPLOYER_SIDE),
    ("POST", "/v1/contracts/{x}/corrections", {"case_officer", "service"}),
    ("POST", "/v1/contracts/{x}/cancel", EMPLOYER_SIDE),
]


def test_the_role_table_covers_every_route() -> None:
    import re

    from services.matching.routes import router

    served = {(sorted(r.methods)[0], re.sub(r"\{[a-z_]+\}", "{x}", r.path)) for r in router.routes}  # type: ignore[attr-defined]
    assert served == {(m, p) for m, p, _ in ROUTES}


@pytest.mark.parametrize(("method", "path", "allowed"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
async def test_every_endpoint_admits_its_roles_only(app: Any, method: str, path: str, allowed: set[str]) -> None:
    path = path.replace("{x}", str(uuid.uuid4()))
    for role in ("case_officer", "employer", "operator", "analyst", "trainer", "service"):
        extra = {"employer_id": str(uuid.uuid4())} if role == "employer" else {}
        extra |= {"provider": "goethe"} if role == "trainer" else {}
        async with client(app, role, f"{role}-1", **extra) as caller:
            response = await caller.request(method, path, json={})
        if role in allowed:
            assert response.status_code not in (401, 403), (role, response.text)
        else:
            assert response.status_code == 403, (role, response.status_code)
    anonymous = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://matching")
    async with anonymous:
        assert (await anonymous.request(method, path, json={})).status_code == 401


async def test_an_officer_sees_the_best_candidates_for_a_position_and_records_preferences(app: Any) -> None:
    employer_id = await register(app)
    position = await open_position(app, employer_id)
    strong = await seed_profile(app, preferred_lands=["DE-BY"])
    learning = await seed_profile(app, level="A2")
    await seed_profile(app, occupation_codes=["32122"])  # another occupational group: not a candidate
    await seed_profile(app, matchable=False, consent=False)  # no consent: never listed
    async with client(app) as officer:
        listed = await officer.get(f"/v1/positions/{position['id']}/candidates", params={"limit": 50})
        assert listed.status_code == 200, listed.text
        ids = [i["profile"]["candidate_id"] for i in listed.json()["items"]]
        assert ids.index(strong) < ids.index(learning)
        assert all(i["score"] == pytest.approx(sum(t["points"] for t in i["terms"])) for i in listed.json()["items"])
        changed = await officer.patch(
            f"/v1/profiles/{learning}", json={"preferred_lands": ["DE-NW"], "mobility": "preferred_only"}
        )
        assert changed.status_code == 200 and changed.json()["preferred_lands"] == ["DE-NW"]
        again = (await officer.get(f"/v1/positions/{position['id']}/candidates", params={"limit": 50})).json()
        region = next(
            t
            for i in again["items"]
            if i["profile"]["candidate_id"] == learning
            for t in i["terms"]
            if t["criterion"] == "region"
        )
        assert region["fit"] == 0 and "not among the preferred" in region["reason"]
        page = await officer.get("/v1/profiles", params={"limit": 1})
        assert page.status_code == 200 and len(page.json()["items"]) == 1 and page.json()["next_cursor"]
        following = await officer.get("/v1/profiles", params={"limit": 1, "cursor": page.json()["next_cursor"]})
        assert following.json()["items"][0]["candidate_id"] != page.json()["items"][0]["candidate_id"]
        assert (await officer.get("/v1/profiles", params={"cursor": "bm90LWEtY3Vyc29y"})).status_code == 400
