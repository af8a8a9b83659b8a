"""Token verification with a PEM key and with a JWKS endpoint; role checks."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from jwt.algorithms import OKPAlgorithm

from services.common.auth import Role, TokenVerifier, issue_token

KEY = Ed25519PrivateKey.generate()
PEM = KEY.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())


def token(**kw: object) -> str:
    values: dict[str, object] = {
        "subject": "alice",
        "roles": ["case_officer"],
        "issuer": "iss",
        "audience": "aud",
        **kw,
    }
    return issue_token(PEM, **values)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def jwks_url() -> Iterator[str]:
    jwk = json.loads(OKPAlgorithm.to_jwk(KEY.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "EdDSA"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json"
    server.shutdown()


def test_a_token_verifies_against_the_issuers_jwks(jwks_url: str) -> None:
    verifier = TokenVerifier(issuer="iss", audience="aud", jwks_url=jwks_url)
    principal = verifier.verify(token(kid="k1"))
    assert principal.subject == "alice" and principal.has(Role.CASE_OFFICER) and not principal.has(Role.OPERATOR)


def test_an_unknown_key_id_is_refused(jwks_url: str) -> None:
    with pytest.raises(jwt.PyJWTError):
        TokenVerifier(issuer="iss", audience="aud", jwks_url=jwks_url).verify(token(kid="other"))


def test_pem_verification_checks_issuer_audience_expiry_and_roles() -> None:
    public = KEY.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    verifier = TokenVerifier(issuer="iss", audience="aud", public_key_pem=public.decode())
    assert verifier.verify(token()).subject == "alice"
    for bad in (token(issuer="x"), token(audience="x"), token(ttl_s=-100), token(roles=["king"])):
        with pytest.raises(jwt.PyJWTError):
            verifier.verify(bad)
    with pytest.raises(jwt.PyJWTError, match="employer_id"):
        verifier.verify(token(roles=["employer"]))
    assert verifier.verify(token(roles=["employer"], employer_id="e-1")).employer_id == "e-1"
