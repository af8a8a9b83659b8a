"""HTTP -> PostgreSQL + outbox -> relay -> Kafka -> bridge -> Temporal, driven as a user would."""

from __future__ import annotations

import asyncio
import time
from datetime import date, timedelta

import httpx
import pytest
from aiokafka import AIOKafkaProducer, ConsumerRecord
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from contracts.journey import JourneyStage, journey_workflow_id
from contracts.topics import APPLICATIONS
from deploy.local.demo import submit_application, wait_for_journey
from deploy.local.demo_data import application_body
from deploy.local.settings import StackSettings
from deploy.local.stack import Stack
from services.common.auth import dev_token
from services.common.kafka import read_all
from workflows.journey import ApprenticeJourneyWorkflow

pytestmark = pytest.mark.e2e


async def submit(settings: StackSettings) -> dict[str, str]:
    body = application_body("Amina", "Tazi", "2002-06-01", "souss-massa", ("29302",), sex="F")
    async with httpx.AsyncClient(
        base_url=f"http://{settings.host}:{settings.applications_port}",
        headers={"Authorization": f"Bearer {dev_token()}"},
    ) as http:
        return await submit_application(http, body)


async def count_runs(client: Client, workflow_id: str) -> int:
    return len([e async for e in client.list_workflows(f"WorkflowId = '{workflow_id}'")])


async def signals_received(client: Client, workflow_id: str) -> int:
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    return sum(1 for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)


async def test_submitted_application_starts_a_visible_journey(
    platform: Stack, stack_settings: StackSettings, temporal_client: Client
) -> None:
    application = await submit(stack_settings)
    workflow_id = journey_workflow_id(application["candidate_id"])

    await wait_for_journey(temporal_client, workflow_id, "SUBMITTED", timeout_s=60)

    handle = temporal_client.get_workflow_handle(workflow_id)
    assert await handle.query(ApprenticeJourneyWorkflow.stage) == JourneyStage.SUBMITTED
    description = await handle.describe()
    attributes = {pair.key.name: pair.value for pair in description.typed_search_attributes}
    assert attributes.pop("TemporalChangeVersion", None) == [  # the journey's patches met so far
        "people-decide-endings",
        "publish-as-local-activity",
    ]
    attributes.pop("BuildIds", None)
    assert attributes == {"JourneyStage": "SUBMITTED", "Region": "souss-massa", "OccupationCode": "29302"}
    assert "Amina" not in str(description.raw_description)  # no personal data in Temporal


async def _find_submission(settings: StackSettings, candidate_id: str) -> ConsumerRecord[bytes, bytes]:
    for record in await read_all(settings.kafka_bootstrap, APPLICATIONS):
        headers = dict(record.headers)
        if headers.get("ce_subject") == candidate_id.encode() and headers.get("ce_type", b"").endswith(
            b".application_submitted.v1"
        ):
            return record
    raise AssertionError("application_submitted not found on the topic")


