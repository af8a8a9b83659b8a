"""Token verification: issuers and their roles, typ, lifetime, algorithm confusion, JWKS without blocking."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from jwt.algorithms import OKPAlgorithm

from services.common.auth import PEOPLE_ROLES, InvalidToken, Role, TokenVerifier, TrustedIssuer, issue_token

KEY = Ed25519PrivateKey.generate()
PEM = KEY.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
PUBLIC = KEY.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
SERVICE_KEY = Ed25519PrivateKey.generate()
SERVICE_PEM = SERVICE_KEY.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
SERVICE_PUBLIC = SERVICE_KEY.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


def token(key: bytes = PEM, **kw: object) -> str:
    values: dict[str, object] = {
        "subject": "alice",
        "roles": ["case_officer"],
        "issuer": "iss",
        "audience": "aud",
        **kw,
    }
    return issue_token(key, **values)  # type: ignore[arg-type]


def verifier(**kw: object) -> TokenVerifier:
    return TokenVerifier(
        [
            TrustedIssuer("iss", "aud", PEOPLE_ROLES, public_key_pem=PUBLIC),
            TrustedIssuer("svc", "aud", frozenset({Role.SERVICE}), public_key_pem=SERVICE_PUBLIC),
        ],
        **kw,  # type: ignore[arg-type]
    )


def refused(v: TokenVerifier, raw: str) -> bool:
    try:
        asyncio.run(v.verify(raw))
    except InvalidToken:
        return True
    return False


def unsigned(header: dict[str, object], claims: dict[str, object]) -> str:
    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(claims)}."


def test_pem_verification_checks_issuer_audience_expiry_and_roles() -> None:
    v = verifier()
    assert asyncio.run(v.verify(token())).subject == "alice"
    for bad in (token(issuer="x"), token(audience="x"), token(ttl_s=-100), token(roles=["king"]), token(roles=[])):
        assert refused(v, bad)
    assert refused(v, token(roles=["employer"]))
    assert asyncio.run(v.verify(token(roles=["employer"], employer_id="e-1"))).employer_id == "e-1"


def test_service_tokens_come_only_from_the_service_issuer_and_carry_only_the_service_role() -> None:
    v = verifier()
    service = asyncio.run(v.verify(token(SERVICE_PEM, issuer="svc", roles=["service"], subject="journey")))
    assert service.roles == {Role.SERVICE} and service.issuer == "svc"
    assert refused(v, token(roles=["service"]))  # the people's issuer may not mint service tokens
    assert refused(v, token(SERVICE_PEM, issuer="svc", roles=["case_officer"]))  # nor the service issuer people's
    assert refused(v, token(PEM, issuer="svc", roles=["service"]))  # signed with the wrong key


def test_unsigned_and_confused_tokens_are_refused_without_a_500() -> None:
    now = int(time.time())
    claims = {"iss": "iss", "aud": "aud", "sub": "alice", "iat": now, "exp": now + 60, "roles": ["case_officer"]}
    v = verifier()
    assert refused(v, unsigned({"alg": "none", "typ": "at+jwt"}, claims))
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rs256 = jwt.encode(claims, rsa_key, algorithm="RS256", headers={"typ": "at+jwt"})
    assert refused(v, rs256)  # an RS256 token against an Ed25519 key
    assert refused(v, "not a token")


def test_typ_must_say_access_token_and_the_lifetime_is_capped() -> None:
    now = int(time.time())
    claims = {"iss": "iss", "aud": "aud", "sub": "alice", "iat": now, "exp": now + 60, "roles": ["case_officer"]}
    id_token = jwt.encode(claims, KEY, algorithm="EdDSA", headers={"typ": "JWT"})
    assert refused(verifier(), id_token)
    assert refused(verifier(max_lifetime_s=600), token(ttl_s=3600))
    assert not refused(verifier(max_lifetime_s=600), token(ttl_s=300))


@pytest.fixture(scope="module")
def jwks_url() -> Iterator[str]:
    jwk = json.loads(OKPAlgorithm.to_jwk(KEY.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "EdDSA"}]}).encode()
    hits = {"count": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits["count"] += 1
            if self.path.startswith("/slow"):
                time.sleep(3)
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def jwks_verifier(url: str) -> TokenVerifier:
    return TokenVerifier([TrustedIssuer("iss", "aud", PEOPLE_ROLES, jwks_url=url)])


def test_a_token_verifies_against_the_issuers_jwks(jwks_url: str) -> None:
    principal = asyncio.run(jwks_verifier(f"{jwks_url}/jwks.json").verify(token(kid="k1")))
    assert principal.subject == "alice" and principal.has(Role.CASE_OFFICER) and not principal.has(Role.OPERATOR)


def test_an_unknown_or_non_ascii_key_id_is_refused(jwks_url: str) -> None:
    v = jwks_verifier(f"{jwks_url}/jwks.json")
    assert refused(v, token(kid="other"))
    assert refused(v, token(kid="ключ"))


def test_a_slow_identity_provider_does_not_block_the_event_loop(jwks_url: str) -> None:
    async def scenario() -> tuple[float, bool]:
        v = jwks_verifier(f"{jwks_url}/slow/jwks.json")
        started = time.monotonic()
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while time.monotonic() - started < 1.5:
                ticks += 1
                await asyncio.sleep(0.05)

        verify = asyncio.create_task(v.verify(token(kid="k1")))
        await ticker()
        try:
            await verify
        except InvalidToken:
            return ticks, True
        return ticks, False

    ticks, timed_out = asyncio.run(scenario())
    assert ticks >= 20, "the loop stalled while the JWKS was fetched"
    assert timed_out, "a JWKS slower than the timeout is a refused token, not a hang"


def test_after_a_failed_fetch_the_jwks_is_not_fetched_again_at_once() -> None:
    v = jwks_verifier("http://127.0.0.1:9/unreachable")
    assert refused(v, token(kid="k1"))
    started = time.monotonic()
    assert refused(v, token(kid="k1"))
    assert time.monotonic() - started < 0.2, "the second token waited for another fetch inside the back-off"
