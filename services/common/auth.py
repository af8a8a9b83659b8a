"""Bearer-token access control for every service: JWT (EdDSA or RS256) with roles, RFC 6750 errors.

Tokens carry `iss`, `aud`, `sub`, `exp`, `iat` and `roles` (and `employer_id` for employers). Services verify
with a public key (PEM) or the issuer's JWKS. For local use `python -m services.common.auth token --role
case_officer --sub alice` signs a token with the dev key pair kept in the stack's run folder.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.common.problems import Problem

ALGORITHMS = ["EdDSA", "RS256"]
DEV_KEYS_DIR = Path(__file__).resolve().parents[2] / ".run" / "keys"


class Role(StrEnum):
    """Who is calling."""

    CASE_OFFICER = "case_officer"
    TRAINER = "trainer"
    EMPLOYER = "employer"
    OPERATOR = "operator"
    ANALYST = "analyst"
    SERVICE = "service"


@dataclass(frozen=True)
class Principal:
    """The authenticated caller."""

    subject: str
    roles: frozenset[Role]
    employer_id: str | None = None

    def has(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))


@dataclass(frozen=True)
class TokenVerifier:
    """Checks signature, issuer, audience and expiry; keys from a PEM or a JWKS URL."""

    issuer: str
    audience: str
    public_key_pem: str | None = None
    jwks_url: str | None = None
    leeway_s: int = 30
    _key: Any = field(default=None, init=False, repr=False, compare=False)
    _jwks: Any = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        key = serialization.load_pem_public_key(self.public_key_pem.encode()) if self.public_key_pem else None
        jwks = jwt.PyJWKClient(self.jwks_url, cache_keys=True) if self.jwks_url else None
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "_jwks", jwks)

    def verify(self, token: str) -> Principal:
        key: Any
        if self._jwks is not None:
            key = self._jwks.get_signing_key_from_jwt(token).key
        elif self._key is not None:
            key = self._key
        else:
            raise jwt.InvalidTokenError("no verification key configured")
        claims = jwt.decode(
            token,
            key,
            algorithms=ALGORITHMS,
            audience=self.audience,
            issuer=self.issuer,
            leeway=self.leeway_s,
            options={"require": ["exp", "iat", "sub", "iss", "aud"]},
        )
        try:
            roles = frozenset(Role(r) for r in claims.get("roles", []))
        except ValueError as exc:
            raise jwt.InvalidTokenError(f"unknown role: {exc}") from None
        employer = claims.get("employer_id")
        if Role.EMPLOYER in roles and not employer:
            raise jwt.InvalidTokenError("an employer token needs an employer_id claim")
        return Principal(subject=str(claims["sub"]), roles=roles, employer_id=str(employer) if employer else None)


_bearer = HTTPBearer(auto_error=False, description="JWT access token (EdDSA or RS256) with a `roles` claim.")


def _unauthorized(detail: str, error: str | None = None) -> Problem:
    challenge = 'Bearer realm="thamm"' + (f', error="{error}", error_description="{detail}"' if error else "")
    return Problem(401, "unauthorized", "Unauthorized", detail, headers={"WWW-Authenticate": challenge})


def require(*roles: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """Dependency: the caller must hold one of these roles (401 without a valid token, 403 without a role)."""

    async def dependency(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
    ) -> Principal:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise _unauthorized("a bearer token is required")
        verifier: TokenVerifier = request.app.state.token_verifier
        try:
            principal = verifier.verify(credentials.credentials)
        except jwt.PyJWTError as exc:
            raise _unauthorized(str(exc).replace('"', "'"), "invalid_token") from None
        if not principal.has(*roles):
            needed = " ".join(r.value for r in roles)
            raise Problem(
                403,
                "forbidden",
                "Forbidden",
                f"this needs one of the roles: {needed}",
                headers={"WWW-Authenticate": f'Bearer realm="thamm", error="insufficient_scope", scope="{needed}"'},
            )
        request.state.principal = principal
        return principal

    dependency.__name__ = "require_" + "_or_".join(r.value for r in roles)
    return dependency


# --- dev keys and tokens -------------------------------------------------------------------------------


def ensure_dev_keys(folder: Path = DEV_KEYS_DIR) -> tuple[Path, Path]:
    """An Ed25519 key pair for local stacks and tests (created once; private key readable by its owner only)."""
    folder.mkdir(parents=True, exist_ok=True)
    private, public = folder / "jwt-private.pem", folder / "jwt-public.pem"
    if not private.exists():
        key = Ed25519PrivateKey.generate()
        private.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        private.chmod(0o600)
        public.write_bytes(
            key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        )
    return private, public


def issue_token(
    private_key_pem: bytes,
    *,
    subject: str,
    roles: list[str],
    issuer: str,
    audience: str,
    employer_id: str | None = None,
    ttl_s: int = 3600,
    kid: str | None = None,
) -> str:
    """Sign an access token (EdDSA)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "iat": now,
        "nbf": now,
        "exp": now + ttl_s,
        "jti": str(uuid.uuid4()),
        "roles": roles,
    }
    if employer_id:
        claims["employer_id"] = employer_id
    key = serialization.load_pem_private_key(private_key_pem, password=None)
    headers = {"typ": "at+jwt", **({"kid": kid} if kid else {})}
    return jwt.encode(claims, key, algorithm="EdDSA", headers=headers)  # type: ignore[arg-type]


def dev_token(
    role: str = "case_officer",
    subject: str = "dev",
    *,
    keys: Path = DEV_KEYS_DIR,
    ttl_s: int = 3600,
    employer_id: str | None = None,
) -> str:
    """A token signed with the local dev key pair (issuer `thamm-dev`, audience `thamm`)."""
    private, _ = ensure_dev_keys(keys)
    return issue_token(
        private.read_bytes(),
        subject=subject,
        roles=[role],
        issuer="thamm-dev",
        audience="thamm",
        employer_id=employer_id,
        ttl_s=ttl_s,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.common.auth", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    token = sub.add_parser("token", help="print a dev access token")
    token.add_argument("--role", action="append", required=True, choices=[r.value for r in Role])
    token.add_argument("--sub", required=True, help="subject (user or client id)")
    token.add_argument("--employer-id", help="required with --role employer")
    token.add_argument("--ttl", type=int, default=3600, help="seconds (default 3600)")
    token.add_argument("--issuer", default="thamm-dev")
    token.add_argument("--audience", default="thamm")
    token.add_argument("--keys", type=Path, default=DEV_KEYS_DIR)
    args = parser.parse_args(argv)
    if "employer" in args.role and not args.employer_id:
        parser.error("--role employer needs --employer-id")
    private, _ = ensure_dev_keys(args.keys)
    print(
        issue_token(
            private.read_bytes(),
            subject=args.sub,
            roles=args.role,
            issuer=args.issuer,
            audience=args.audience,
            employer_id=args.employer_id,
            ttl_s=args.ttl,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
