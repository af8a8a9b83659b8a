"""The webhooks API against real PostgreSQL: endpoints (secret shown once, rotation, enable and disable), the
event-type list, the delivery log, redelivery and replay, API keys replicated from matching, two employers
that never see each other's endpoints or deliveries, and every endpoint's roles."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.common.apikeys import new_api_key
from services.webhooks.tables import ApiKeyReplicaRecord
from tests.support.helpers import auth

pytestmark = pytest.mark.integration

TYPES = ["thamm.matching.offer_made.v1", "thamm.matching.contract_signed.v1"]


def employer(app: Any, employer_id: uuid.UUID) -> httpx.AsyncClient:
    headers = auth("employer", f"hr-{employer_id.hex[:6]}", employer_id=str(employer_id))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://webhooks", headers=headers)


def officer(app: Any, role: str = "case_officer", **kw: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://webhooks", headers=auth(role, f"{role}-1", **kw)
    )


async def register(app: Any, employer_id: uuid.UUID, url: str = "http://127.0.0.1:9/hooks") -> dict[str, Any]:
    async with employer(app, employer_id) as client:
        created = await client.post(
            "/v1/endpoints", json={"employer_id": str(employer_id), "url": url, "event_types": TYPES}
        )
    assert created.status_code == 201, created.text
    return dict(created.json())


async def test_an_endpoint_is_registered_with_a_secret_shown_once_and_rotated_with_an_overlap(app: Any) -> None:
    me = uuid.uuid4()
    endpoint = await register(app, me)
    assert endpoint["secret"].startswith("whsec_") and endpoint["status"] == "enabled"
    async with employer(app, me) as client:
        read = (await client.get(f"/v1/endpoints/{endpoint['id']}")).json()
        assert "secret" not in read and read["event_types"] == sorted(TYPES)
        rotated = await client.post(f"/v1/endpoints/{endpoint['id']}/secret/rotate")
        assert rotated.status_code == 200 and rotated.json()["secret"] != endpoint["secret"]
        assert datetime.fromisoformat(rotated.json()["previous_secret_until"]) > datetime.now(UTC) + timedelta(hours=23)
        disabled = await client.patch(f"/v1/endpoints/{endpoint['id']}", json={"enabled": False})
        assert disabled.json()["status"] == "disabled" and disabled.json()["disabled_reason"] == "BY_EMPLOYER"
        refused = await client.post(f"/v1/endpoints/{endpoint['id']}/test")
        assert refused.status_code == 409 and refused.json()["type"].endswith("/endpoint-disabled")
        enabled = await client.patch(f"/v1/endpoints/{endpoint['id']}", json={"enabled": True, "description": "HR"})
        assert enabled.json()["status"] == "enabled" and enabled.json()["disabled_reason"] is None
        test = await client.post(f"/v1/endpoints/{endpoint['id']}/test")
        assert test.status_code == 202 and test.json()["event_type"] == "webhook.test"
        assert test.json()["msg_id"].startswith("msg_") and test.json()["status"] == "pending"
        log = (await client.get(f"/v1/endpoints/{endpoint['id']}/deliveries")).json()["items"]
        assert [d["id"] for d in log] == [test.json()["id"]]
        detail = (await client.get(f"/v1/deliveries/{test.json()['id']}")).json()
        assert '"type":"webhook.test"' in detail["body"] and detail["attempt_log"] == []


async def test_urls_and_event_types_are_checked(app: Any) -> None:
    me = uuid.uuid4()
    async with employer(app, me) as client:
        plain = await client.post(
            "/v1/endpoints", json={"employer_id": str(me), "url": "http://hr.example.de/x", "event_types": TYPES}
        )
        unknown = await client.post(
            "/v1/endpoints",
            json={"employer_id": str(me), "url": "https://hr.example.de/x", "event_types": ["thamm.nope.v1"]},
        )
        other = await client.post(
            "/v1/endpoints",
            json={"employer_id": str(uuid.uuid4()), "url": "https://hr.example.de/x", "event_types": TYPES},
        )
        listed = (await client.get("/v1/event-types")).json()["items"]
    assert plain.status_code == 422 and plain.json()["errors"][0]["pointer"] == "#/url"
    assert unknown.status_code == 422
    assert other.status_code == 403  # an employer registers endpoints for itself only
    offer = next(t for t in listed if t["type"] == "thamm.matching.offer_made.v1")
    assert "candidate_id" not in offer["example"]["data"] and offer["description"]


async def test_redeliver_and_replay_put_deliveries_back_in_the_queue(app: Any) -> None:
    me = uuid.uuid4()
    endpoint = await register(app, me)
    async with employer(app, me) as client:
        first = (await client.post(f"/v1/endpoints/{endpoint['id']}/test")).json()
        second = (await client.post(f"/v1/endpoints/{endpoint['id']}/test")).json()
    async with app.state.sessions() as session:
        from sqlalchemy import text

        await (await session.connection()).execute(
            text("UPDATE delivery SET status = 'failed' WHERE endpoint_id = :e"), {"e": endpoint["id"]}
        )
        await session.commit()
    async with employer(app, me) as client:
        redelivered = await client.post(f"/v1/deliveries/{first['id']}/redeliver")
        assert redelivered.status_code == 202 and redelivered.json()["status"] == "pending"
        since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
        replayed = await client.post(f"/v1/endpoints/{endpoint['id']}/replay", json={"since": since})
        assert replayed.status_code == 202 and replayed.json() == {"replayed": 1}  # the other was already pending
        future = await client.post(f"/v1/endpoints/{endpoint['id']}/replay", json={"since": "2999-01-01T00:00:00Z"})
        assert future.status_code == 202 and future.json() == {"replayed": 0}
        pending = (await client.get(f"/v1/endpoints/{endpoint['id']}/deliveries", params={"status": "pending"})).json()
    assert {d["id"] for d in pending["items"]} == {first["id"], second["id"]}


async def test_an_employer_never_reaches_another_employers_endpoints_or_deliveries(app: Any) -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    endpoint = await register(app, a)
    async with employer(app, a) as client:
        delivery = (await client.post(f"/v1/endpoints/{endpoint['id']}/test")).json()
    e, d = endpoint["id"], delivery["id"]
    calls = [
        ("GET", f"/v1/endpoints/{e}", None),
        ("PATCH", f"/v1/endpoints/{e}", {"enabled": False}),
        ("POST", f"/v1/endpoints/{e}/secret/rotate", None),
        ("POST", f"/v1/endpoints/{e}/test", None),
        ("POST", f"/v1/endpoints/{e}/replay", {"since": "2020-01-01T00:00:00Z"}),
        ("GET", f"/v1/endpoints/{e}/deliveries", None),
        ("GET", f"/v1/deliveries/{d}", None),
        ("POST", f"/v1/deliveries/{d}/redeliver", None),
    ]
    async with employer(app, b) as client:
        for method, path, body in calls:
            response = await client.request(method, path, json=body)
            assert response.status_code == 404, (method, path, response.status_code)
        assert (await client.get("/v1/endpoints")).json()["items"] == []
    async with employer(app, a) as client:
        assert (await client.get(f"/v1/endpoints/{e}")).json()["status"] == "enabled"
    async with officer(app) as case_officer:
        assert (await case_officer.get(f"/v1/endpoints/{e}")).status_code == 200


async def test_an_api_key_made_on_matching_acts_as_its_employer_until_revoked(app: Any) -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    mine, theirs = await register(app, a), await register(app, b)
    key_id = uuid.uuid4()
    key, digest = new_api_key(key_id)
    async with app.state.sessions() as session:
        session.add(ApiKeyReplicaRecord(id=key_id, employer_id=a, secret_sha256=digest))
        await session.commit()
    machine = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://webhooks", headers={"Authorization": f"Bearer {key}"}
    )
    async with machine:
        assert [e["id"] for e in (await machine.get("/v1/endpoints")).json()["items"]] == [mine["id"]]
        assert (await machine.get(f"/v1/endpoints/{theirs['id']}")).status_code == 404
        async with app.state.sessions() as session:
            row = await session.get(ApiKeyReplicaRecord, key_id)
            assert row is not None
            row.revoked = True
            session.add(row)
            await session.commit()
        assert (await machine.get("/v1/endpoints")).status_code == 401


OWNERS, READERS = {"employer", "case_officer"}, {"employer", "case_officer", "operator"}
ROUTES = [
    ("GET", "/v1/event-types", READERS),
    ("POST", "/v1/endpoints", OWNERS),
    ("GET", "/v1/endpoints", READERS),
    ("GET", "/v1/endpoints/{x}", READERS),
    ("PATCH", "/v1/endpoints/{x}", OWNERS),
    ("POST", "/v1/endpoints/{x}/secret/rotate", OWNERS),
    ("POST", "/v1/endpoints/{x}/test", OWNERS),
    ("POST", "/v1/endpoints/{x}/replay", OWNERS),
    ("GET", "/v1/endpoints/{x}/deliveries", READERS),
    ("GET", "/v1/deliveries/{x}", READERS),
    ("POST", "/v1/deliveries/{x}/redeliver", OWNERS),
]


def test_the_role_table_covers_every_route() -> None:
    import re

    from services.webhooks.routes import router

    served = {(sorted(r.methods)[0], re.sub(r"\{[a-z_]+\}", "{x}", r.path)) for r in router.routes}  # type: ignore[attr-defined]
    assert served == {(m, p) for m, p, _ in ROUTES}


@pytest.mark.parametrize(("method", "path", "allowed"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
async def test_every_endpoint_admits_its_roles_only(app: Any, method: str, path: str, allowed: set[str]) -> None:
    path = path.replace("{x}", str(uuid.uuid4()))
    for role in ("case_officer", "employer", "operator", "analyst", "trainer", "service"):
        extra: dict[str, Any] = {"employer_id": str(uuid.uuid4())} if role == "employer" else {}
        extra |= {"provider": "goethe"} if role == "trainer" else {}
        async with officer(app, role, **extra) as caller:
            response = await caller.request(method, path, json={})
        assert (response.status_code == 403) is (role not in allowed), (role, response.status_code)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://webhooks") as anonymous:
        assert (await anonymous.request(method, path, json={})).status_code == 401
