"""Attacks on the applications API that must fail, each against real PostgreSQL.

Forged and other-role tokens never see a stored answer; keys cannot be pre-claimed by someone else; bodies
are not read before the token is verified; erasure leaves no plaintext behind; non-officers see no
identity; a service token cannot act as a case officer.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from deploy.local.demo_data import application_body
from services.applications.app import create_app
from services.applications.config import ApplicationsSettings
from services.applications.handlers.personal_data import delete_pending_blobs
from tests.support.helpers import auth, token

pytestmark = pytest.mark.integration


def client(app: Any, **headers: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api", headers=headers)


async def fetch(settings: ApplicationsSettings, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(settings.asyncpg_dsn)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


def unsigned_token(subject: str) -> str:
    """A token with `alg: none` claiming a case officer's subject."""

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    now = int(time.time())
    claims = {"iss": "thamm-dev", "aud": "thamm", "sub": subject, "iat": now, "exp": now + 600}
    return f"{part({'alg': 'none', 'typ': 'at+jwt'})}.{part({**claims, 'roles': ['case_officer']})}."


async def test_a_forged_or_other_role_token_never_gets_a_stored_answer(app: Any) -> None:
    key = f"k-{uuid.uuid4()}"
    body = application_body("Salma", "Bennani", "2003-03-03")
    async with client(app, **auth(subject="officer-a")) as officer:
        first = await officer.post("/v1/applications", json=body, headers={"Idempotency-Key": key})
    assert first.status_code == 201
    forged = {"Authorization": f"Bearer {unsigned_token('officer-a')}", "Idempotency-Key": key}
    async with client(app) as anyone:
        replay = await anyone.post("/v1/applications", json=body, headers=forged)
        assert replay.status_code == 401 and "Salma" not in replay.text
        other_role = {**auth("analyst", "officer-a"), "Idempotency-Key": key}
        replay = await anyone.post("/v1/applications", json=body, headers=other_role)
        assert replay.status_code == 403 and "Salma" not in replay.text
        assert "idempotent-replayed" not in replay.headers


async def test_a_key_pre_claimed_by_someone_else_does_not_touch_the_real_callers_request(app: Any) -> None:
    key = f"journey-{uuid.uuid4()}:submit"  # predictable, like the journey's keys
    async with client(app, **auth(subject="mallory")) as attacker:
        claimed = await attacker.post("/v1/applications", json={"junk": True}, headers={"Idempotency-Key": key})
        assert claimed.status_code == 422
    async with client(app, **auth(subject="officer-b")) as officer:
        body = application_body("Karim", "Alaoui", "2002-02-02")
        real = await officer.post("/v1/applications", json=body, headers={"Idempotency-Key": key})
        assert real.status_code == 201, real.text
        again = await officer.post("/v1/applications", json=body, headers={"Idempotency-Key": key})
        assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
        assert again.json()["id"] == real.json()["id"]


async def test_unauthenticated_requests_never_reach_the_idempotency_store(
    app: Any, settings: ApplicationsSettings
) -> None:
    key = f"anon-{uuid.uuid4()}"
    async with client(app) as anonymous:
        response = await anonymous.post("/v1/applications", json={}, headers={"Idempotency-Key": key})
    assert response.status_code == 401
    assert not await fetch(settings, "SELECT 1 FROM idempotency_key WHERE key = $1", key)


async def test_a_failed_request_stores_nothing_and_a_retry_runs_again(app: Any, settings: ApplicationsSettings) -> None:
    key = f"fail-{uuid.uuid4()}"
    async with client(app, **auth(subject="officer-c")) as officer:
        missing = await officer.post(f"/v1/applications/{uuid.uuid4()}/submit", headers={"Idempotency-Key": key})
    assert missing.status_code == 404  # a final answer: stored, so the same request gets the same answer
    rows = await fetch(settings, "SELECT status_code FROM idempotency_key WHERE key = $1", key)
    assert [r["status_code"] for r in rows] == [404]


async def test_concurrent_requests_with_one_key_make_one_effect(app: Any, settings: ApplicationsSettings) -> None:
    key = f"race-{uuid.uuid4()}"
    body = application_body("Imane", "Tazi", "2001-01-01")
    async with client(app, **auth(subject="officer-d")) as officer:
        answers = await asyncio.gather(
            *(officer.post("/v1/applications", json=body, headers={"Idempotency-Key": key}) for _ in range(4))
        )
    assert {a.status_code for a in answers} <= {201, 409}
    created = {a.json()["id"] for a in answers if a.status_code == 201}
    assert len(created) == 1, [a.text for a in answers]
    in_progress = [a for a in answers if a.status_code == 409]
    assert all(a.headers.get("retry-after") for a in in_progress)


