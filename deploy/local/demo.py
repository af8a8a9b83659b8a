"""The demo: submit an application over HTTP and watch the candidate's journey appear in Temporal."""

from __future__ import annotations

import asyncio
import time

import httpx
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.contrib.pydantic import pydantic_data_converter

from contracts.journey import journey_workflow_id
from deploy.local.demo_data import DEMO_CANDIDATES
from deploy.local.demo_monitoring import run_follow_up
from deploy.local.demo_training import attend, plan_cohort, sit_exam, wait_for_enrolment
from deploy.local.demo_visa import grant_everything, run_second_candidate, run_visa
from deploy.local.settings import StackSettings
from services.common.auth import dev_token


async def submit_application(http: httpx.AsyncClient, body: dict[str, object]) -> dict[str, str]:
    """Create a draft and submit it; returns the submitted application."""
    created = await http.post("/v1/applications", json=body)
    if created.status_code != 201:
        raise RuntimeError(f"POST /v1/applications failed: {created.status_code} {created.text}")
    submitted = await http.post(f"/v1/applications/{created.json()['id']}/submit")
    if submitted.status_code != 200:
        raise RuntimeError(f"submit failed: {submitted.status_code} {submitted.text}")
    result: dict[str, str] = submitted.json()
    return result


DEMO_CANDIDATES_SUBMITTED: list[dict[str, str]] = []
PDF = b"%PDF-1.7\n% demo scan\n"


async def preselect(http: httpx.AsyncClient, application: dict[str, str]) -> None:
    """Upload and verify the checklist's documents, then pre-select, as a case officer would."""
    app_id = application["id"]
    for doc_type in ("CNIE", "BAC", "MOTIVATION"):
        doc = await http.post(
            f"/v1/applications/{app_id}/documents",
            data={"document_type": doc_type},
            files={"file": (f"{doc_type.lower()}.pdf", PDF, "application/pdf")},
        )
        doc.raise_for_status()
        review = await http.post(
            f"/v1/applications/{app_id}/documents/{doc.json()['id']}/review", json={"decision": "verify"}
        )
        review.raise_for_status()
    decided = await http.post(
        f"/v1/applications/{app_id}/decision",
        json={
            "decision": "preselect",
            "reason_code": "INTERVIEW_PASSED",
            "occupation_code": application["occupation_codes"][0],
            "note": "Demo: motivated, interview passed.",
        },
    )
    decided.raise_for_status()


async def wait_for_journey(
    client: Client, workflow_id: str, stage: str | tuple[str, ...], timeout_s: float = 60
) -> float:
    """Seconds until the journey shows the stage (or one of the stages) in Temporal's visibility store."""
    started = time.monotonic()
    stages = (stage,) if isinstance(stage, str) else stage
    query = f"WorkflowId = '{workflow_id}' AND JourneyStage IN ({', '.join(repr(s) for s in stages)})"
    while time.monotonic() - started < timeout_s:
        async for execution in client.list_workflows(query):
            if execution.status == WorkflowExecutionStatus.RUNNING:
                return time.monotonic() - started
        await asyncio.sleep(0.25)
    raise TimeoutError(f"{workflow_id} did not reach {stage} within {timeout_s:.0f}s")


