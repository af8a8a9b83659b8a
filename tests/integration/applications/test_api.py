"""The applications API against real PostgreSQL: every endpoint, role, validation error and rule."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date
from typing import Any

import asyncpg
import httpx
import pytest

from deploy.local.demo_data import application_body
from services.applications.config import ApplicationsSettings
from tests.support.helpers import auth

pytestmark = pytest.mark.integration

PDF = b"%PDF-1.7\n" + b"x" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"y" * 200


async def fetch(settings: ApplicationsSettings, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(settings.asyncpg_dsn)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def create(http: httpx.AsyncClient, **kw: Any) -> dict[str, Any]:
    response = await http.post("/v1/applications", json=application_body(**kw))
    assert response.status_code == 201, response.text
    return response.json()


async def submitted(http: httpx.AsyncClient, **kw: Any) -> dict[str, Any]:
    app = await create(http, **kw)
    response = await http.post(f"/v1/applications/{app['id']}/submit")
    assert response.status_code == 200, response.text
    return response.json()


async def upload(
    http: httpx.AsyncClient, app_id: str, doc_type: str, content: bytes = PDF, ctype: str = "application/pdf"
) -> httpx.Response:
    return await http.post(
        f"/v1/applications/{app_id}/documents",
        data={"document_type": doc_type},
        files={"file": ("scan.pdf", content, ctype)},
    )


async def ready_for_preselection(http: httpx.AsyncClient) -> dict[str, Any]:
    app = await submitted(http)
    for doc_type in ("CNIE", "BAC", "MOTIVATION"):
        doc = (await upload(http, app["id"], doc_type)).json()
        review = await http.post(
            f"/v1/applications/{app['id']}/documents/{doc['id']}/review", json={"decision": "verify"}
        )
        assert review.status_code == 200, review.text
    return app


def assert_problem(response: httpx.Response, status: int, type_suffix: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"].endswith(type_suffix) and body["status"] == status and body["title"]
    return body


# --- access control ----------------------------------------------------------------------------------


async def test_no_token_is_401_with_a_bearer_challenge(http: httpx.AsyncClient) -> None:
    response = await http.get("/v1/applications", headers={"Authorization": ""})
    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == 'Bearer realm="thamm"'


@pytest.mark.parametrize("bad", ["not-a-jwt", "eyJhbGciOiJub25lIn0.e30."])
async def test_invalid_tokens_are_401_invalid_token(http: httpx.AsyncClient, bad: str) -> None:
    response = await http.get("/v1/applications", headers={"Authorization": f"Bearer {bad}"})
    assert_problem(response, 401, "unauthorized")
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_expired_and_foreign_tokens_are_refused(http: httpx.AsyncClient) -> None:
    from services.common.auth import INVALID_TOKEN_DETAIL, ensure_dev_keys, issue_token

    private = ensure_dev_keys()[0].read_bytes()
    expired = issue_token(
        private, subject="a", roles=["case_officer"], issuer="thamm-dev", audience="thamm", ttl_s=-120
    )
    wrong_aud = issue_token(private, subject="a", roles=["case_officer"], issuer="thamm-dev", audience="other")
    wrong_iss = issue_token(private, subject="a", roles=["case_officer"], issuer="evil", audience="thamm")
    for bad, reason in ((expired, "expired"), (wrong_aud, "audience"), (wrong_iss, "issuer")):
        response = await http.get("/v1/applications", headers={"Authorization": f"Bearer {bad}"})
        body = assert_problem(response, 401, "unauthorized")
        assert body["detail"] == INVALID_TOKEN_DETAIL, reason  # one fixed description, nothing echoed
        assert 'error="invalid_token"' in response.headers["www-authenticate"]


ENDPOINTS = [  # (method, path template, roles allowed)
    ("POST", "/v1/applications", {"case_officer"}),
    ("GET", "/v1/applications", {"case_officer", "operator", "analyst", "service"}),
    ("GET", "/v1/applications/{id}", {"case_officer", "operator", "analyst", "service"}),
    ("PATCH", "/v1/applications/{id}", {"case_officer"}),
    ("POST", "/v1/applications/{id}/submit", {"case_officer"}),
    ("POST", "/v1/applications/{id}/decision", {"case_officer"}),
    ("POST", "/v1/applications/{id}/withdraw", {"case_officer"}),
    ("POST", "/v1/applications/{id}/documents", {"case_officer"}),
    ("GET", "/v1/applications/{id}/documents", {"case_officer", "operator"}),
    ("GET", "/v1/applications/{id}/history", {"case_officer", "operator"}),
    ("DELETE", "/v1/candidates/{id}/personal-data", {"case_officer"}),
]
ROLES = ["case_officer", "trainer", "employer", "operator", "analyst", "service"]


@pytest.mark.parametrize(("method", "path", "allowed"), ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in ENDPOINTS])
async def test_every_endpoint_admits_exactly_its_roles(
    http: httpx.AsyncClient, method: str, path: str, allowed: set[str]
) -> None:
    url = path.format(id=uuid.uuid4())  # unknown id: an admitted role gets 404/422, never 401/403
    for role in ROLES:
        extra = {"employer_id": str(uuid.uuid4())} if role == "employer" else {}
        response = await http.request(
            method, url, headers=auth(role, **extra), json={} if method in ("POST", "PATCH") else None
        )
        if role in allowed:
            assert response.status_code not in (401, 403), (role, response.text)
        else:
            assert_problem(response, 403, "forbidden")
            assert 'error="insufficient_scope"' in response.headers["www-authenticate"]


# --- create, validate, edit --------------------------------------------------------------------------


async def test_create_returns_a_masked_draft(http: httpx.AsyncClient, settings: ApplicationsSettings) -> None:
    body = application_body()
    cnie = body["candidate"]["national_id_number"]
    response = await http.post("/v1/applications", json=body)
    assert response.status_code == 201
    app = response.json()
    assert response.headers["location"] == f"/v1/applications/{app['id']}"
    assert app["status"] == "draft" and app["candidate"]["national_id_number"] == "*" * (len(cnie) - 2) + cnie[-2:]
    assert app["candidate"]["consents"] == {"processing": True, "sharing_employers": True, "statistics": True}
    stored = await fetch(
        settings,
        "SELECT national_id_enc, national_id_hash FROM candidate WHERE id = $1",
        uuid.UUID(app["candidate_id"]),
    )
    assert cnie.encode() not in stored[0]["national_id_enc"] and cnie not in stored[0]["national_id_hash"]


async def test_an_application_shows_its_own_candidates_latest_consents(http: httpx.AsyncClient) -> None:
    """Each read carries the consents of that application's candidate only, the latest per purpose."""
    revoking = application_body()
    revoking["consents"] = [{**c, "granted": c["purpose"] != "statistics"} for c in revoking["consents"]]
    first = (await http.post("/v1/applications", json=revoking)).json()
    second = (await http.post("/v1/applications", json=application_body())).json()  # all granted, later
    third = application_body()
    third["consents"] = [c for c in third["consents"] if c["purpose"] == "processing"]
    only_one = (await http.post("/v1/applications", json=third)).json()
    read = {a["id"]: (await http.get(f"/v1/applications/{a['id']}")).json() for a in (first, second, only_one)}
    assert read[first["id"]]["candidate"]["consents"] == {
        "processing": True, "sharing_employers": True, "statistics": False,
    }  # fmt: skip
    assert read[second["id"]]["candidate"]["consents"] == {
        "processing": True, "sharing_employers": True, "statistics": True,
    }  # fmt: skip
    assert read[only_one["id"]]["candidate"]["consents"] == {"processing": True}
    revoke = {"purpose": "sharing_employers", "granted": False, "text_version": "2026-01", "language": "fr"}
    assert (await http.post(f"/v1/applications/{second['id']}/consents", json={"consents": [revoke]})).is_success
    again = (await http.get(f"/v1/applications/{second['id']}")).json()["candidate"]["consents"]
    assert again == {"processing": True, "sharing_employers": False, "statistics": True}
    assert (await http.get(f"/v1/applications/{first['id']}")).json()["candidate"]["consents"]["sharing_employers"]


