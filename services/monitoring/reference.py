"""Reference data of the monitoring service, loaded from the versioned JSON file in reference/."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from services.monitoring.domain import Rates, RiskRules

FOLDER = Path(__file__).parent / "reference"


@dataclass(frozen=True)
class ReferenceData:
    """Follow-up schedule, risk rules, deadlines, codes, booking rates and the statistical classifications."""

    version: str
    risk: RiskRules
    address_registration_days: int
    arrival_steps: tuple[str, ...]
    acknowledge_within_days: int
    resolve_within_days: int
    grievance_languages: tuple[str, ...]
    grievance_categories: tuple[str, ...]
    termination_reasons: tuple[str, ...]
    return_reasons: tuple[str, ...]
    cost_categories: tuple[str, ...]
    payers: tuple[str, ...]
    custody_holders: tuple[str, ...]
    custody_forbidden: frozenset[str]
    document_types: tuple[str, ...]
    rates: Rates
    small_cell_min: int
    retention_months: tuple[int, ...]
    call_to_arrival_target_months: tuple[int, int]
    nace_by_kldb: dict[str, str]
    isco_by_kldb: dict[str, str]
    lander: tuple[str, ...]


@cache
def reference_data() -> ReferenceData:
    data: dict[str, Any] = json.loads((FOLDER / "monitoring.json").read_text(encoding="utf-8"))
    risk, grievances = data["risk"], data["grievances"]
    low, high = data["call_to_arrival_target_months"]
    return ReferenceData(
        version=data["version"],
        risk=RiskRules(signals=tuple(risk["signals"]), **risk["thresholds"]),
        address_registration_days=int(data["arrival"]["address_registration_days"]),
        arrival_steps=tuple(data["arrival"]["steps"]),
        acknowledge_within_days=int(grievances["acknowledge_within_days"]),
        resolve_within_days=int(grievances["resolve_within_days"]),
        grievance_languages=tuple(grievances["languages"]),
        grievance_categories=tuple(grievances["categories"]),
        termination_reasons=tuple(data["termination_reasons"]),
        return_reasons=tuple(data["return_reasons"]),
        cost_categories=tuple(data["cost_categories"]),
        payers=tuple(data["payers"]),
        custody_holders=tuple(data["custody_holders"]),
        custody_forbidden=frozenset(data["custody_forbidden"]),
        document_types=tuple(data["document_types"]),
        rates=Rates(
            to_eur={k: float(v) for k, v in data["rates_to_eur"].items()}, eur_to_mad=float(data["eur_to_mad"])
        ),
        small_cell_min=int(data["small_cell_min"]),
        retention_months=tuple(int(m) for m in data["retention_months"]),
        call_to_arrival_target_months=(int(low), int(high)),
        nace_by_kldb=dict(data["nace_by_kldb"]),
        isco_by_kldb=dict(data["isco_by_kldb"]),
        lander=tuple(data["lander"]),
    )