async def run_training(
    client: Client, officer: httpx.AsyncClient, settings: StackSettings, candidate_id: str, workflow_id: str
) -> None:
    """Enrolment by the journey, attendance, a modular exam over two sittings, then matching."""
    from datetime import date, timedelta

    enrolment = await wait_for_enrolment(officer, candidate_id)
    seconds = await wait_for_journey(client, workflow_id, "LANGUAGE_TRAINING")
    print(f"5. the journey enrolled the candidate through the training service: cohort {enrolment['cohort_id']},")
    print(f"   {workflow_id} is LANGUAGE_TRAINING after {seconds:.2f}s")
    trainer_token = dev_token("trainer", "demo-trainer", provider="goethe")
    training = f"http://{settings.host}:{settings.training_port}"
    async with httpx.AsyncClient(
        base_url=training, timeout=10, headers={"Authorization": f"Bearer {trainer_token}"}
    ) as trainer:
        rate = await attend(trainer, str(enrolment["cohort_id"]), str(enrolment["id"]))
    print(f"6. the trainer recorded {rate['sessions_held']} sessions: attendance {rate['attendance_rate']:.0%}")
    first = await sit_exam(officer, str(enrolment["id"]), date.today() + timedelta(days=150), "writing")
    print(
        f"7. Goethe B1, first sitting {first['sitting_on']}: writing failed (exam_failed, modules to retake: writing)"
    )
    second = await sit_exam(officer, str(enrolment["id"]), date.today() + timedelta(days=180), "reading")
    print(
        f"8. second sitting {second['sitting_on']}: writing passed; modules combine (Goethe is modular) -> exam_passed"
    )
    seconds = await wait_for_journey(client, workflow_id, "MATCHING")
    print(f"9. {workflow_id} is MATCHING after {seconds:.2f}s\n")


async def run_matching(client: Client, settings: StackSettings, candidate_id: str, workflow_id: str) -> None:
    """The journey's match request, a position, the explained ranking, the shortlist and a signed contract."""
    from datetime import date

    from deploy.local.demo_matching import explain, open_position, place, training_start, wait_for_ranking
    from deploy.local.demo_webhooks import TYPES, start_receiver, verified_deliveries

    base = f"http://{settings.host}:{settings.matching_port}"
    headers = {"Authorization": f"Bearer {dev_token(subject='demo-officer')}"}
    async with httpx.AsyncClient(base_url=base, timeout=10, headers=headers) as officer:
        request = await wait_for_ranking(officer, candidate_id)
        profile = (await officer.get(f"/v1/profiles/{candidate_id}")).json()
        print(f"10. the journey asked matching for a place: request {request['id']} (round {request['round']});")
        print(f"    pseudonymous profile: {profile['occupation_codes']}, level {profile['level']},"
              f" available from {profile['available_from']}")  # fmt: skip
        starts = training_start(date.fromisoformat(profile["available_from"]))
        employer_id, employer, position = await open_position(officer, base, starts)
        token = employer.headers["Authorization"].removeprefix("Bearer ")
        receiver, deliveries_log = await start_receiver(settings, token, employer_id)
        try:
            print(f"11. employer {employer_id} (Gasthof Sonne, DE-BY, IHK) published a cook position from {starts};")
            print(f"    its HR system listens for signed webhooks ({len(TYPES)} event types, sample receiver)")
            ranked = (await officer.post(f"/v1/match-requests/{request['id']}/ranking")).json()
            top = ranked["suggestions"][0]
            print(f"12. ranked again: position {top['position_id']} scores {top['score']:.2f} of 100 because")
            print("\n".join(explain(top)))
            placed = await place(officer, employer, ranked, position["id"])
            received = verified_deliveries(deliveries_log, wanted=6)
        finally:
            await employer.aclose()
            receiver.terminate()
            receiver.wait(timeout=10)
        signed = placed["signed"]
        print("13. a case officer shortlisted it (BEST_FIT); video interview positive; offer accepted;")
        checks = ", ".join(f"{c['rule']} {c['status']}" for c in signed["checks"])
        print(f"    contract v{signed['version']} checked ({checks}),")
        digest = signed["sha256"][:16]
        print(f"    acknowledged in German and French (SHA-256 {digest}...) and signed: ends {signed['ends_on']}")
    print(f"    the employer's endpoint verified {len(received)} signed deliveries (Standard Webhooks):")
    for delivery in received:
        shown = (
            "candidate " + delivery["data"]["candidate_id"] if "candidate_id" in delivery["data"] else "pseudonymous"
        )
        print(f"      {delivery['webhook_id']}  {delivery['type']:<42} {shown}")
    seconds = await wait_for_journey(client, workflow_id, ("CONTRACT_SIGNED", "VISA", "PRE_DEPARTURE"))
    print(f"14. {workflow_id} went past CONTRACT_SIGNED after {seconds:.2f}s (the visa case opens at once)")


