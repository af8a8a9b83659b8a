"""Bearer-token access control for every service: JWT (EdDSA or RS256) with roles, RFC 6750 errors.

Two issuers are trusted, each with its own keys: the identity provider that signs people's tokens
(`case_officer`, `trainer`, `employer`, `operator`, `analyst`) and the platform's service issuer that signs
the journey's short-lived `service` tokens. A token from one issuer can never carry the other's roles.

Every token must be an access token (`typ: at+jwt`, RFC 9068) with `iss`, `aud`, `sub`, `exp`, `iat` and
`roles`, live no longer than the configured maximum, and verify against its issuer's key (a PEM file or the
issuer's JWKS, fetched without blocking the event loop and cached with a back-off after failures). Any
failure is the same 401 with a fixed description: nothing from the token or the library is echoed.

For local use `python -m services.common.auth token --role case_officer --sub alice` signs a token with the
dev key pair kept in `.run/keys/`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Protocol, runtime_checkable

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.common.problems import Problem

ALGORITHMS = ("EdDSA", "RS256")
ACCESS_TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt"})
DEV_KEYS_DIR = Path(__file__).resolve().parents[2] / ".run" / "keys"
DEV_USER_ISSUER = "thamm-dev"
DEV_SERVICE_ISSUER = "thamm-services-dev"
DEV_AUDIENCE = "thamm"


class Role(StrEnum):
    """Who is calling."""

    CASE_OFFICER = "case_officer"
    TRAINER = "trainer"
    EMPLOYER = "employer"
    OPERATOR = "operator"
    ANALYST = "analyst"
    SERVICE = "service"


PEOPLE_ROLES = frozenset(Role) - {Role.SERVICE}


@dataclass(frozen=True)
class Principal:
    """The authenticated caller."""

    subject: str
    roles: frozenset[Role]
    employer_id: str | None = None
    issuer: str = ""
    provider: str | None = None  # a trainer's language provider

    def has(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))

    @property
    def identity(self) -> str:
        """Issuer and subject: what scopes a caller's idempotency keys and audit rows."""
        return f"{self.issuer}|{self.subject}"


class InvalidToken(Exception):
    """The token was refused; the reason is for logs and tests only, never for the caller."""


class JwksKeys:
    """An issuer's JWKS, fetched asynchronously with a short timeout and cached; failures back off."""

    def __init__(self, url: str, *, timeout_s: float = 2.0, min_refresh_s: float = 30.0, max_backoff_s: float = 300.0):
        self.url, self.timeout_s, self.min_refresh_s, self.max_backoff_s = url, timeout_s, min_refresh_s, max_backoff_s
        self._keys: dict[str, Any] = {}
        self._next_fetch = 0.0
        self._failures = 0
        self._lock = asyncio.Lock()

    async def key(self, kid: str | None) -> Any:
        """The key with this id; refetches an unknown id at most once per refresh interval."""
        if kid in self._keys:
            return self._keys[kid]
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        await self._refresh()
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        if kid not in self._keys:
            raise InvalidToken("unknown key id")
        return self._keys[kid]

    async def _refresh(self) -> None:
        async with self._lock:
            now = time.monotonic()
            if now < self._next_fetch:
                return
            try:
                async with httpx.AsyncClient(timeout=self.timeout_s, follow_redirects=False) as client:
                    response = await client.get(self.url)
                    response.raise_for_status()
                keys = jwt.PyJWKSet.from_dict(response.json()).keys
                self._keys = {k.key_id or "": k.key for k in keys}
                self._failures = 0
                self._next_fetch = now + self.min_refresh_s
            except Exception as exc:  # any failure of the identity provider: back off, keep the cached keys
                self._failures += 1
                self._next_fetch = now + min(self.max_backoff_s, 2.0**self._failures)
                raise InvalidToken(f"JWKS unavailable: {type(exc).__name__}") from None


