"""The demo employer's webhook endpoint: the sample receiver, verifying each signed delivery it gets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from deploy.local.demo_training import _ok
from deploy.local.settings import REPO_ROOT, StackSettings
from deploy.local.supervisor import free_port, serve_http

TYPES = [
    "thamm.matching.candidate_shortlisted.v1",
    "thamm.matching.interview_scheduled.v1",
    "thamm.matching.offer_made.v1",
    "thamm.matching.offer_accepted.v1",
    "thamm.matching.contract_acknowledged.v1",
    "thamm.matching.contract_signed.v1",
    "thamm.visa.visa_granted.v1",
    "thamm.monitoring.arrival_confirmed.v1",
]


async def start_receiver(settings: StackSettings, token: str, employer_id: str) -> tuple[subprocess.Popen[bytes], Path]:
    """Register the employer's endpoint on the webhooks API and serve it with the sample receiver."""
    port, log = free_port(), settings.run_dir / "demo-webhooks.jsonl"
    log.unlink(missing_ok=True)
    base = f"http://{settings.host}:{settings.webhooks_port}"
    async with httpx.AsyncClient(base_url=base, timeout=10, headers={"Authorization": f"Bearer {token}"}) as http:
        body = {
            "employer_id": employer_id,
            "url": f"http://127.0.0.1:{port}/thamm",
            "event_types": TYPES,
            "description": "demo employer's HR system",
        }
        endpoint = _ok(await http.post("/v1/endpoints", json=body), "registering the webhook endpoint")
    argv = [
        sys.executable,
        "-m",
        "services.webhooks.sample_receiver",
        "--secret",
        endpoint["secret"],
        "--port",
        str(port),
        "--log",
        str(log),
    ]
    proc = serve_http(
        argv, env=dict(os.environ), port=port, log=settings.run_dir / "logs" / "demo-receiver.log", cwd=REPO_ROOT
    )
    return proc, log


def verified_deliveries(log: Path, wanted: int, timeout_s: float = 20) -> list[dict[str, Any]]:
    """What the receiver verified so far (waiting up to timeout_s for `wanted` of them)."""
    deadline = time.monotonic() + timeout_s
    while True:
        lines = log.read_text().splitlines() if log.exists() else []
        if len(lines) >= wanted or time.monotonic() > deadline:
            return [json.loads(line) for line in lines]
        time.sleep(0.3)
