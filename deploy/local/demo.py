"""The demo: submit an application over HTTP and watch the candidate's journey appear in Temporal."""

from __future__ import annotations

import asyncio
import time

import httpx
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.contrib.pydantic import pydantic_data_converter

from contracts.journey import journey_workflow_id
from deploy.local.settings import StackSettings

DEMO_CANDIDATES = [
    {
        "first_name": "Youssef",
        "last_name": "El Amrani",
        "date_of_birth": "2003-04-12",
        "region": "casablanca-settat",
        "occupation_codes": ["29302"],
    },
    {
        "first_name": "Salma",
        "last_name": "Benkirane",
        "date_of_birth": "2001-11-30",
        "region": "fes-meknes",
        "occupation_codes": ["25102", "26112"],
    },
]


async def wait_for_journey(client: Client, workflow_id: str, stage: str, timeout_s: float = 60) -> float:
    """Seconds until the journey shows the stage in Temporal's visibility store."""
    started = time.monotonic()
    query = f"WorkflowId = '{workflow_id}' AND JourneyStage = '{stage}'"
    while time.monotonic() - started < timeout_s:
        async for execution in client.list_workflows(query):
            if execution.status == WorkflowExecutionStatus.RUNNING:
                return time.monotonic() - started
        await asyncio.sleep(0.25)
    raise TimeoutError(f"{workflow_id} did not reach {stage} within {timeout_s:.0f}s")


async def run_demo(settings: StackSettings) -> int:
    base = f"http://{settings.host}:{settings.applications_port}"
    ui = f"http://{settings.host}:{settings.temporal_ui_port}"
    client = await Client.connect(settings.temporal_address, data_converter=pydantic_data_converter)
    print("THAMM walking skeleton: HTTP -> PostgreSQL + outbox -> Kafka -> bridge -> Temporal\n")
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        for body in DEMO_CANDIDATES:
            response = await http.post("/v1/applications", json=body)
            if response.status_code != 201:
                print(f"POST /v1/applications failed: {response.status_code} {response.text}")
                return 1
            application = response.json()
            workflow_id = journey_workflow_id(application["candidate_id"])
            print(f"1. POST {base}/v1/applications  -> 201, application {application['id']}")
            print(
                f"   candidate {application['candidate_id']} ({body['region']}, "
                f"occupations {', '.join(body['occupation_codes'])})"
            )
            seconds = await wait_for_journey(client, workflow_id, "SUBMITTED")
            print(f"2. journey {workflow_id} running with JourneyStage=SUBMITTED after {seconds:.2f}s")
            print(f"   open it: {ui}/namespaces/default/workflows/{workflow_id}\n")
    print("Find every submitted journey:")
    print(f"   UI:  {ui}/namespaces/default/workflows?query=JourneyStage%3D%22SUBMITTED%22")
    print(
        f"   CLI: .venv/bin/temporal workflow list --address {settings.temporal_address} "
        "--query \"JourneyStage='SUBMITTED'\""
    )
    print(f"API docs: {base}/docs   Stop everything: make down")
    return 0