@dataclass
class TrustedIssuer:
    """One issuer: its name, its keys (a PEM public key or a JWKS) and the roles its tokens may carry."""

    issuer: str
    audience: str
    allowed_roles: frozenset[Role]
    public_key_pem: str | None = None
    jwks_url: str | None = None
    _static: Any = field(default=None, init=False, repr=False)
    _jwks: JwksKeys | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.public_key_pem and not self.jwks_url:
            raise ValueError(f"issuer {self.issuer!r} needs a public key or a JWKS URL")
        if self.public_key_pem:
            self._static = serialization.load_pem_public_key(self.public_key_pem.encode())
        if self.jwks_url:
            self._jwks = JwksKeys(self.jwks_url)

    async def key(self, kid: str | None) -> Any:
        if self._jwks is not None:
            return await self._jwks.key(kid)
        return self._static


def _algorithm_for(key: Any) -> str:
    if isinstance(key, Ed25519PublicKey):
        return "EdDSA"
    if isinstance(key, RSAPublicKey):
        return "RS256"
    raise InvalidToken("unsupported key type")


class TokenVerifier:
    """Verifies access tokens from the trusted issuers and caches each verified token until it expires."""

    def __init__(
        self,
        issuers: list[TrustedIssuer],
        *,
        leeway_s: int = 30,
        max_lifetime_s: int = 12 * 3600,
        cache_size: int = 10_000,
    ) -> None:
        self.issuers = {i.issuer: i for i in issuers}
        self.leeway_s, self.max_lifetime_s, self.cache_size = leeway_s, max_lifetime_s, cache_size
        self._cache: dict[str, tuple[Principal, float]] = {}

    async def verify(self, token: str) -> Principal:
        """The token's principal, or InvalidToken whatever went wrong."""
        cached = self._cache.get(token)
        if cached is not None and cached[1] > time.time():
            return cached[0]
        try:
            principal, expires = await self._verify(token)
        except InvalidToken:
            raise
        except Exception as exc:  # a library error of any kind is a refused token, never a 500
            raise InvalidToken(type(exc).__name__) from None
        if len(self._cache) >= self.cache_size:
            self._cache.clear()
        self._cache[token] = (principal, expires)
        return principal

    async def _verify(self, token: str) -> tuple[Principal, float]:
        header = jwt.get_unverified_header(token)
        if str(header.get("typ", "")).lower() not in ACCESS_TOKEN_TYPES:
            raise InvalidToken("not an access token (typ)")
        if header.get("alg") not in ALGORITHMS:
            raise InvalidToken("algorithm not allowed")
        unverified = jwt.decode(token, options={"verify_signature": False})
        trusted = self.issuers.get(str(unverified.get("iss")))
        if trusted is None:
            raise InvalidToken("unknown issuer")
        kid = header.get("kid")
        key = await trusted.key(kid if isinstance(kid, str) else None)
        algorithm = _algorithm_for(key)
        if header["alg"] != algorithm:
            raise InvalidToken("algorithm does not match the key")
        claims = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=trusted.audience,
            issuer=trusted.issuer,
            leeway=self.leeway_s,
            options={"require": ["exp", "iat", "sub", "iss", "aud"]},
        )
        return self._principal(claims, trusted), float(claims["exp"])

    def _principal(self, claims: dict[str, Any], trusted: TrustedIssuer) -> Principal:
        exp, iat = claims["exp"], claims["iat"]
        if not isinstance(exp, int | float) or not isinstance(iat, int | float):
            raise InvalidToken("exp and iat must be numbers")
        if exp - iat > self.max_lifetime_s:
            raise InvalidToken("token lifetime too long")
        if iat > time.time() + self.leeway_s:
            raise InvalidToken("issued in the future")
        raw_roles = claims.get("roles", [])
        if not isinstance(raw_roles, list) or not raw_roles:
            raise InvalidToken("roles must be a non-empty list")
        try:
            roles = frozenset(Role(r) for r in raw_roles)
        except ValueError:
            raise InvalidToken("unknown role") from None
        if not roles <= trusted.allowed_roles:
            raise InvalidToken("role not allowed for this issuer")
        employer = claims.get("employer_id")
        if Role.EMPLOYER in roles and not employer:
            raise InvalidToken("an employer token needs an employer_id claim")
        provider = claims.get("provider")
        if Role.TRAINER in roles and not provider:
            raise InvalidToken("a trainer token needs a provider claim")
        return Principal(
            subject=str(claims["sub"]),
            roles=roles,
            employer_id=str(employer) if employer else None,
            issuer=trusted.issuer,
            provider=str(provider) if provider else None,
        )