async def run_demo(settings: StackSettings) -> int:
    base = f"http://{settings.host}:{settings.applications_port}"
    ui = f"http://{settings.host}:{settings.temporal_ui_port}"
    client = await Client.connect(settings.temporal_address, data_converter=pydantic_data_converter)
    print("THAMM demo: HTTP -> PostgreSQL + outbox -> Kafka -> bridge -> Temporal -> services\n")
    headers = {"Authorization": f"Bearer {dev_token(subject='demo-officer')}"}
    async with httpx.AsyncClient(base_url=base, timeout=10, headers=headers) as http:
        DEMO_CANDIDATES_SUBMITTED.clear()
        for body in DEMO_CANDIDATES:
            application = await submit_application(http, body)
            DEMO_CANDIDATES_SUBMITTED.append(application)
            workflow_id = journey_workflow_id(application["candidate_id"])
            print(
                f"1. POST {base}/v1/applications + /submit  -> application {application['id']} submitted"
                f" (eligible: {application['eligible']})"
            )
            print(
                f"   candidate {application['candidate_id']} ({application['region']}, "
                f"occupations {', '.join(application['occupation_codes'])})"
            )
            seconds = await wait_for_journey(client, workflow_id, "SUBMITTED")
            print(f"2. journey {workflow_id} running with JourneyStage=SUBMITTED after {seconds:.2f}s")
            print(f"   open it: {ui}/namespaces/default/workflows/{workflow_id}\n")
        first = DEMO_CANDIDATES_SUBMITTED[0]
        training = f"http://{settings.host}:{settings.training_port}"
        async with httpx.AsyncClient(base_url=training, timeout=10, headers=headers) as officer:
            cohort = await plan_cohort(officer)
            where = f"{cohort['site']} ({cohort['region']})"
            print(f"3. cohort {cohort['id']} planned at {where}, starts {cohort['starts_on']}")
            await preselect(http, first)
            workflow_id = journey_workflow_id(first["candidate_id"])
            print(f"4. documents verified and the candidate pre-selected: {workflow_id} leaves PRESELECTED")
            await run_training(client, officer, settings, first["candidate_id"], workflow_id)
            await run_matching(client, settings, first["candidate_id"], workflow_id)
            await grant_everything(settings)
            await run_visa(client, settings, first["candidate_id"], workflow_id, 15)
            await run_follow_up(client, settings, first["candidate_id"], workflow_id, 17, "DE-BY", 38_900)
            second = DEMO_CANDIDATES_SUBMITTED[1]
            await run_second_candidate(client, http, settings, second)
            second_id = journey_workflow_id(second["candidate_id"])
            await run_follow_up(client, settings, second["candidate_id"], second_id, 23, "DE-BE", 41_500)
    print("Find every journey:")
    print(f"   UI:  {ui}/namespaces/default/workflows?query=WorkflowType%3D%22ApprenticeJourneyWorkflow%22")
    print(
        f"   CLI: .venv/bin/temporal workflow list --address {settings.temporal_address} "
        "--query \"JourneyStage='IN_TRAINING'\""
    )
    monitoring = f"http://{settings.host}:{settings.monitoring_port}"
    print(f"Programme dashboard: {monitoring}/dashboard  (sign in with an analyst token:")
    print("   .venv/bin/python -m services.common.auth token --role analyst --sub analyst-1 --ttl 28800)")
    print("   figures from fewer than 5 people show as a dot: two demo apprentices are not enough for a figure")
    ports = (settings.training_port, settings.matching_port, settings.visa_port, settings.monitoring_port,
             settings.webhooks_port)  # fmt: skip
    docs = "  ".join(f"http://{settings.host}:{port}/docs" for port in ports)
    print(f"API docs: {base}/docs  {docs}   Stop everything: make down")
    return 0
