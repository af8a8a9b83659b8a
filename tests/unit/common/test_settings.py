"""Settings refuse what would be unsafe: weak or equal keys, implicit issuers in production, one issuer for all."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from services.applications.config import ApplicationsSettings
from services.common.auth import ensure_dev_keys, ensure_service_keys
from services.common.settings import ServiceSettings


def key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def test_weak_or_equal_keys_are_refused() -> None:
    zeros = base64.b64encode(bytes(32)).decode()
    with pytest.raises(ValidationError, match="weak"):
        ApplicationsSettings(master_key=zeros, hash_key=key())
    same = key()
    with pytest.raises(ValidationError, match="different"):
        ApplicationsSettings(master_key=same, hash_key=same)
    with pytest.raises(ValidationError, match="placeholder"):
        ApplicationsSettings(master_key="changeme", hash_key=key())
    assert ApplicationsSettings(master_key=key(), hash_key=key()).master_key


def test_production_needs_explicit_issuer_and_audience() -> None:
    with pytest.raises(ValidationError, match="auth_issuer, auth_audience"):
        ServiceSettings(environment="production")
    settings = ServiceSettings(environment="production", auth_issuer="https://idp.example", auth_audience="thamm")
    assert settings.auth_issuer == "https://idp.example"


def test_service_tokens_need_an_issuer_of_their_own(tmp_path: Path) -> None:
    public = ensure_dev_keys(tmp_path)[1]
    settings = ServiceSettings(
        auth_public_key_file=public,
        auth_service_public_key_file=ensure_service_keys(tmp_path)[1],
        auth_service_issuer="thamm-dev",
    )
    with pytest.raises(ValueError, match="own issuer"):
        settings.token_verifier()
    assert ServiceSettings(auth_public_key_file=public).token_verifier().issuers.keys() == {"thamm-dev"}
