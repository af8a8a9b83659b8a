"""The indicators over the current read models, as the API, the exports and the dashboard serve them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from services.monitoring import indicators as ind
from services.monitoring.context import MonitoringContext
from services.monitoring.queries import ReadModels, read_models
from services.monitoring.reference import ReferenceData

Compute = Callable[[ReadModels, list[Any], ReferenceData, date], Any]


def _classifications(ref: ReferenceData) -> ind.Classifications:
    return ind.Classifications(isco_by_kldb=ref.isco_by_kldb, nace_by_kldb=ref.nace_by_kldb)


#: Indicator name -> how it is computed from the selected people.
INDICATORS: dict[str, Compute] = {
    "funnel": lambda m, people, ref, as_of: ind.funnel(people, ref.small_cell_min),
    "durations": lambda m, people, ref, as_of: ind.durations(
        people, ref.small_cell_min, ref.call_to_arrival_target_months
    ),
    "language": lambda m, people, ref, as_of: ind.language(people, m.exams, ref.small_cell_min),
    "retention": lambda m, people, ref, as_of: ind.retention(people, as_of, ref.retention_months, ref.small_cell_min),
    "sdg-10-7-1": lambda m, people, ref, as_of: ind.sdg_10_7_1(
        people, m.lines, ref.small_cell_min, _classifications(ref)
    ),
    "icls": lambda m, people, ref, as_of: ind.icls_tables(people, as_of, ref.small_cell_min, _classifications(ref)),
    "places": lambda m, people, ref, as_of: ind.places(people, ref.small_cell_min),
}  # fmt: skip


def compute(models: ReadModels, ref: ReferenceData, name: str, where: ind.Filters, as_of: date) -> dict[str, Any]:
    people = ind.select(models.people, where, _classifications(ref))
    return {
        "indicator": name,
        "as_of": as_of,
        "filters": where.active(),
        "people": ind.figure(len(people), len(people), ref.small_cell_min),
        "figures": INDICATORS[name](models, people, ref, as_of),
    }


async def indicator(ctx: MonitoringContext, name: str, where: ind.Filters, as_of: date) -> dict[str, Any]:
    return compute(await read_models(ctx), ctx.reference, name, where, as_of)


async def all_indicators(ctx: MonitoringContext, where: ind.Filters, as_of: date) -> dict[str, dict[str, Any]]:
    """Every indicator from one snapshot of the read models (the dashboard)."""
    models = await read_models(ctx)
    return {name: compute(models, ctx.reference, name, where, as_of) for name in INDICATORS}
