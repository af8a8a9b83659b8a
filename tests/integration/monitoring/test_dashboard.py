"""The dashboard in headless Chromium (Debian's, driven by Playwright): sign-in, the page loads with its tables,
the charts render from the locally served Chart.js, a filter changes the figures, and without JavaScript the
tables are all there. `THAMM_DASHBOARD_SCREENSHOT=<file>` keeps a screenshot (the one in docs/images)."""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from deploy.local.settings import REPO_ROOT
from deploy.local.supervisor import free_port, serve_http
from services.common.auth import ensure_dev_keys, ensure_service_keys
from services.monitoring.config import MonitoringSettings
from services.monitoring.statistics_routes import CHART_JS
from services.monitoring.tables import AlertRecord, LedgerLineRecord, PersonStatsRecord
from tests.support.helpers import token

pytestmark = pytest.mark.integration

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
TODAY = datetime.now(UTC).date()
#: As the machine's closed network wants it: no background connections, a fresh profile per run.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]  # fmt: skip


def seeded_people() -> list[PersonStatsRecord]:
    """Twelve women and eight men through the programme at various stages, hand-built read models."""
    people = []
    for i in range(20):
        arrived = TODAY - timedelta(days=200 + i) if i % 4 != 3 else None
        people.append(PersonStatsRecord(
            candidate_id=uuid.uuid4(), programme_id="thamm-ausbildung", sex="F" if i < 12 else "M", age_band="15-24",
            education_isced="3", citizenship="MA", region=("souss-massa", "oriental")[i % 2],
            occupation=("29302", "25102")[i % 2], applied_on=TODAY - timedelta(days=600 + 3 * i), eligible=True,
            preselected_on=TODAY - timedelta(days=570), enrolled_on=TODAY - timedelta(days=550),
            b1_on=TODAY - timedelta(days=400 - i), matched_on=TODAY - timedelta(days=380),
            contract_on=TODAY - timedelta(days=360 - i), visa_on=TODAY - timedelta(days=260 - i),
            departed_on=arrived, arrived_on=arrived, in_training_on=arrived and arrived + timedelta(days=20),
            land=("DE-BY", "DE-BE", "DE-NW")[i % 3] if arrived else None, monthly_pay_cents=110000,
            terminations=[{"on": str(TODAY - timedelta(days=30)), "reason_code": "CONFLICT", "during_probation": False,
                           "initiated_by": "employer"}] if i in (1, 5) else [],
            held_days={}, periods={}, replacements=0, attendance_held=100, attendance_attended=88 + i % 10,
        ))  # fmt: skip
    return people


def test_the_browser_and_the_chart_library_are_installed() -> None:
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: `make install` installs it"
    assert CHART_JS.exists(), "Chart.js is missing: `make install` installs the dashboard's assets"


@pytest_asyncio.fixture(scope="module")
async def dashboard_url(app: Any, settings: MonitoringSettings, tmp_path_factory: Any) -> AsyncIterator[str]:
    async with app.state.ctx.sessions() as session:
        people = seeded_people()
        session.add_all(people)
        session.add(
            LedgerLineRecord(
                id=uuid.uuid4(),
                candidate_id=people[0].candidate_id,
                source="visa",
                category="visa_fee",
                amount_cents=7500,
                currency="EUR",
                rate_to_eur=1.0,
                amount_eur_cents=7500,
                amount_mad_cents=81075,
                incurred_on=TODAY,
                payer="worker",
            )
        )
        session.add(AlertRecord(candidate_id=people[0].candidate_id, rule="FR-01", raised_on=TODAY))
        await session.commit()  # fmt: skip
    port = free_port()
    env = {**os.environ, "MONITORING_DATABASE_URL": settings.database_url, "MONITORING_HTTP_PORT": str(port),
           "MONITORING_AUTH_PUBLIC_KEY_FILE": str(ensure_dev_keys()[1]),
           "MONITORING_AUTH_SERVICE_PUBLIC_KEY_FILE": str(ensure_service_keys()[1])}  # fmt: skip
    log = tmp_path_factory.mktemp("dashboard") / "server.log"
    server = serve_http(
        [sys.executable, "-m", "services.monitoring", "api"], env=env, port=port, log=log, cwd=REPO_ROOT
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=20)


def _figure(text: str) -> int:
    return int(text.replace(",", ""))


