"""Webhook rules without I/O: signatures the reference library verifies, the retry schedule, URL rules,
the pseudonymous payloads, and the published event types."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from contracts.errors import Invalid
from services.webhooks import domain
from services.webhooks.catalog import event_types

SCHEDULE = (0, 5, 300, 1800, 7200, 18000, 36000, 36000)


def headers(msg_id: str, at: datetime, signature: str) -> dict[str, str]:
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(at.timestamp())), "webhook-signature": signature}


def test_a_signature_verifies_with_the_reference_library_and_fails_otherwise() -> None:
    secret, other = domain.new_secret(), domain.new_secret()
    now, body = datetime.now(UTC), json.dumps({"type": "x", "data": {}})
    signature = domain.sign([secret], "msg_1", now, body)
    assert signature.startswith("v1,") and " " not in signature
    assert Webhook(secret).verify(body, headers("msg_1", now, signature)) == json.loads(body)
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(body, headers("msg_1", now, signature))
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body + " ", headers("msg_1", now, signature))
    old = now - timedelta(minutes=10)
    with pytest.raises(WebhookVerificationError):  # the library refuses a timestamp over five minutes old
        Webhook(secret).verify(body, headers("msg_1", old, domain.sign([secret], "msg_1", old, body)))


def test_during_a_rotation_both_secrets_sign_and_either_verifies() -> None:
    new, old = domain.new_secret(), domain.new_secret()
    now, body = datetime.now(UTC), "{}"
    signature = domain.sign([new, old], "msg_2", now, body)
    assert len(signature.split(" ")) == 2
    for secret in (new, old):
        Webhook(secret).verify(body, headers("msg_2", now, signature))


def test_the_retry_schedule_then_failure() -> None:
    delays = [domain.next_attempt_in(n, SCHEDULE) for n in range(1, 9)]
    assert delays[:7] == [timedelta(seconds=s) for s in SCHEDULE[1:]]
    assert delays[7] is None  # eight attempts made: the delivery fails and waits for a redelivery


@pytest.mark.parametrize(
    ("url", "local", "ok"),
    [
        ("https://hr.example.de/hooks", False, True),
        ("http://hr.example.de/hooks", False, False),
        ("http://127.0.0.1:9300/", True, True),
        ("http://localhost:9300/", True, True),
        ("http://127.0.0.1:9300/", False, False),
        ("https://10.0.0.5/hooks", False, False),
        ("https://169.254.169.254/latest", False, False),
        ("https://[::1]/", False, False),
        ("https://user:pw@hr.example.de/", False, False),
        ("https://printer.local/", False, False),
        ("ftp://hr.example.de/", True, False),
    ],
)
def test_urls(url: str, local: bool, ok: bool) -> None:
    if ok:
        assert domain.check_url(url, local=local) == url
    else:
        with pytest.raises(Invalid):
            domain.check_url(url, local=local)


def test_resolved_private_addresses_are_refused() -> None:
    assert domain.refused_addresses(["93.184.216.34", "10.1.2.3", "fe80::1%eth0", "127.0.0.1"]) == [
        "10.1.2.3",
        "fe80::1%eth0",
        "127.0.0.1",
    ]


def test_before_acceptance_the_employer_gets_its_shortlist_reference_not_the_candidate() -> None:
    data = {"candidate_id": "c", "employer_id": "e", "shortlist_id": "s", "offer_id": "o"}
    at = datetime(2027, 1, 1, tzinfo=UTC)
    made = domain.payload("thamm.matching.offer_made.v1", "id-1", at, data)
    assert "candidate_id" not in made["data"] and made["data"]["shortlist_id"] == "s"
    accepted = domain.payload("thamm.matching.offer_accepted.v1", "id-2", at, data)
    assert accepted["data"]["candidate_id"] == "c" and accepted["type"] == "thamm.matching.offer_accepted.v1"
    assert domain.message_id("0d5c4a0e-1c2b-4f6a-8d7e-123456789abc") == "msg_0d5c4a0e1c2b4f6a8d7e123456789abc"


def test_the_published_types_are_the_events_that_name_an_employer() -> None:
    types = event_types()
    assert "thamm.matching.contract_signed.v1" in types and "thamm.visa.visa_granted.v1" in types
    assert "thamm.monitoring.arrival_confirmed.v1" in types and domain.TEST_EVENT in types
    assert "thamm.matching.api_key_created.v1" not in types  # account events are not for integrations
    assert "thamm.monitoring.training_started.v1" in types
    assert "thamm.monitoring.arrival_step_recorded.v1" not in types  # the apprentice's private first weeks
    assert "thamm.monitoring.grievance_updated.v1" not in types  # names no employer: never delivered
    assert "thamm.applications.application_submitted.v1" not in types
    example = types["thamm.matching.offer_made.v1"]["example"]
    assert "candidate_id" not in example["data"] and example["data"]["employer_id"]
    assert domain.concerns_employer("thamm.matching.api_key_created.v1", {"employer_id": "e"}) is None
