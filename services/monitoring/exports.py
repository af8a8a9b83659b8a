"""Exports: indicators as CSV, the ICLS tables as an SDMX-CSV-style flat file (one observation per row).

Suppressed cells stay in the files with an empty value and the confidentiality flag, so a reader sees that
a cell exists and was protected.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

#: SDMX-style columns of the ICLS file; dimensions not broken down in a row read `_T` (total).
SDMX_COLUMNS = (
    "DATAFLOW", "REF_AREA", "COUNTERPART_AREA", "MEASURE", "TIME_PERIOD", "SEX", "AGE", "EDUCATION_LEV",
    "OCCUPATION", "ECONOMIC_ACTIVITY", "CITIZENSHIP", "BIRTH_COUNTRY", "OBS_VALUE", "OBS_STATUS", "CONF_STATUS",
)  # fmt: skip
_DIMENSION_COLUMN = {
    "sex": "SEX", "age_band": "AGE", "education_isced": "EDUCATION_LEV", "isco08": "OCCUPATION",
    "nace": "ECONOMIC_ACTIVITY", "citizenship": "CITIZENSHIP", "country_of_birth": "BIRTH_COUNTRY",
}  # fmt: skip
DATAFLOW = "THAMM:ICLS_LABOUR_MIGRATION(1.0)"


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict) and "suppressed" in value:
        out[prefix] = "" if value["suppressed"] else value["value"]
        out[f"{prefix}.n"] = "" if value["suppressed"] else value["n"]
        out[f"{prefix}.suppressed"] = value["suppressed"]
    elif isinstance(value, dict):
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), inner, out)
    elif isinstance(value, list):
        out[prefix] = ";".join(str(v) for v in value)
    else:
        out[prefix] = value


def rows_to_csv(rows: Iterable[dict[str, Any]]) -> str:
    """Indicator rows (nested figures flattened to `name`, `name.n`, `name.suppressed`) as CSV."""
    flat = []
    for row in rows:
        out: dict[str, Any] = {}
        _flatten("", row, out)
        flat.append(out)
    columns = list(dict.fromkeys(c for row in flat for c in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(flat)
    return buffer.getvalue()


def icls_sdmx(rows: Iterable[dict[str, Any]]) -> str:
    """The ICLS rows as SDMX-CSV-style observations (origin MA, destination DE)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SDMX_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        obs = {c: "_T" for c in _DIMENSION_COLUMN.values()}
        if row["dimension"] != "total":
            category = row["category"]
            obs[_DIMENSION_COLUMN[row["dimension"]]] = "_U" if category == "not stated" else category
        writer.writerow({
            **obs, "DATAFLOW": DATAFLOW, "REF_AREA": "MA", "COUNTERPART_AREA": "DE", "MEASURE": row["measure"],
            "TIME_PERIOD": row["period"], "OBS_VALUE": "" if row["suppressed"] else row["value"],
            "OBS_STATUS": "A", "CONF_STATUS": "C" if row["suppressed"] else "F",
        })  # fmt: skip
    return buffer.getvalue()