async def test_the_dashboard_signs_in_renders_its_charts_and_a_filter_changes_the_figures(dashboard_url: str) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1400, "height": 1800})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            await page.goto(f"{dashboard_url}/dashboard")
            assert page.url.endswith("/dashboard/login")
            await page.fill("#token", "not-a-token")
            await page.click("button[type=submit]")
            assert "not valid" in await page.inner_text(".error")
            errors.clear()  # the refused sign-in is a 401 the console reports; from here on nothing may fail
            await page.fill("#token", token("analyst", "analyst-1"))
            await page.click("button[type=submit]")
            await page.wait_for_selector("#funnel-chart[data-rendered=true]")
            for chart in ("funnel-chart", "durations-chart", "retention-chart"):
                points = await page.get_attribute(f"#{chart}", "data-points")
                assert points is not None and int(points) > 0, chart
            everyone = _figure(await page.inner_text("#people"))
            applicants = await page.inner_text("#funnel-table tbody tr:first-child td:nth-child(2)")
            assert everyone >= 20 and _figure(applicants) >= 20
            if os.environ.get("THAMM_DASHBOARD_SCREENSHOT"):
                await page.screenshot(path=os.environ["THAMM_DASHBOARD_SCREENSHOT"], full_page=True)

            await page.select_option("select[name=sex]", "M")
            await page.click(".filters button[type=submit]")
            await page.wait_for_selector("#funnel-chart[data-rendered=true]")
            assert "sex=M" in page.url
            men = _figure(await page.inner_text("#people"))
            assert men == 8 and men < everyone
            assert await page.inner_text("#funnel-table tbody tr:first-child td:nth-child(2)") == "8"
            arrived = await page.inner_text("#funnel-table tbody tr:nth-child(9) td:nth-child(2)")
            assert arrived == "6"  # eight men, two of whom have not arrived
            await page.select_option("select[name=land]", "DE-HB")
            await page.click(".filters button[type=submit]")
            assert await page.inner_text("#people") == "·", "nobody in Bremen: suppressed, never a small number"
            assert errors == []
        finally:
            await browser.close()


async def test_without_javascript_every_table_is_there(dashboard_url: str) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(
                java_script_enabled=False,
                extra_http_headers={"Authorization": f"Bearer {token('operator', 'ops-1')}"},
            )
            page = await context.new_page()
            response = await page.goto(f"{dashboard_url}/dashboard?sex=F")
            assert response is not None and response.status == 200
            assert response.headers["content-security-policy"].startswith("default-src 'self'")
            for section in ("alerts", "funnel", "durations", "retention", "sdg", "places", "language", "exports"):
                assert await page.locator(f"#{section} table, #{section} ul").count() >= 1, section
            assert await page.inner_text("#people") == "12"
            assert await page.get_attribute("#funnel-chart", "data-rendered") is None  # no script ran
            text = await page.inner_text("main")
            assert "souss-massa" in text and "DE-BY" in text
            alerts = await page.inner_text("#alerts tr:first-child td")
            assert alerts == "·", "one open alert is a figure from fewer than five people"
        finally:
            await browser.close()


async def test_a_token_without_a_statistics_role_is_refused_at_sign_in(dashboard_url: str) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=dashboard_url) as http:
        employer = await http.post(
            "/dashboard/login", data={"token": token("employer", "e-1", employer_id=str(uuid.uuid4()))}
        )
        analyst = await http.post("/dashboard/login", data={"token": token("analyst", "a-1")})
        signed_in = await http.get("/dashboard")  # the cookie carries the token
    async with httpx.AsyncClient(base_url=dashboard_url) as http:
        anonymous = await http.get("/dashboard")
        asset = await http.get("/dashboard/assets/chart.umd.min.js")
    assert employer.status_code == 401 and "thamm_dashboard_token" not in employer.headers.get("set-cookie", "")
    assert analyst.status_code == 303 and "HttpOnly" in analyst.headers["set-cookie"]
    assert "SameSite=strict" in analyst.headers["set-cookie"] and "Path=/dashboard" in analyst.headers["set-cookie"]
    assert signed_in.status_code == 200 and "THAMM programme monitoring" in signed_in.text
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/dashboard/login"
    assert asset.status_code == 200 and "javascript" in asset.headers["content-type"]