_bearer = HTTPBearer(auto_error=False, description="JWT access token (EdDSA or RS256) with a `roles` claim.")

INVALID_TOKEN_DETAIL = "the access token is invalid, expired or not accepted here"


def unauthorized(detail: str, error: str | None = None) -> Problem:
    """A 401 problem with an RFC 6750 challenge; the description is always one of ours."""
    challenge = 'Bearer realm="thamm"' + (f', error="{error}", error_description="{detail}"' if error else "")
    return Problem(401, "unauthorized", "Unauthorized", detail, headers={"WWW-Authenticate": challenge})


def forbidden(roles: tuple[Role, ...]) -> Problem:
    needed = " ".join(r.value for r in roles)
    return Problem(
        403,
        "forbidden",
        "Forbidden",
        f"this needs one of the roles: {needed}",
        headers={"WWW-Authenticate": f'Bearer realm="thamm", error="insufficient_scope", scope="{needed}"'},
    )


API_KEY_PREFIX = "thamm_ek_"
"""Bearer credentials that start with this are employer API keys, not JWTs."""


@runtime_checkable
class ApiKeyVerifier(Protocol):
    """A service context that accepts employer API keys (the matching service, which issues them)."""

    async def verify_api_key(self, key: str) -> Principal | None: ...


async def _api_key_principal(request: Request, key: str) -> Principal:
    verifier = getattr(request.app.state, "ctx", None)
    principal = await verifier.verify_api_key(key) if isinstance(verifier, ApiKeyVerifier) else None
    if principal is None:
        raise unauthorized(INVALID_TOKEN_DETAIL, "invalid_token")
    return principal


async def authenticate(request: Request, roles: tuple[Role, ...]) -> Principal:
    """Verify the bearer token and the roles, once per request (the result is kept on request.state)."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise unauthorized("a bearer token is required")
        credentials = credentials.strip()
        if credentials.startswith(API_KEY_PREFIX):
            principal = await _api_key_principal(request, credentials)
        else:
            verifier: TokenVerifier = request.app.state.token_verifier
            try:
                principal = await verifier.verify(credentials)
            except InvalidToken:
                raise unauthorized(INVALID_TOKEN_DETAIL, "invalid_token") from None
        request.state.principal = principal
    if roles and not principal.has(*roles):
        raise forbidden(roles)
    return principal


def require(*roles: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """Dependency: the caller must hold one of these roles (401 without a valid token, 403 without a role).

    Routes built with `services.common.app.ServiceRoute` run this check before anything reads the request
    body or its Idempotency-Key; the dependency then only hands the principal to the endpoint.
    """

    async def dependency(
        request: Request, _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
    ) -> Principal:
        return await authenticate(request, roles)

    dependency.__name__ = "require_" + "_or_".join(r.value for r in roles)
    dependency.roles = roles  # type: ignore[attr-defined]  # read by ServiceRoute
    return dependency


# --- keys and tokens ------------------------------------------------------------------------------------


def ensure_key_pair(folder: Path, name: str) -> tuple[Path, Path]:
    """An Ed25519 key pair `<name>-private.pem` / `<name>-public.pem`, created once (private key 0600)."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    private, public = folder / f"{name}-private.pem", folder / f"{name}-public.pem"
    if not private.exists():
        key = Ed25519PrivateKey.generate()
        tmp = private.with_suffix(".tmp")
        tmp.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        tmp.chmod(0o600)
        public.write_bytes(
            key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        )
        tmp.replace(private)
    return private, public


