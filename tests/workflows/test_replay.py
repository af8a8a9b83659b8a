"""Replay committed histories of every workflow type against today's code: a non-deterministic change fails here.

Histories are recorded by the time-skipping tests with THAMM_RECORD_HISTORIES=1
(`THAMM_RECORD_HISTORIES=1 .venv/bin/python -m pytest tests/workflows/test_journey.py`); commit new ones
when a workflow changes in a released version, and guard the change with `workflow.patched`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from workflows.converter import data_converter
from workflows.worker import WORKFLOWS, workflow_runner

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))
HISTORY_TEXT = {p: p.read_text() for p in HISTORIES}


def test_every_workflow_type_has_a_committed_history() -> None:
    types = {
        json.loads(p.read_text())["events"][0]["workflowExecutionStartedEventAttributes"]["workflowType"]["name"]
        for p in HISTORIES
    }
    assert types == {w.__name__ for w in WORKFLOWS}


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_history_replays(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, HISTORY_TEXT[path])
    replayer = Replayer(workflows=WORKFLOWS, data_converter=data_converter, workflow_runner=workflow_runner())
    await replayer.replay_workflow(history)
