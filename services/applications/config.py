"""Settings of the applications service (environment prefix APPLICATIONS_)."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from services.common.crypto import decode_key
from services.common.settings import ServiceSettings, refuse_placeholder


class ApplicationsSettings(ServiceSettings):
    """Applications service settings; see ServiceSettings for the shared ones. Secrets have no defaults."""

    model_config = SettingsConfigDict(env_prefix="APPLICATIONS_", frozen=True, extra="ignore")

    service_name: str = "applications"
    database_url: str = "postgresql+asyncpg://applications_app@127.0.0.1:55432/applications"
    http_port: int = 8001
    master_key: str = Field(description="base64 of 32 bytes: wraps every candidate's data key (KEK).")
    hash_key: str = Field(description="base64 of 32 bytes: keys the hashes used to find duplicate ID numbers.")
    document_dir: Path = Field(default=Path(".run/local/documents"), description="Local document storage folder.")
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, gt=0, description="Largest document accepted.")
    blob_deletion_interval_s: float = Field(default=5.0, gt=0, description="How often pending file deletions run.")

    @field_validator("master_key", "hash_key")
    @classmethod
    def _real_key(cls, value: str, info: object) -> str:
        name = getattr(info, "field_name", "key")
        refuse_placeholder(value, name)
        decode_key(value)
        return value

    @model_validator(mode="after")
    def _distinct_keys(self) -> Self:
        if decode_key(self.master_key) == decode_key(self.hash_key):
            raise ValueError("master_key and hash_key must be different keys")
        return self
