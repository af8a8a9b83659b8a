"""Reference data of the matching service, loaded from versioned JSON files in reference/."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from services.matching.domain import PayRules

FOLDER = Path(__file__).parent / "reference"


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FOLDER / f"{name}.json").read_text(encoding="utf-8"))
    return data


@dataclass(frozen=True)
class ReferenceData:
    """Occupations with their training duration, pay thresholds, Länder, ranking weights and reason codes."""

    durations: dict[str, int]
    pay: PayRules
    lands: dict[str, str]
    weights: dict[str, int]
    availability_lead_days: int
    expected_course_days: int
    decision_reasons: tuple[str, ...]
    decline_reasons: tuple[str, ...]
    withdraw_reasons: tuple[str, ...]


@cache
def reference_data() -> ReferenceData:
    occupations, pay, programme = _load("occupations"), _load("pay"), _load("programme")
    low, high = pay["probation_months"]
    return ReferenceData(
        durations={o["kldb"]: int(o["duration_months"]) for o in occupations["occupations"]},
        pay=PayRules(
            minimum_by_start_year={int(y): tuple(v) for y, v in pay["minimum_training_pay"]["by_start_year"].items()},
            tariff_floor_share=Decimal(str(pay["tariff_floor_share"])),
            subsistence_by_year={int(y): int(v) for y, v in pay["subsistence_threshold"]["by_year"].items()},
            max_weekly_hours=int(pay["max_weekly_hours"]),
            probation_months=(int(low), int(high)),
        ),
        lands=dict(programme["lands"]),
        weights={k: int(v) for k, v in programme["ranking"]["weights"].items()},
        availability_lead_days=int(programme["availability_lead_days"]),
        expected_course_days=int(programme["expected_course_days"]),
        decision_reasons=tuple(programme["decision_reasons"]),
        decline_reasons=tuple(programme["decline_reasons"]),
        withdraw_reasons=tuple(programme["withdraw_reasons"]),
    )
