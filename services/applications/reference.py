"""Reference data of the applications service, loaded from versioned JSON files in reference/."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from services.applications.domain import EligibilityRules

FOLDER = Path(__file__).parent / "reference"


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FOLDER / f"{name}.json").read_text(encoding="utf-8"))
    return data


@dataclass(frozen=True)
class ReferenceData:
    """Regions, occupations, document types, reasons and eligibility rule versions."""

    regions: dict[str, str]
    occupations: dict[str, dict[str, Any]]
    document_types: dict[str, dict[str, Any]]
    preselection_checklist: tuple[tuple[str, ...], ...]
    reasons: dict[str, tuple[str, ...]]
    eligibility: tuple[EligibilityRules, ...]

    def isco_codes(self, kldb: str) -> list[str]:
        return list(self.occupations.get(kldb, {}).get("isco", []))


@cache
def reference_data() -> ReferenceData:
    docs = _load("document_types")
    reasons = _load("reasons")
    return ReferenceData(
        regions={r["code"]: r["label"] for r in _load("regions")["regions"]},
        occupations={o["kldb"]: o for o in _load("occupations")["occupations"]},
        document_types={d["code"]: d for d in docs["document_types"]},
        preselection_checklist=tuple(tuple(item) for item in docs["preselection_checklist"]),
        reasons={k: tuple(v) for k, v in reasons.items() if isinstance(v, list)},
        eligibility=tuple(
            EligibilityRules(
                version=v["version"],
                effective_from=date.fromisoformat(v["effective_from"]),
                min_age=v["min_age"],
                max_age=v["max_age"],
                nationalities=frozenset(v["nationalities"]),
                residence_countries=frozenset(v["residence_countries"]),
                diplomas=frozenset(v["diplomas"]),
                occupations=frozenset(v["occupations"]),
                required_consents=frozenset(v["required_consents"]),
            )
            for v in _load("eligibility")["versions"]
        ),
    )
