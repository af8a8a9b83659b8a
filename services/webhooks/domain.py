"""Webhook rules: which events reach an employer and in what shape, the retry schedule, which URLs are
allowed (no server-side request forgery), and the Standard Webhooks signature (through the library).

No framework, no SQL: plain data in, decisions out.
"""

from __future__ import annotations

import base64
import ipaddress
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from standardwebhooks import Webhook

from contracts.errors import DomainError, Invalid


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class EndpointStatus(StrEnum):
    ENABLED = "enabled"
    DISABLED = "disabled"


class EndpointDisabledError(DomainError):
    code, title = "endpoint-disabled", "The endpoint is disabled"


TEST_EVENT = "webhook.test"

#: Matching events from before the candidate accepted the employer's offer: the employer gets the shortlist
#: entry (its own reference for the candidate), never the candidate id.
PSEUDONYMOUS = frozenset(
    f"thamm.matching.{name}.v1"
    for name in (
        "candidate_shortlisted",
        "interview_scheduled",
        "interview_completed",
        "offer_made",
        "offer_declined",
        "offer_withdrawn",
        "position_released",
    )
)
#: Employer events that are about the employer's own account, not for its systems' integrations.
#: Events that name an employer but are not for it: its own API keys, and the apprentice's private first-week
#: steps (bank account, health insurance, school), which are the follow-up officer's business.
NOT_DELIVERED = frozenset(
    {
        "thamm.matching.api_key_created.v1",
        "thamm.matching.api_key_revoked.v1",
        "thamm.monitoring.arrival_step_recorded.v1",
    }
)


def concerns_employer(event_type: str, data: dict[str, Any]) -> str | None:
    """The employer an event is for (None: it is for no employer, or not delivered)."""
    employer = data.get("employer_id")
    return None if event_type in NOT_DELIVERED or not employer else str(employer)


def payload(event_type: str, event_id: str, occurred_at: datetime, data: dict[str, Any]) -> dict[str, Any]:
    """The body an endpoint receives: ids, codes and dates; before acceptance no candidate id."""
    body = dict(data)
    if event_type in PSEUDONYMOUS:
        body.pop("candidate_id", None)
    return {"type": event_type, "id": event_id, "timestamp": occurred_at.isoformat(), "data": body}


def message_id(event_id: str) -> str:
    """The `webhook-id`: one per event, the same on every retry and redelivery (receivers deduplicate on it)."""
    return "msg_" + event_id.replace("-", "")


def next_attempt_in(attempts_made: int, schedule: Sequence[float]) -> timedelta | None:
    """Delay before the next attempt after `attempts_made` attempts; None when the schedule is used up."""
    if attempts_made >= len(schedule):
        return None
    return timedelta(seconds=schedule[attempts_made])


def new_secret() -> str:
    """A signing secret in the Standard Webhooks form: `whsec_` + base64 of 24 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def sign(signing_secrets: Iterable[str], msg_id: str, timestamp: datetime, body: str) -> str:
    """`webhook-signature`: one `v1,<base64>` per secret, space separated (both during a rotation)."""
    return " ".join(Webhook(secret).sign(msg_id, timestamp, body) for secret in signing_secrets)


def check_url(url: str, *, local: bool) -> str:
    """An endpoint URL as registered: HTTPS, no credentials, no private host in production. In local mode
    plain `http://127.0.0.1` and `localhost` are allowed too (for a receiver on the developer's machine)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    loopback = host in ("127.0.0.1", "localhost", "::1")
    if parts.scheme not in ("https", "http") or not host:
        raise Invalid("#/url", "an absolute https:// URL is required")
    if parts.scheme == "http" and not (local and loopback):
        raise Invalid("#/url", "https is required (plain http only for 127.0.0.1 or localhost in local mode)")
    if parts.username or parts.password:
        raise Invalid("#/url", "credentials in the URL are not accepted; authenticate with the signature")
    if not local and (loopback or _private_literal(host)):
        raise Invalid("#/url", "the URL points at a private, loopback or link-local address")
    return url


def _private_literal(host: str) -> bool:
    try:
        return not ipaddress.ip_address(host).is_global
    except ValueError:
        return host.endswith((".local", ".internal", ".localhost"))


def refused_addresses(addresses: Iterable[str]) -> list[str]:
    """Of the addresses a host resolved to, those that are not public (SSRF guard at delivery time)."""
    return [a for a in addresses if not ipaddress.ip_address(a.split("%")[0]).is_global]