def ensure_dev_keys(folder: Path = DEV_KEYS_DIR) -> tuple[Path, Path]:
    """The dev identity provider's key pair (people's tokens)."""
    return ensure_key_pair(folder, "jwt")


def ensure_service_keys(folder: Path = DEV_KEYS_DIR) -> tuple[Path, Path]:
    """The dev service issuer's key pair (the journey's service tokens); a different key from people's."""
    return ensure_key_pair(folder, "service")


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
    provider: str | None = None,
) -> str:
    """Sign an access token (EdDSA, `typ: at+jwt`)."""
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
    if provider:
        claims["provider"] = provider
    key = serialization.load_pem_private_key(private_key_pem, password=None)
    headers = {"typ": "at+jwt", **({"kid": kid} if kid else {})}
    return jwt.encode(claims, key, algorithm="EdDSA", headers=headers)  # type: ignore[arg-type]


class ServiceTokens:
    """Mints and reuses the short-lived `service` tokens a process (the journey worker) calls services with."""

    def __init__(self, private_key_pem: bytes, *, issuer: str, audience: str, subject: str, ttl_s: int = 300):
        self._key, self.issuer, self.audience, self.subject, self.ttl_s = (
            private_key_pem,
            issuer,
            audience,
            subject,
            ttl_s,
        )
        self._token: tuple[str, float] | None = None

    def header(self) -> dict[str, str]:
        if self._token is None or self._token[1] - time.time() < 30:
            token = issue_token(
                self._key,
                subject=self.subject,
                roles=[Role.SERVICE.value],
                issuer=self.issuer,
                audience=self.audience,
                ttl_s=self.ttl_s,
            )
            self._token = (token, time.time() + self.ttl_s)
        return {"Authorization": f"Bearer {self._token[0]}"}


def dev_token(
    role: str = "case_officer",
    subject: str = "dev",
    *,
    keys: Path = DEV_KEYS_DIR,
    ttl_s: int = 3600,
    employer_id: str | None = None,
    provider: str | None = None,
) -> str:
    """A token signed with the local dev keys: people's roles by the dev IdP, `service` by the service issuer."""
    if role == Role.SERVICE:
        private, _ = ensure_service_keys(keys)
        issuer = DEV_SERVICE_ISSUER
    else:
        private, _ = ensure_dev_keys(keys)
        issuer = DEV_USER_ISSUER
    return issue_token(
        private.read_bytes(),
        subject=subject,
        roles=[role],
        issuer=issuer,
        audience=DEV_AUDIENCE,
        employer_id=employer_id,
        ttl_s=ttl_s,
        provider=provider or ("goethe" if role == Role.TRAINER else None),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.common.auth", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    token = sub.add_parser("token", help="print a dev access token")
    token.add_argument("--role", required=True, choices=[r.value for r in Role])
    token.add_argument("--sub", required=True, help="subject (user or client id)")
    token.add_argument("--employer-id", help="required with --role employer")
    token.add_argument("--provider", help="with --role trainer: the language provider (default goethe)")
    token.add_argument("--ttl", type=int, default=3600, help="seconds (default 3600)")
    token.add_argument("--keys", type=Path, default=DEV_KEYS_DIR)
    sub.add_parser("keys", help="create the dev key pairs (people and services) and print their paths")
    args = parser.parse_args(argv)
    if args.command == "keys":
        print(
            json.dumps(
                {"people": [str(p) for p in ensure_dev_keys()], "service": [str(p) for p in ensure_service_keys()]}
            )
        )
        return 0
    if args.role == "employer" and not args.employer_id:
        parser.error("--role employer needs --employer-id")
    print(
        dev_token(
            args.role, args.sub, keys=args.keys, ttl_s=args.ttl, employer_id=args.employer_id, provider=args.provider
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
