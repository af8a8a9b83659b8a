"""Employer API keys (`thamm_ek_<key id>_<secret>`): made by the matching service, accepted by every service
that serves employers. Only the SHA-256 of the 256-bit random secret is stored (no slow hash is needed)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

from services.common.auth import API_KEY_PREFIX, Principal, Role

API_KEY_ISSUER = "thamm-matching-api-key"
MAX_KEY_LENGTH = 200


def new_api_key(key_id: uuid.UUID) -> tuple[str, str]:
    """A new key and the SHA-256 of its secret."""
    secret = secrets.token_urlsafe(32)
    return f"{API_KEY_PREFIX}{key_id.hex}_{secret}", hashlib.sha256(secret.encode()).hexdigest()


def parse_api_key(key: str) -> tuple[uuid.UUID, str] | None:
    """(key id, SHA-256 of the secret) of a well-formed key, else None."""
    if len(key) > MAX_KEY_LENGTH:
        return None
    key_hex, _, secret = key.removeprefix(API_KEY_PREFIX).partition("_")
    try:
        return uuid.UUID(hex=key_hex), hashlib.sha256(secret.encode()).hexdigest()
    except ValueError:
        return None


def key_principal(
    key_id: uuid.UUID, employer_id: uuid.UUID, stored_sha256: str, presented_sha256: str
) -> Principal | None:
    """The employer principal of a live key whose secret matches (constant-time), else None."""
    if not hmac.compare_digest(stored_sha256, presented_sha256):
        return None
    return Principal(
        subject=f"api-key:{key_id}",
        roles=frozenset({Role.EMPLOYER}),
        employer_id=str(employer_id),
        issuer=API_KEY_ISSUER,
    )


def employer_scope(actor: Principal | None) -> uuid.UUID | None:
    """The employer an employer caller is limited to (None: case officers, operators, services see all)."""
    if actor is None or not actor.has(Role.EMPLOYER) or actor.has(Role.CASE_OFFICER, Role.SERVICE):
        return None
    try:
        return uuid.UUID(str(actor.employer_id))
    except ValueError:
        return uuid.UUID(int=0)  # an employer token without a usable employer id reaches nothing


def reachable(actor: Principal | None, owner: uuid.UUID | None) -> bool:
    """Whether a record owned by employer `owner` (None: no such record) is visible to the caller."""
    scope = employer_scope(actor)
    return owner is not None and (scope is None or owner == scope)
