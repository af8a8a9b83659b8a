"""Settings of the visa-coordination service (environment prefix VISA_)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings

if TYPE_CHECKING:
    from services.common.auth import TokenVerifier


class VisaSettings(ServiceSettings):
    """Visa service settings; see ServiceSettings for the shared ones. It holds no keys of its own."""

    model_config = SettingsConfigDict(env_prefix="VISA_", frozen=True, extra="ignore")

    service_name: str = "visa"
    database_url: str = "postgresql+asyncpg://visa_app@127.0.0.1:55432/visa"
    http_port: int = 8004
    authorities_issuer: str = Field(default="thamm-authorities-dev", description="`iss` of the simulator's tokens.")
    authorities_public_key_file: Path | None = Field(
        default=None,
        description="Local stacks only: the authorities simulator's public key; its tokens act as `service` here "
        "(and nowhere else). Unset in production, where officers enter the authorities' answers.",
    )

    def token_verifier(self) -> TokenVerifier:
        from services.common.auth import Role, TrustedIssuer

        verifier = super().token_verifier()
        if self.authorities_public_key_file is not None:
            if self.environment == "production":
                raise ValueError("the authorities simulator is for local stacks only")
            verifier.issuers[self.authorities_issuer] = TrustedIssuer(
                issuer=self.authorities_issuer,
                audience=self.auth_audience,
                allowed_roles=frozenset({Role.SERVICE}),
                public_key_pem=self.authorities_public_key_file.read_text(),
            )
        return verifier