async def test_a_second_candidate_with_the_same_national_id_is_a_409(http: httpx.AsyncClient) -> None:
    body = application_body()
    assert (await http.post("/v1/applications", json=body)).status_code == 201
    other = application_body("Someone", "Else")
    other["candidate"]["national_id_number"] = body["candidate"]["national_id_number"].lower()
    assert_problem(await http.post("/v1/applications", json=other), 409, "duplicate-candidate")


async def test_same_name_and_birth_date_is_flagged_for_review(http: httpx.AsyncClient) -> None:
    first = await create(http, first="Karim", last=f"Test{uuid.uuid4().hex[:6]}", born="2000-01-01")
    second = await create(http, first="karim ", last=first["candidate"]["last_name"], born="2000-01-01")
    assert first["review_flags"] == [] and second["review_flags"] == ["possible_duplicate_name_dob"]


@pytest.mark.parametrize(
    ("mutate", "pointer"),
    [
        (lambda b: b["candidate"].update(region="atlantis"), "#/candidate/region"),
        (lambda b: b.update(occupation_codes=["12"]), "#/occupation_codes/0"),
        (lambda b: b.update(occupation_codes=["99999"]), "#/occupation_codes/0"),
        (lambda b: b.update(occupation_codes=["29302"] * 4), "#/occupation_codes"),
        (lambda b: b["candidate"].pop("date_of_birth"), "#/candidate/date_of_birth"),
        (lambda b: b["candidate"].update(email="not-an-email"), "#/candidate/email"),
        (lambda b: b["candidate"].update(sex="Q"), "#/candidate/sex"),
        (lambda b: b["candidate"].update(national_id_number="!!"), "#/candidate/national_id_number"),
        (lambda b: b.update(unexpected=True), "#/unexpected"),
    ],
)
async def test_validation_errors_point_at_the_field(http: httpx.AsyncClient, mutate: Any, pointer: str) -> None:
    body = application_body()
    mutate(body)
    problem = assert_problem(await http.post("/v1/applications", json=body), 422, "validation-error")
    assert pointer in [e["pointer"] for e in problem["errors"]], problem