async def test_concurrent_registrations_of_one_cnie_give_one_201_and_one_409(app: Any) -> None:
    body = application_body("Youssef", "Amrani", "2004-04-04")
    async with client(app, **auth()) as officer:
        answers = await asyncio.gather(*(officer.post("/v1/applications", json=body) for _ in range(2)))
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    conflict = next(a for a in answers if a.status_code == 409)
    assert conflict.json()["type"].endswith("/duplicate-candidate")


async def test_a_body_is_not_read_before_the_token_is_checked(app: Any) -> None:
    pulled = 0

    async def huge() -> AsyncIterator[bytes]:
        nonlocal pulled
        for _ in range(4096):  # 256 MiB if anyone read it all
            pulled += 1
            yield b"x" * 65536

    async with client(app) as anonymous:
        response = await anonymous.post(
            "/v1/applications", content=huge(), headers={"content-type": "application/json"}
        )
    assert response.status_code == 401
    assert pulled <= 2, f"{pulled} chunks were read before the 401"


async def test_a_declared_oversized_body_is_refused_at_once(app: Any) -> None:
    async with client(app, **auth()) as officer:
        response = await officer.post(
            "/v1/applications",
            content=b"{}",
            headers={"content-type": "application/json", "content-length": str(256 << 20)},
        )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


async def test_an_upload_may_be_larger_than_a_json_body(app: Any, settings: ApplicationsSettings) -> None:
    async with client(app, **auth()) as officer:
        created = (await officer.post("/v1/applications", json=application_body("Lina", "Sqalli", "2002-08-08"))).json()
        big = b"%PDF-1.7\n" + b"x" * (settings.max_upload_bytes - 100)
        assert len(big) > 32 * 1024
        response = await officer.post(
            f"/v1/applications/{created['id']}/documents",
            data={"document_type": "BAC"},
            files={"file": ("bac.pdf", big, "application/pdf")},
        )
        assert response.status_code == 201, response.text
        too_big = b"%PDF-1.7\n" + b"x" * (settings.max_upload_bytes + 70 * 1024)
        response = await officer.post(
            f"/v1/applications/{created['id']}/documents",
            data={"document_type": "BAC"},
            files={"file": ("bac.pdf", too_big, "application/pdf")},
        )
        assert response.status_code == 413 and response.headers["content-type"] == "application/problem+json"


async def test_a_streamed_body_past_the_limit_is_cut_off(app: Any, settings: ApplicationsSettings) -> None:
    pulled = 0

    async def stream() -> AsyncIterator[bytes]:
        nonlocal pulled
        for _ in range(1024):
            pulled += 1
            yield b" " * 65536

    async with client(app, **auth()) as officer:
        response = await officer.post(
            "/v1/applications", content=stream(), headers={"content-type": "application/json"}
        )
    assert response.status_code == 413
    assert pulled * 65536 <= settings.max_body_bytes + 2 * 65536


async def test_an_rs256_token_against_the_ed25519_key_is_a_plain_401(app: Any) -> None:
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    now = int(time.time())
    claims = {"iss": "thamm-dev", "aud": "thamm", "sub": "x", "iat": now, "exp": now + 60, "roles": ["case_officer"]}
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    bad = jwt.encode(claims, key, algorithm="RS256", headers={"typ": "at+jwt", "kid": 'ключ"evil'})
    async with client(app, Authorization=f"Bearer {bad}") as caller:
        response = await caller.get("/v1/applications")
    assert response.status_code == 401
    assert "evil" not in response.headers["www-authenticate"] and "ключ" not in response.text


async def test_a_service_token_cannot_act_as_a_case_officer(app: Any) -> None:
    async with client(app, **auth("service", "journey-worker")) as service:
        response = await service.post("/v1/applications", json=application_body("A", "B", "2000-01-01"))
        assert response.status_code == 403
        assert (await service.get("/v1/applications")).status_code == 200