async def test_redelivered_submission_does_not_start_a_second_journey(
    platform: Stack, stack_settings: StackSettings, temporal_client: Client
) -> None:
    application = await submit(stack_settings)
    workflow_id = journey_workflow_id(application["candidate_id"])
    await wait_for_journey(temporal_client, workflow_id, "SUBMITTED", timeout_s=60)
    record = await _find_submission(stack_settings, application["candidate_id"])

    producer = AIOKafkaProducer(bootstrap_servers=stack_settings.kafka_bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(
            APPLICATIONS,
            value=record.value,
            key=record.key,
            headers=list(record.headers),
            partition=record.partition,
        )
    finally:
        await producer.stop()

    deadline = time.monotonic() + 30
    while await signals_received(temporal_client, workflow_id) < 2:
        assert time.monotonic() < deadline, "the bridge did not deliver the redelivered event"
        await asyncio.sleep(0.25)
    assert await count_runs(temporal_client, workflow_id) == 1
    handle = temporal_client.get_workflow_handle(workflow_id)
    history = await handle.query(ApprenticeJourneyWorkflow.history)
    assert [entry.stage for entry in history] == [JourneyStage.SUBMITTED]


async def test_watch_restarts_a_crashed_platform_process(platform: Stack) -> None:
    import os
    import signal

    bridge = platform.select(["journey-bridge"])[0]
    pid = bridge.pid_file.running_pid()
    assert pid is not None
    os.killpg(pid, signal.SIGKILL)
    watcher = asyncio.create_task(platform.watch(["journey-bridge"], interval_s=0.5))
    try:
        deadline = time.monotonic() + 60
        while bridge.pid_file.running_pid() in (None, pid):
            assert time.monotonic() < deadline, "the watcher did not restart the bridge"
            await asyncio.sleep(0.5)
    finally:
        watcher.cancel()
    assert await bridge.healthy()


async def test_the_relay_and_the_bridge_serve_metrics(platform: Stack, stack_settings: StackSettings) -> None:
    await submit(stack_settings)
    async with httpx.AsyncClient() as http:
        deadline = time.monotonic() + 30
        relay = bridge = ""
        while True:
            try:  # the processes open their metrics port a moment after they start
                relay = (
                    await http.get(f"http://{stack_settings.host}:{stack_settings.relay_metrics_port}/metrics")
                ).text
                bridge = (
                    await http.get(f"http://{stack_settings.host}:{stack_settings.bridge_metrics_port}/metrics")
                ).text
            except httpx.ConnectError:
                pass
            if 'thamm_outbox_published_total{service="applications"}' in relay and "thamm_consumer_lag{" in bridge:
                break
            assert time.monotonic() < deadline, (relay[-500:], bridge[-500:])
            await asyncio.sleep(0.5)
    assert 'thamm_outbox_backlog{service="applications"}' in relay
    assert 'group="journey-bridge",partition=' in bridge


async def test_the_journey_enrols_through_the_training_service_and_reaches_matching(
    platform: Stack, stack_settings: StackSettings, temporal_client: Client
) -> None:
    from deploy.local.demo import preselect
    from deploy.local.demo_training import attend, plan_cohort, sit_exam, wait_for_enrolment

    headers = {"Authorization": f"Bearer {dev_token()}"}
    host = stack_settings.host
    async with (
        httpx.AsyncClient(base_url=f"http://{host}:{stack_settings.training_port}", headers=headers) as officer,
        httpx.AsyncClient(base_url=f"http://{host}:{stack_settings.applications_port}", headers=headers) as apps,
    ):
        await plan_cohort(officer, site="osd-marrakech")
        body = application_body("Hajar", "Ouali", "2002-03-03", "marrakech-safi", ("29302",), sex="F")
        application = await submit_application(apps, body)
        await preselect(apps, application)
        workflow_id = journey_workflow_id(application["candidate_id"])
        enrolment = await wait_for_enrolment(officer, application["candidate_id"])
        assert enrolment["status"] == "enrolled" and enrolment["cohort_id"].startswith("C-")
        await wait_for_journey(temporal_client, workflow_id, JourneyStage.LANGUAGE_TRAINING.value, timeout_s=60)
        trainer = {"Authorization": f"Bearer {dev_token('trainer', 'osd-trainer', provider='osd')}"}
        async with httpx.AsyncClient(
            base_url=f"http://{host}:{stack_settings.training_port}", headers=trainer
        ) as teaching:
            assert (await attend(teaching, enrolment["cohort_id"], enrolment["id"], days=2))["sessions_held"] == 2
        await sit_exam(officer, enrolment["id"], date.today(), "listening")
        await sit_exam(officer, enrolment["id"], date.today() + timedelta(days=30), "reading")
        await wait_for_journey(temporal_client, workflow_id, JourneyStage.MATCHING.value, timeout_s=60)
    view = await temporal_client.get_workflow_handle(workflow_id).query(ApprenticeJourneyWorkflow.view)
    assert view.cohort_id == enrolment["cohort_id"]


async def test_a_withdrawal_during_language_training_cancels_the_enrolment(
    platform: Stack, stack_settings: StackSettings, temporal_client: Client
) -> None:
    from deploy.local.demo import preselect
    from deploy.local.demo_training import plan_cohort, wait_for_enrolment

    headers = {"Authorization": f"Bearer {dev_token()}"}
    host = stack_settings.host
    async with (
        httpx.AsyncClient(base_url=f"http://{host}:{stack_settings.training_port}", headers=headers) as officer,
        httpx.AsyncClient(base_url=f"http://{host}:{stack_settings.applications_port}", headers=headers) as apps,
    ):
        await plan_cohort(officer, site="telc-fes")
        application = await submit_application(apps, application_body("Reda", "Bennis", "2001-07-07", "fes-meknes"))
        await preselect(apps, application)
        workflow_id = journey_workflow_id(application["candidate_id"])
        await wait_for_journey(temporal_client, workflow_id, JourneyStage.LANGUAGE_TRAINING.value, timeout_s=60)
        withdrawn = await apps.post(f"/v1/applications/{application['id']}/withdraw", json={"reason_code": "PERSONAL"})
        assert withdrawn.status_code == 200, withdrawn.text
        deadline = time.monotonic() + 60
        while (enrolment := await wait_for_enrolment(officer, application["candidate_id"]))["status"] != "cancelled":
            assert time.monotonic() < deadline, enrolment
            await asyncio.sleep(0.5)
    assert enrolment["end_reason_code"] == "CANDIDATE_WITHDREW"


async def to_matching(
    stack_settings: StackSettings, temporal_client: Client, name: tuple[str, str], site: str, region: str
) -> tuple[dict[str, str], str]:
    """A candidate submitted, pre-selected, enrolled and certified: the journey is MATCHING."""
    from deploy.local.demo import preselect
    from deploy.local.demo_training import plan_cohort, sit_exam, wait_for_enrolment

    headers = {"Authorization": f"Bearer {dev_token()}"}
    host = stack_settings.host
    async with (
        httpx.AsyncClient(base_url=f"http://{host}:{stack_settings.training_port}", headers=headers) as training,
        httpx.AsyncClient(base_url=f"http://{host}:{stack_settings.applications_port}", headers=headers) as apps,
    ):
        await plan_cohort(training, site=site)
        application = await submit_application(apps, application_body(*name, "2002-05-05", region, ("29302",)))
        await preselect(apps, application)
        enrolment = await wait_for_enrolment(training, application["candidate_id"])
        await sit_exam(training, enrolment["id"], date.today(), "speaking")
        await sit_exam(training, enrolment["id"], date.today() + timedelta(days=30), "reading")
    workflow_id = journey_workflow_id(application["candidate_id"])
    await wait_for_journey(temporal_client, workflow_id, JourneyStage.MATCHING.value, timeout_s=60)
    return application, workflow_id


async def test_the_journey_is_matched_gets_its_visa_and_is_followed_up_to_in_training_by_the_services(
    platform: Stack, stack_settings: StackSettings, temporal_client: Client
) -> None:
    """matching's contract, then the journey's open_visa_case and request_labour_approval against the real visa
    service, the authorities simulator answering for the BA and the consulate, to PRE_DEPARTURE; then the
    journey's start_predeparture and its follow-up's create_follow_up_task against the real monitoring service,
    through departure and arrival to IN_TRAINING."""
    from deploy.local.demo_matching import open_position, place, wait_for_ranking
    from deploy.local.demo_monitoring import follow_up_officer, run_follow_up
    from deploy.local.demo_visa import grant_everything, verify_documents, wait_for_case
    from deploy.local.demo_visa import officer as visa_officer

    application, workflow_id = await to_matching(
        stack_settings, temporal_client, ("Imane", "Alaoui"), "goethe-rabat", "rabat-sale-kenitra"
    )
    matching = f"http://{stack_settings.host}:{stack_settings.matching_port}"
    async with httpx.AsyncClient(base_url=matching, headers={"Authorization": f"Bearer {dev_token()}"}) as officer:
        request = await wait_for_ranking(officer, application["candidate_id"])  # the journey's request_matching
        assert request["round"] == 1 and request["occupation_codes"] == ["29302"]
        employer_id, employer, position = await open_position(officer, matching, date(date.today().year + 2, 8, 1))
        try:
            ranked = (await officer.post(f"/v1/match-requests/{request['id']}/ranking")).json()
            assert ranked["suggestions"][0]["position_id"] == position["id"]
            placed = await place(officer, employer, ranked, position["id"])
        finally:
            await employer.aclose()
        assert placed["signed"]["status"] == "signed"
        await wait_for_journey(temporal_client, workflow_id, ("CONTRACT_SIGNED", "VISA"), timeout_s=60)
        assert (await officer.get(f"/v1/positions/{position['id']}")).json()["places_left"] == 1
    description = await temporal_client.get_workflow_handle(workflow_id).describe()
    attributes = {pair.key.name: pair.value for pair in description.typed_search_attributes}
    assert attributes["EmployerId"] == employer_id
    await grant_everything(stack_settings)
    async with visa_officer(stack_settings, stack_settings.visa_port) as visa:
        case = await wait_for_case(visa, application["candidate_id"])
        assert case["contract_id"] == placed["signed"]["id"] and case["employer_id"] == employer_id
        await verify_documents(visa, case)
        await wait_for_journey(temporal_client, workflow_id, JourneyStage.PRE_DEPARTURE.value, timeout_s=90)
        granted = (await visa.get(f"/v1/visa-cases/{case['id']}")).json()
        approvals = (await visa.get(f"/v1/visa-cases/{case['id']}/labour-approval")).json()
    assert granted["status"] == "granted" and granted["approval_status"] == "granted"
    assert [a["attempt"] for a in approvals] == [1], "the visa child asked the BA once, through the visa service"
    child = await temporal_client.get_workflow_handle(f"visa-{application['candidate_id']}").describe()
    child_attributes = {pair.key.name: pair.value for pair in child.typed_search_attributes}
    assert child_attributes["VisaStep"] == "visa_granted"

    candidate_id = application["candidate_id"]
    await run_follow_up(temporal_client, stack_settings, candidate_id, workflow_id, 1, "DE-BY", 40_000)
    async with follow_up_officer(stack_settings) as monitoring:
        follow = (await monitoring.get(f"/v1/follow-ups/{candidate_id}")).json()
        tasks = (
            await monitoring.get("/v1/follow-up-tasks", params={"candidate_id": candidate_id, "limit": 100})
        ).json()
    assert follow["status"] == "in_training" and follow["employer_id"] == employer_id
    assert follow["training_starts_on"] == placed["signed"]["terms"]["starts_on"], "the contract's start, sent"
    from_journey = {t["task"] for t in tasks["items"] if t["source"] == "journey"}
    assert {"address_registration", "residence_permit"} <= from_journey, "the follow-up child's tasks"
    follow_up = await temporal_client.get_workflow_handle(f"follow-up-{candidate_id}").describe()
    assert follow_up.status is not None and follow_up.status.name == "RUNNING"


async def test_a_withdrawal_after_an_accepted_offer_releases_the_place_through_the_matching_service(
    platform: Stack, stack_settings: StackSettings, temporal_client: Client
) -> None:
    from deploy.local.demo_matching import open_position, wait_for_ranking

    application, workflow_id = await to_matching(
        stack_settings, temporal_client, ("Karim", "Tahiri"), "telc-fes", "fes-meknes"
    )
    host = stack_settings.host
    matching = f"http://{host}:{stack_settings.matching_port}"
    headers = {"Authorization": f"Bearer {dev_token()}"}
    async with (
        httpx.AsyncClient(base_url=matching, headers=headers) as officer,
        httpx.AsyncClient(base_url=f"http://{host}:{stack_settings.applications_port}", headers=headers) as apps,
    ):
        request = await wait_for_ranking(officer, application["candidate_id"])
        _, employer, position = await open_position(officer, matching, date(date.today().year + 2, 8, 1))
        try:
            await officer.post(f"/v1/match-requests/{request['id']}/ranking")
            decision = {"position_id": position["id"], "decision": "shortlist", "reason_code": "BEST_FIT"}
            entry = (await officer.post(f"/v1/match-requests/{request['id']}/decisions", json=decision)).json()
            offer = {"shortlist_id": entry["shortlist_id"], "expires_on": str(date.today() + timedelta(days=7))}
            made = (await employer.post("/v1/offers", json=offer)).json()
        finally:
            await employer.aclose()
        accepted = await officer.post(f"/v1/offers/{made['id']}/answer", json={"answer": "accept"})
        assert accepted.status_code == 200, accepted.text
        handle = temporal_client.get_workflow_handle(workflow_id)
        deadline = time.monotonic() + 60
        while not any(p.key.name == "EmployerId" for p in (await handle.describe()).typed_search_attributes):
            assert time.monotonic() < deadline, "offer_accepted did not reach the journey"
            await asyncio.sleep(0.3)  # the journey knows the held position once offer_accepted arrived
        withdrawn = await apps.post(f"/v1/applications/{application['id']}/withdraw", json={"reason_code": "PERSONAL"})
        assert withdrawn.status_code == 200, withdrawn.text
        deadline = time.monotonic() + 60
        while (now := (await officer.get(f"/v1/shortlist/{entry['shortlist_id']}")).json())["status"] != "withdrawn":
            assert time.monotonic() < deadline, now  # the journey's release_position activity reached matching
            await asyncio.sleep(0.5)
    assert await handle.query(ApprenticeJourneyWorkflow.stage) == JourneyStage.WITHDRAWN