async def test_malformed_json_is_a_problem_not_a_stack_trace(http: httpx.AsyncClient) -> None:
    response = await http.post("/v1/applications", content=b"{nope", headers={"content-type": "application/json"})
    assert_problem(response, 422, "validation-error")


async def test_drafts_can_be_edited_and_submitted_ones_cannot(http: httpx.AsyncClient) -> None:
    app = await create(http)
    patched = await http.patch(
        f"/v1/applications/{app['id']}",
        json={"occupation_codes": ["25102"], "candidate": {"city": "Tanger", "passport_number": "ZX987654"}},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["occupation_codes"] == ["25102"]
    assert patched.json()["candidate"]["city"] == "Tanger"
    assert patched.json()["candidate"]["passport_number"] == "******54"
    await http.post(f"/v1/applications/{app['id']}/submit")
    assert_problem(
        await http.patch(f"/v1/applications/{app['id']}", json={"occupation_codes": ["29302"]}), 409, "not-a-draft"
    )


# --- submit and eligibility --------------------------------------------------------------------------


async def test_submission_stores_each_rule_with_its_reason_and_publishes(
    http: httpx.AsyncClient, settings: ApplicationsSettings
) -> None:
    app = await submitted(http)
    assert app["status"] == "submitted" and app["eligible"] is True and app["rules_version"] == "thamm-2026-01"
    assert {r["rule"] for r in app["eligibility"]} == {
        "age",
        "nationality_or_residence",
        "diploma",
        "occupation",
        "consent",
    }
    rows = await fetch(settings, "SELECT event_type, payload FROM outbox WHERE aggregate_id = $1", app["candidate_id"])
    assert [r["event_type"].split(".")[2] for r in rows] == [
        "consent_changed",
        "consent_changed",
        "consent_changed",
        "application_submitted",
        "statistical_profile_recorded",
    ]


async def test_the_statistical_profile_is_published_only_under_the_statistics_consent(
    http: httpx.AsyncClient, settings: ApplicationsSettings
) -> None:
    """Coarse values (an age band, the ISCED level), at submission or when the consent comes later; never a
    birth date, a name or a number."""
    body = application_body(born="1999-02-03")
    body["consents"] = [c for c in body["consents"] if c["purpose"] != "statistics"]
    created = await http.post("/v1/applications", json=body)
    app = created.json()
    assert (await http.post(f"/v1/applications/{app['id']}/submit")).status_code == 200
    sql = "SELECT event_type, payload FROM outbox WHERE aggregate_id = $1 ORDER BY position"
    without = [r["event_type"].split(".")[2] for r in await fetch(settings, sql, app["candidate_id"])]
    assert "statistical_profile_recorded" not in without
    consent = {"purpose": "statistics", "granted": True, "text_version": "2026-01", "language": "ar"}
    given = await http.post(f"/v1/applications/{app['id']}/consents", json={"consents": [consent]})
    assert given.status_code == 200 and given.json()["consents"]["statistics"] is True
    rows = [r for r in await fetch(settings, sql, app["candidate_id"]) if "statistical_profile" in r["event_type"]]
    assert len(rows) == 1
    payload = json.loads(rows[0]["payload"])
    expected_band = "25-34" if date.today().year - 1999 >= 25 else "15-24"
    assert payload["age_band"] == expected_band and payload["education_isced"] == "3"
    assert payload["sex"] == "M" and payload["citizenship"] == "MA" and payload["country_of_birth"] is None
    text = json.dumps(payload)
    assert "1999" not in text and "El Amrani" not in text and body["candidate"]["national_id_number"] not in text


async def test_ineligible_candidates_are_told_why(http: httpx.AsyncClient) -> None:
    app = await create(http, born="1980-01-01", diploma="OTHER")
    response = await http.post(f"/v1/applications/{app['id']}/submit")
    result = response.json()
    failed = {r["rule"]: r["reason"] for r in result["eligibility"] if not r["passed"]}
    assert result["eligible"] is False and set(failed) == {"age", "diploma"}
    assert "required 18-27" in failed["age"]
    decision = await http.post(
        f"/v1/applications/{app['id']}/decision",
        json={"decision": "preselect", "reason_code": "MEETS_CRITERIA", "occupation_code": "29302"},
    )
    assert_problem(decision, 409, "not-eligible")


async def test_submitting_twice_is_an_illegal_transition(http: httpx.AsyncClient) -> None:
    app = await submitted(http)
    body = assert_problem(await http.post(f"/v1/applications/{app['id']}/submit"), 409, "illegal-transition")
    assert body["current_status"] == "submitted"


async def test_unknown_application_is_404(http: httpx.AsyncClient) -> None:
    assert_problem(await http.get(f"/v1/applications/{uuid.uuid4()}"), 404, "not-found")
    assert_problem(await http.get("/v1/applications/not-a-uuid"), 422, "validation-error")


# --- documents ---------------------------------------------------------------------------------------


async def test_documents_upload_checklist_and_review(http: httpx.AsyncClient, settings: ApplicationsSettings) -> None:
    app = await submitted(http)
    doc = await upload(http, app["id"], "CNIE", PNG, "image/png")
    assert doc.status_code == 201, doc.text
    assert doc.json()["status"] == "uploaded" and len(doc.json()["sha256"]) == 64
    listing = (await http.get(f"/v1/applications/{app['id']}/documents")).json()
    assert [i["status"] for i in listing["checklist"]] == ["uploaded", "missing", "missing"]
    assert listing["complete"] is False
    rejected = await http.post(
        f"/v1/applications/{app['id']}/documents/{doc.json()['id']}/review",
        json={"decision": "reject", "reason_code": "ILLEGIBLE", "note": "too dark"},
    )
    assert rejected.json()["status"] == "rejected" and rejected.json()["reject_reason_code"] == "ILLEGIBLE"
    assert (await http.get(f"/v1/applications/{app['id']}")).json()["status"] == "screening"
    types = [
        r["event_type"]
        for r in await fetch(
            settings, "SELECT event_type FROM outbox WHERE aggregate_id = $1 ORDER BY position", app["candidate_id"]
        )
    ]
    assert types[-1] == "thamm.applications.document_rejected.v1"


@pytest.mark.parametrize(
    ("doc_type", "content", "ctype", "status", "type_suffix"),
    [
        ("CNIE", b"GIF89a....", "image/gif", 415, "unsupported-media-type"),
        ("CNIE", PDF, "image/png", 415, "unsupported-media-type"),
        ("CNIE", b"%PDF-" + b"z" * (64 * 1024), "application/pdf", 413, "too-large"),
        ("NOT_A_TYPE", PDF, "application/pdf", 422, "validation-error"),
        ("CNIE", b"", "application/pdf", 415, "unsupported-media-type"),
    ],
)
async def test_bad_uploads_are_refused(
    http: httpx.AsyncClient, doc_type: str, content: bytes, ctype: str, status: int, type_suffix: str
) -> None:
    app = await create(http)
    assert_problem(await upload(http, app["id"], doc_type, content, ctype), status, type_suffix)


async def test_rejecting_a_document_needs_a_known_reason(http: httpx.AsyncClient) -> None:
    app = await submitted(http)
    doc = (await upload(http, app["id"], "BAC")).json()
    response = await http.post(
        f"/v1/applications/{app['id']}/documents/{doc['id']}/review", json={"decision": "reject"}
    )
    assert_problem(response, 422, "validation-error")


# --- decisions and withdrawal ------------------------------------------------------------------------


async def test_preselection_needs_verified_documents(http: httpx.AsyncClient) -> None:
    app = await submitted(http)
    decision = {"decision": "preselect", "reason_code": "MEETS_CRITERIA", "occupation_code": "29302"}
    body = assert_problem(
        await http.post(f"/v1/applications/{app['id']}/decision", json=decision), 409, "documents-incomplete"
    )
    assert body["missing"] == ["CNIE", "BAC|VOC_DIPLOMA", "MOTIVATION"]


async def test_preselect_then_withdraw(http: httpx.AsyncClient, settings: ApplicationsSettings) -> None:
    app = await ready_for_preselection(http)
    decided = await http.post(
        f"/v1/applications/{app['id']}/decision",
        json={"decision": "preselect", "reason_code": "INTERVIEW_PASSED", "occupation_code": "29302", "note": "good"},
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "preselected" and decided.json()["preselected_occupation"] == "29302"
    withdrawn = await http.post(f"/v1/applications/{app['id']}/withdraw", json={"reason_code": "OTHER_OFFER"})
    assert withdrawn.json()["status"] == "withdrawn"
    types = [
        r["event_type"].split(".")[2]
        for r in await fetch(
            settings, "SELECT event_type FROM outbox WHERE aggregate_id = $1 ORDER BY position", app["candidate_id"]
        )
    ]
    assert types == [
        "consent_changed",
        "consent_changed",
        "consent_changed",
        "application_submitted",
        "statistical_profile_recorded",
        "document_verified",
        "document_verified",
        "document_verified",
        "application_preselected",
        "application_withdrawn",
    ]


async def test_reject_with_reason_and_no_way_back(http: httpx.AsyncClient) -> None:
    app = await submitted(http)
    rejected = await http.post(
        f"/v1/applications/{app['id']}/decision", json={"decision": "reject", "reason_code": "INTERVIEW_FAILED"}
    )
    assert rejected.json()["status"] == "rejected" and rejected.json()["decision_reason_code"] == "INTERVIEW_FAILED"
    assert_problem(
        await http.post(f"/v1/applications/{app['id']}/withdraw", json={"reason_code": "PERSONAL"}),
        409,
        "illegal-transition",
    )


@pytest.mark.parametrize(
    ("path", "body", "pointer"),
    [
        ("decision", {"decision": "reject", "reason_code": "BECAUSE"}, "#/reason_code"),
        ("decision", {"decision": "maybe", "reason_code": "OTHER"}, "#/decision"),
        ("withdraw", {"reason_code": "BORED"}, "#/reason_code"),
    ],
)
async def test_decision_validation(http: httpx.AsyncClient, path: str, body: dict[str, Any], pointer: str) -> None:
    app = await submitted(http)
    problem = assert_problem(
        await http.post(f"/v1/applications/{app['id']}/{path}", json=body), 422, "validation-error"
    )
    assert pointer in [e["pointer"] for e in problem["errors"]]


# --- listing -----------------------------------------------------------------------------------------


async def test_filters_and_cursor_pages_cover_everything_once(http: httpx.AsyncClient) -> None:
    region = "dakhla-oued-ed-dahab"
    made = [await submitted(http, region=region, occupations=("34212",)) for _ in range(7)]
    await create(http, region=region, occupations=("34212",))  # a draft: filtered out below
    seen: list[str] = []
    cursor = None
    while True:
        params = {
            "region": region,
            "status": "submitted",
            "occupation": "34212",
            "limit": 3,
            "sort": "submitted_at",
            "order": "asc",
            **({"cursor": cursor} if cursor else {}),
        }
        page = (await http.get("/v1/applications", params=params)).json()
        seen += [a["id"] for a in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [a["id"] for a in made]
    newest_first = (
        await http.get("/v1/applications", params={"region": region, "status": "submitted", "limit": 200})
    ).json()
    assert [a["id"] for a in newest_first["items"]] == [a["id"] for a in reversed(made)]
    window = (
        await http.get(
            "/v1/applications",
            params={
                "region": region,
                "submitted_from": made[2]["submitted_at"],
                "submitted_to": made[4]["submitted_at"],
            },
        )
    ).json()
    assert sorted(a["id"] for a in window["items"]) == sorted(a["id"] for a in made[2:4])


async def test_bad_list_parameters(http: httpx.AsyncClient) -> None:
    assert_problem(await http.get("/v1/applications", params={"cursor": "garbage"}), 400, "invalid-cursor")
    assert_problem(await http.get("/v1/applications", params={"cursor": "garbage!"}), 422, "validation-error")
    assert_problem(await http.get("/v1/applications", params={"limit": 0}), 422, "validation-error")
    assert_problem(await http.get("/v1/applications", params={"status": "lost"}), 422, "validation-error")


# --- personal data -----------------------------------------------------------------------------------


async def test_reveal_is_for_case_officers_and_audited(http: httpx.AsyncClient) -> None:
    body = application_body()
    app = (await http.post("/v1/applications", json=body)).json()
    clear = await http.get(f"/v1/applications/{app['id']}", params={"reveal": "national_id_number"})
    assert clear.json()["candidate"]["national_id_number"] == body["candidate"]["national_id_number"]
    denied = await http.get(
        f"/v1/applications/{app['id']}", params={"reveal": "national_id_number"}, headers=auth("operator")
    )
    assert_problem(denied, 403, "forbidden")
    history = (await http.get(f"/v1/applications/{app['id']}/history")).json()
    assert [h["action"] for h in history] == ["application.create", "candidate.reveal"]
    assert history[1]["changes"] == {"fields": ["national_id_number"]} and history[1]["actor_id"] == "officer-1"


async def test_erasure_shreds_blanks_keeps_statistics_and_publishes(
    http: httpx.AsyncClient, settings: ApplicationsSettings
) -> None:
    app = await ready_for_preselection(http)
    candidate = app["candidate_id"]
    first = await http.delete(f"/v1/candidates/{candidate}/personal-data")
    assert first.status_code == 200, first.text
    again = await http.delete(f"/v1/candidates/{candidate}/personal-data")
    assert again.json()["erased_at"] == first.json()["erased_at"]
    shown = (await http.get(f"/v1/applications/{app['id']}")).json()["candidate"]
    assert shown["erased"] is True and shown["first_name"] is None and shown["national_id_number"] is None
    assert (shown["sex"], shown["birth_year"], shown["region"]) == ("M", 2003, "casablanca-settat")
    assert_problem(
        await http.get(f"/v1/applications/{app['id']}", params={"reveal": "national_id_number"}), 410, "erased"
    )
    key = await fetch(settings, "SELECT wrapped_key FROM candidate_key WHERE candidate_id = $1", uuid.UUID(candidate))
    assert key[0]["wrapped_key"] is None
    docs = (await http.get(f"/v1/applications/{app['id']}/documents")).json()["items"]
    assert docs and all(d["filename"] is None for d in docs)
    events = await fetch(settings, "SELECT event_type FROM outbox WHERE aggregate_id = $1", candidate)
    assert "thamm.applications.candidate_erased.v1" in [e["event_type"] for e in events]
    assert_problem(await http.delete(f"/v1/candidates/{uuid.uuid4()}/personal-data"), 404, "not-found")


# --- idempotency -------------------------------------------------------------------------------------


async def test_a_retried_post_with_the_same_key_gives_the_first_answer(
    http: httpx.AsyncClient, settings: ApplicationsSettings
) -> None:
    body = application_body()
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = await http.post("/v1/applications", json=body, headers=key)
    second = await http.post("/v1/applications", json=body, headers=key)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json() and second.headers["idempotent-replayed"] == "true"
    count = await fetch(settings, "SELECT count(*) FROM application WHERE id = $1", uuid.UUID(first.json()["id"]))
    assert count[0][0] == 1
    other = application_body()
    assert_problem(await http.post("/v1/applications", json=other, headers=key), 422, "idempotency-key-reused")
    submit_key = {"Idempotency-Key": "submit-1"}
    a = await http.post(f"/v1/applications/{first.json()['id']}/submit", headers=submit_key)
    b = await http.post(f"/v1/applications/{first.json()['id']}/submit", headers=submit_key)
    assert a.status_code == b.status_code == 200 and a.json() == b.json()
    events = await fetch(
        settings,
        "SELECT count(*) FROM outbox WHERE aggregate_id = $1 AND event_type LIKE '%.application_submitted.v1'",
        first.json()["candidate_id"],
    )
    assert events[0][0] == 1


async def test_keys_are_scoped_per_caller(http: httpx.AsyncClient) -> None:
    key = {"Idempotency-Key": "shared-key"}
    a = await http.post("/v1/applications", json=application_body(), headers=key)
    b = await http.post("/v1/applications", json=application_body(), headers={**key, **auth(subject="officer-2")})
    assert a.status_code == b.status_code == 201 and a.json()["id"] != b.json()["id"]


# --- the personal-data rule --------------------------------------------------------------------------


async def test_no_personal_field_reaches_any_outbox_payload(
    http: httpx.AsyncClient, settings: ApplicationsSettings
) -> None:
    body = application_body(
        first="Zineb",
        last="Alaoui",
        born="2002-02-20",
        passport_number="PX7654321",
        email="zineb.alaoui@example.org",
        phone="+212 611 223344",
        city="Agadir",
    )
    app = (await http.post("/v1/applications", json=body)).json()
    await http.post(f"/v1/applications/{app['id']}/submit")
    await http.post(f"/v1/applications/{app['id']}/decision", json={"decision": "reject", "reason_code": "OTHER"})
    await http.delete(f"/v1/candidates/{app['candidate_id']}/personal-data")
    c = body["candidate"]
    secrets = [
        c["first_name"],
        c["last_name"],
        c["national_id_number"],
        "PX7654321",
        c["email"],
        "611 223344",
        "Agadir",
        "2002-02-20",
    ]
    rows = await fetch(settings, "SELECT payload::text AS payload, headers::text AS headers FROM outbox")
    assert rows
    for row in rows:
        for secret in secrets:
            assert secret not in row["payload"] and secret not in row["headers"], (secret, row["payload"])


async def test_audit_rows_cannot_be_changed(settings: ApplicationsSettings, http: httpx.AsyncClient) -> None:
    """The runtime role has no UPDATE, DELETE or TRUNCATE on the trail; even the owner is stopped by a trigger."""
    await create(http)
    before = (await fetch(settings, "SELECT count(*) FROM audit_event"))[0][0]
    for statement in ("UPDATE audit_event SET action = 'tampered'", "DELETE FROM audit_event", "TRUNCATE audit_event"):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await fetch(settings, statement)
    owner = settings.owner_database_url.replace("postgresql+asyncpg://", "postgresql://")
    for statement in ("UPDATE audit_event SET action = 'tampered'", "DELETE FROM audit_event", "TRUNCATE audit_event"):
        conn = await asyncpg.connect(owner)
        try:
            with pytest.raises(asyncpg.PostgresError, match="append-only"):
                await conn.execute(statement)
        finally:
            await conn.close()
    assert (await fetch(settings, "SELECT count(*) FROM audit_event"))[0][0] == before
    assert not await fetch(settings, "SELECT 1 FROM audit_event WHERE action = 'tampered'")


async def test_the_runtime_role_cannot_change_the_schema(settings: ApplicationsSettings) -> None:
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await fetch(settings, "DROP TABLE audit_event")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await fetch(settings, "CREATE TABLE intruder (id int)")


def test_openapi_documents_examples_and_problems(http: httpx.AsyncClient) -> None:
    spec = http._transport.app.openapi()  # type: ignore[attr-defined]
    create_op = spec["paths"]["/v1/applications"]["post"]
    assert create_op["requestBody"]["content"]["application/json"]["schema"]
    assert "examples" in json.dumps(spec["components"]["schemas"]["ApplicationCreate"])
    assert {"401", "403", "422"} <= set(create_op["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in create_op["parameters"])


def test_every_operation_has_a_readable_id_and_one_tag(http: httpx.AsyncClient) -> None:
    spec = http._transport.app.openapi()  # type: ignore[attr-defined]
    operations = [op for path in spec["paths"].values() for op in path.values()]
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", i) and not i.endswith(("_get", "_post")) for i in ids), ids
    assert all(len(op["tags"]) == 1 for op in operations)
    assert {"create_application", "submit_application", "upload_document", "erase_personal_data"} <= set(ids)
    create = spec["paths"]["/v1/applications"]["post"]
    assert "read_application" in create["responses"]["201"]["links"]
    region = spec["components"]["schemas"]["CandidateIn"]["properties"]["region"]
    assert "casablanca-settat" in json.dumps(region), "reference data is an enum in the schema"
