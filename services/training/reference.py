"""Reference data of the training service, loaded from versioned JSON files in reference/."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from contracts.training import CefrLevel
from services.training.domain import LanguageRule, Provider

FOLDER = Path(__file__).parent / "reference"


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FOLDER / f"{name}.json").read_text(encoding="utf-8"))
    return data


@dataclass(frozen=True)
class Site:
    code: str
    provider: str
    city: str
    region: str


@dataclass(frozen=True)
class ReferenceData:
    """Providers and their sites, language requirements, programme parameters and reason codes."""

    providers: dict[str, Provider]
    sites: dict[str, Site]
    rules: tuple[LanguageRule, ...]
    attendance_threshold: float
    attendance_period_days: int
    default_consulate: str
    dropout_reasons: tuple[str, ...]
    cancel_reasons: tuple[str, ...]
    region_centres: dict[str, tuple[float, float]]


@cache
def reference_data() -> ReferenceData:
    providers = _load("providers")["providers"]
    programme = _load("programme")
    return ReferenceData(
        providers={p["code"]: Provider(p["code"], p["alte_member"], p["modular"]) for p in providers},
        sites={s["code"]: Site(s["code"], p["code"], s["city"], s["region"]) for p in providers for s in p["sites"]},
        rules=tuple(
            LanguageRule(r["consulate"], r["occupation"], CefrLevel(r["level"]), date.fromisoformat(r["valid_from"]))
            for r in _load("language_requirements")["rules"]
        ),
        attendance_threshold=float(programme["attendance_threshold"]),
        attendance_period_days=int(programme["attendance_period_days"]),
        default_consulate=programme["default_consulate"],
        dropout_reasons=tuple(programme["dropout_reasons"]),
        cancel_reasons=tuple(programme["cancel_reasons"]),
        region_centres={k: (v[0], v[1]) for k, v in programme["region_centres"].items()},
    )
