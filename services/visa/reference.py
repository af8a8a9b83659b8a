"""Reference data of the visa service, loaded from the versioned JSON file in reference/."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from services.visa.domain import ChecklistEntry, PayerNotAllowed, Periods

FOLDER = Path(__file__).parent / "reference"


@dataclass(frozen=True)
class Fee:
    amount_cents: int
    currency: str
    payers: tuple[str, ...]

    def ensure_payer(self, what: str, payer: str) -> None:
        """The payers this fee allows (the §81a fee is never the candidate's): anyone else is a 422."""
        if payer not in self.payers:
            raise PayerNotAllowed(f"{what} is paid by one of {', '.join(self.payers)}", allowed=list(self.payers))


@dataclass(frozen=True)
class ReferenceData:
    """Consulates, channels, the authorities' periods, fees, reason codes and the document checklist."""

    version: str
    consulates: dict[str, str]
    default_country: str
    channels: tuple[str, ...]
    default_channel: str
    periods: Periods
    labour_approval_attempts: int
    preapproval_valid_days: int
    fees: dict[str, Fee]
    cost_categories: tuple[str, ...]
    payers: tuple[str, ...]
    authorities: tuple[str, ...]
    labour_refusal_reasons: tuple[str, ...]
    visa_refusal_reasons: tuple[str, ...]
    cancel_reasons: tuple[str, ...]
    rejection_reasons: tuple[str, ...]
    checklist: tuple[ChecklistEntry, ...]

    @property
    def default_consulate(self) -> str:
        return self.consulates[self.default_country]


@cache
def reference_data() -> ReferenceData:
    data: dict[str, Any] = json.loads((FOLDER / "visa.json").read_text(encoding="utf-8"))
    return ReferenceData(
        version=data["version"],
        consulates=dict(data["consulates"]),
        default_country=data["default_country"],
        channels=tuple(data["channels"]),
        default_channel=data["default_channel"],
        periods=Periods(
            deemed_after_days=dict(data["deemed_after_days"]),
            appointment_within_days_81a=int(data["appointment_within_days_81a"]),
            decision_within_days=dict(data["decision_within_days"]),
            court_action_within_months=int(data["court_action_within_months"]),
            passport_validity_months=int(data["passport_validity_months"]),
        ),
        labour_approval_attempts=int(data["labour_approval_attempts"]),
        preapproval_valid_days=int(data["preapproval_valid_days"]),
        fees={k: Fee(v["amount_cents"], v["currency"], tuple(v["payers"])) for k, v in data["fees"].items()},
        cost_categories=tuple(data["cost_categories"]),
        payers=tuple(data["payers"]),
        authorities=tuple(data["authorities"]),
        labour_refusal_reasons=tuple(data["labour_refusal_reasons"]),
        visa_refusal_reasons=tuple(data["visa_refusal_reasons"]),
        cancel_reasons=tuple(data["cancel_reasons"]),
        rejection_reasons=tuple(data["rejection_reasons"]),
        checklist=tuple(ChecklistEntry(c["code"], c["label"], c["required"]) for c in data["checklist"]),
    )
