"""Programme statistics: the indicators (JSON), the exports (CSV, SDMX-style) and the dashboard (HTML).

Analysts, operators and case officers read them; none of them carries an id, a name or a number, and every
figure from fewer than 5 people is suppressed. The dashboard is server-rendered (its tables work without
JavaScript); charts are drawn by Chart.js, installed with the project and served from here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.types import ASGIApp, Receive, Scope, Send

from services.common.app import service_context, service_router
from services.common.auth import InvalidToken, Principal, Role, require
from services.common.fields import IsoDate
from services.common.problems import Problem
from services.monitoring import exports, reports
from services.monitoring.context import MonitoringContext, today
from services.monitoring.indicators import Filters, figure
from services.monitoring.queries import alert_summary
from services.monitoring.reference import reference_data
from services.monitoring.schemas import Indicator

R = Role
FOLDER = Path(__file__).parent / "dashboard"
CHART_JS = FOLDER / "node_modules" / "chart.js" / "dist" / "chart.umd.min.js"
COOKIE = "thamm_dashboard_token"
CSP = "default-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'"

router = service_router()
pages = service_router(prefix="")
login = APIRouter()

Ctx = Annotated[MonitoringContext, Depends(service_context)]
Analyst = Annotated[Principal, Depends(require(R.ANALYST, R.OPERATOR, R.CASE_OFFICER))]
_REF = reference_data()

#: What each indicator means (the README has the long form).
DEFINITIONS = {
    "funnel": "People reaching each stage (applicants to completed), with conversion from the stage before and from "
    "the applicants.",
    "durations": "Median and 90th percentile in days of each stage and of call-to-arrival, without time on hold; "
    "share of call-to-arrival within the 9-14-month target.",
    "language": "Pass rate per exam module over sittings, days from enrolment to the B1 certificate, attendance.",
    "retention": "Share still in training 3, 6, 10 and 12 months after arrival (of those who arrived that long ago); "
    "early terminations by reason, timing and initiator; re-placements.",
    "sdg-10-7-1": "SDG 10.7.1: worker-paid recruitment costs / first-month earnings per worker; programme mean with "
    "and without zero-cost workers, by sex, occupation and region. Target 0.",
    "icls": "ICLS 2018 tables: for-work international migrants (flow by month of departure), international migrant "
    "workers (stock on the day), returns; total and by sex, age, ISCED, ISCO-08, NACE, citizenship, country of birth.",
    "places": "Applicants by Moroccan region, arrived apprentices by German Land.",
}


def _optional(pattern: str, **kw: Any) -> Any:
    """A filter given as text; empty (a form's untouched field) means no filter."""
    return Query(pattern=f"^({pattern})?$", **kw)


class FilterParams:
    """The filters every indicator takes (query parameters); an empty value is no filter."""

    def __init__(
        self,
        programme_id: Annotated[str | None, _optional("[a-z0-9-]+", max_length=60)] = None,
        cohort_id: Annotated[str | None, _optional("[0-9a-f-]{36}", description="Language cohort")] = None,
        sex: Annotated[str | None, _optional("[FMX]")] = None,
        age_band: Annotated[str | None, _optional(r"15-24|25-34|35-54|55\+")] = None,
        region: Annotated[str | None, _optional("[a-z-]+", max_length=60)] = None,
        occupation: Annotated[str | None, _optional(r"\d{5}", description="KldB 2010")] = None,
        isco: Annotated[str | None, _optional(r"\d{4}", description="ISCO-08 unit group")] = None,
        land: Annotated[str | None, _optional("DE-[A-Z]{2}")] = None,
        employer_id: Annotated[str | None, _optional("[0-9a-f-]{36}")] = None,
        as_of: Annotated[IsoDate | Literal[""] | None, Query(description="Day of the figures (default today)")] = None,
    ) -> None:
        self.filters = Filters(
            programme_id=programme_id or None, cohort_id=cohort_id or None, sex=sex or None,
            age_band=age_band or None, region=region or None, occupation=occupation or None, isco=isco or None,
            land=land or None, employer_id=employer_id or None,
        )  # fmt: skip
        self.as_of = as_of or today()


Params = Annotated[FilterParams, Depends()]
CSV: dict[int | str, dict[str, Any]] = {
    200: {"description": "CSV, UTF-8", "content": {"text/csv": {"schema": {"type": "string"}}}}
}


def _known(name: str) -> str:
    if name not in reports.INDICATORS:
        raise Problem(404, "not-found", "Not found", f"no indicator {name!r}; one of {', '.join(reports.INDICATORS)}")
    return name


@router.get("/indicators", tags=["statistics"], summary="The indicators and their definitions")
async def list_indicators(actor: Analyst) -> dict[str, Any]:
    return {"indicators": [{"name": n, "definition": d, "href": f"/v1/indicators/{n}"} for n, d in DEFINITIONS.items()],
            "small_cell_min": _REF.small_cell_min}  # fmt: skip


@router.get("/indicators/{name}", response_model=Indicator, tags=["statistics"],
            summary="One indicator with filters; figures from fewer than 5 people are suppressed")  # fmt: skip
async def read_indicator(name: str, ctx: Ctx, actor: Analyst, params: Params) -> Indicator:
    return Indicator.model_validate(await reports.indicator(ctx, _known(name), params.filters, params.as_of))


@router.get("/exports/icls.sdmx.csv", tags=["statistics"], response_class=Response, responses=CSV,
            summary="The ICLS tables as an SDMX-CSV-style flat file (one observation per row)")  # fmt: skip
async def export_icls_sdmx(ctx: Ctx, actor: Analyst, params: Params) -> Response:
    result = await reports.indicator(ctx, "icls", params.filters, params.as_of)
    return Response(
        exports.icls_sdmx(result["figures"]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="icls-{params.as_of}.sdmx.csv"'},
    )


@router.get("/exports/{name}.csv", tags=["statistics"], response_class=Response, responses=CSV,
            summary="One indicator as CSV (suppressed cells empty, flagged)")  # fmt: skip
async def export_csv(name: str, ctx: Ctx, actor: Analyst, params: Params) -> Response:
    result = await reports.indicator(ctx, _known(name), params.filters, params.as_of)
    figures = result["figures"]
    rows = figures if isinstance(figures, list) else [{"indicator": name, **figures}]
    return Response(exports.rows_to_csv(rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}-{params.as_of}.csv"'})  # fmt: skip


# --- the dashboard -------------------------------------------------------------------------------------------

_templates = Environment(loader=FileSystemLoader(FOLDER / "templates"), autoescape=select_autoescape(["html"]))


def _value(cell: Any) -> Any:
    return None if not isinstance(cell, dict) or cell.get("suppressed") else cell.get("value")


_templates.filters["pct"] = lambda c: "·" if _value(c) is None else f"{_value(c):.1%}"
_templates.filters["num"] = lambda c: "·" if _value(c) is None else _number(_value(c))


def _number(value: Any) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value:,}"


def _chart_data(figures: dict[str, Any]) -> dict[str, Any]:
    """What the charts draw (suppressed figures are gaps)."""
    return {
        "funnel": {"labels": [r["stage"] for r in figures["funnel"]["figures"]],
                   "values": [_value(r["count"]) for r in figures["funnel"]["figures"]]},
        "durations": {"labels": [r["stage"] for r in figures["durations"]["figures"]],
                      "median": [_value(r["median_days"]) for r in figures["durations"]["figures"]],
                      "p90": [_value(r["p90_days"]) for r in figures["durations"]["figures"]]},
        "retention": {"labels": [f"{r['months']} m" for r in figures["retention"]["figures"]["curve"]],
                      "values": [_value(r["share"]) for r in figures["retention"]["figures"]["curve"]]},
    }  # fmt: skip


@pages.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
async def dashboard(request: Request, ctx: Ctx, actor: Analyst, params: Params) -> HTMLResponse:
    figures = await reports.all_indicators(ctx, params.filters, params.as_of)
    counts = await alert_summary(ctx)
    alerts = {name: figure(value, value, _REF.small_cell_min) for name, value in counts.items()}
    html = _templates.get_template("dashboard.html").render(
        figures=figures, alerts=alerts, filters=params.filters.active(), as_of=params.as_of, ref=_REF,
        charts=json.dumps(_chart_data(figures)), definitions=DEFINITIONS, query=request.url.query,
        chart_js=CHART_JS.exists(), k=_REF.small_cell_min,
    )  # fmt: skip
    return HTMLResponse(
        html, headers={"Content-Security-Policy": "default-src 'self'; style-src 'self'; img-src 'self' data:"}
    )


@login.get("/dashboard/login", response_class=HTMLResponse, include_in_schema=False)
async def login_form() -> HTMLResponse:
    return HTMLResponse(_templates.get_template("login.html").render(error=None))


@login.post("/dashboard/login", include_in_schema=False)
async def login_submit(request: Request, token: Annotated[str, Form(max_length=8192)]) -> Response:
    """Check the access token and keep it in an HttpOnly cookie for the dashboard's pages only."""
    try:
        principal = await request.app.state.token_verifier.verify(token.strip())
    except InvalidToken:
        principal = None
    if principal is None or not principal.has(R.ANALYST, R.OPERATOR, R.CASE_OFFICER):
        html = _templates.get_template("login.html").render(error="This token is not valid for the dashboard.")
        return HTMLResponse(html, status_code=401)
    response = RedirectResponse("/dashboard", status_code=303)
    response.set_cookie(COOKIE, token.strip(), httponly=True, samesite="strict", path="/dashboard",
                        secure=request.url.scheme == "https", max_age=8 * 3600)  # fmt: skip
    return response


@login.get("/dashboard/assets/{name}", include_in_schema=False)
async def asset(name: str) -> Response:
    files = {"chart.umd.min.js": CHART_JS, "dashboard.js": FOLDER / "static" / "dashboard.js",
             "dashboard.css": FOLDER / "static" / "dashboard.css"}  # fmt: skip
    path = files.get(name)
    if path is None or not path.exists():
        raise Problem(404, "not-found", "Not found", f"no asset {name!r}")
    return FileResponse(path, headers={"Cache-Control": "public, max-age=3600"})


class DashboardCookie:
    """On the dashboard's page only: a request without a bearer token uses the login cookie's token; without
    either it is sent to the login form (a browser cannot add the header itself)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/dashboard":
            headers = dict(scope["headers"])
            if b"authorization" not in headers:
                token = _cookie(headers.get(b"cookie", b"").decode("latin-1"))
                if token is None:
                    await RedirectResponse("/dashboard/login", status_code=303)(scope, receive, send)
                    return
                scope = {**scope, "headers": [*scope["headers"], (b"authorization", f"Bearer {token}".encode())]}
        await self.app(scope, receive, send)


def _cookie(header: str) -> str | None:
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE and value:
            return value
    return None