async def test_analysts_operators_and_services_see_no_identity(app: Any) -> None:
    async with client(app, **auth()) as officer:
        created = (
            await officer.post("/v1/applications", json=application_body("Hind", "Berrada", "2003-05-05"))
        ).json()
        assert created["candidate"]["first_name"] == "Hind"
        assert (await officer.get(f"/v1/applications/{created['id']}")).headers["cache-control"] == "no-store"
    for role in ("analyst", "operator", "service"):
        async with client(app, **auth(role, f"{role}-1")) as reader:
            seen = (await reader.get(f"/v1/applications/{created['id']}")).json()
        text = json.dumps(seen)
        for personal in ("Hind", "Berrada", "2003-05-05", "+212", "@example", "first_name", "phone", "email"):
            assert personal not in text, (role, personal)
        assert seen["candidate"]["birth_year"] == 2003 and seen["decision_note"] is None


async def test_explicit_null_on_a_required_field_is_a_422(app: Any) -> None:
    async with client(app, **auth()) as officer:
        created = (await officer.post("/v1/applications", json=application_body("Omar", "Fassi", "2002-06-06"))).json()
        response = await officer.patch(f"/v1/applications/{created['id']}", json={"candidate": {"first_name": None}})
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "#/candidate/first_name"
        assert (await officer.post(f"/v1/applications/{created['id']}/submit")).status_code == 200


PDF = b"%PDF-1.7\n" + b"confidential scan " * 50


async def test_erasure_leaves_no_plaintext_behind(app: Any, settings: ApplicationsSettings, tmp_path: Path) -> None:
    body = application_body("Zineb", "Chraibi", "2002-07-07")
    before = {p for p in settings.document_dir.rglob("*") if p.is_file()}
    async with client(app, **auth(subject="officer-e")) as officer:
        created = await officer.post("/v1/applications", json=body, headers={"Idempotency-Key": f"e-{uuid.uuid4()}"})
        app_id, candidate_id = created.json()["id"], created.json()["candidate_id"]
        upload = await officer.post(
            f"/v1/applications/{app_id}/documents",
            data={"document_type": "CNIE"},
            files={"file": ("cnie.pdf", PDF, "application/pdf")},
            headers={"Idempotency-Key": f"u-{uuid.uuid4()}"},
        )
        assert upload.status_code == 201, upload.text
        await officer.post(f"/v1/applications/{app_id}/submit")
        note = "Zineb told us about her family situation"
        await officer.post(f"/v1/applications/{app_id}/withdraw", json={"reason_code": "FAMILY", "note": note})
        files = [p for p in settings.document_dir.rglob("*") if p.is_file() and p not in before]
        assert files and all(b"confidential scan" not in p.read_bytes() for p in files), "scans are stored encrypted"
        assert all(p.stat().st_mode & 0o777 == 0o600 and p.parent.stat().st_mode & 0o777 == 0o700 for p in files)
        erased = await officer.delete(f"/v1/candidates/{candidate_id}/personal-data")
        assert erased.status_code == 200
        assert await delete_pending_blobs(app.state.ctx) >= 1
        patch = await officer.patch(f"/v1/applications/{app_id}", json={"candidate": {"passport_number": "AB123456"}})
        assert patch.status_code == 410, patch.text
    stored = await fetch(settings, "SELECT response_body FROM idempotency_key")
    assert all(b"Zineb" not in bytes(r["response_body"]) for r in stored)
    notes = await fetch(settings, "SELECT decision_note FROM application WHERE id = $1", uuid.UUID(app_id))
    assert notes[0]["decision_note"] is None
    docs = await fetch(
        settings, "SELECT storage_key, filename, sha256 FROM document WHERE application_id = $1", uuid.UUID(app_id)
    )
    assert all(r["storage_key"] is None and r["filename"] is None and r["sha256"] is None for r in docs)
    assert not [p for p in files if p.exists()], "the erased candidate's files are deleted"
    assert not await fetch(settings, "SELECT 1 FROM blob_deletion")


async def test_a_slow_identity_provider_does_not_block_healthz(settings: ApplicationsSettings) -> None:
    import socket
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class Slow(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            time.sleep(3)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"keys": []}')

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    assert isinstance(server.socket, socket.socket)
    jwks = f"http://127.0.0.1:{server.server_port}/jwks.json"
    slow_app = create_app(settings.model_copy(update={"auth_jwks_url": jwks, "auth_public_key_file": None}))
    try:
        async with slow_app.router.lifespan_context(slow_app), client(slow_app, Authorization=f"Bearer {token()}") as c:
            pending = asyncio.create_task(c.get("/v1/applications"))
            await asyncio.sleep(0.2)
            started = time.monotonic()
            health = await c.get("/healthz")
            assert health.status_code == 200 and time.monotonic() - started < 0.5
            assert (await pending).status_code == 401
    finally:
        server.shutdown()
