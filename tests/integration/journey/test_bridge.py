"""The bridge against the real dev server: late facts about ended journeys are dropped, unknown ones refused."""

from __future__ import annotations

import logging
import uuid

import pytest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from contracts.envelope import envelope_for, source_of
from contracts.monitoring import CheckinRecorded
from deploy.local.settings import StackSettings
from deploy.local.stack import Stack
from services.common.consumer import PermanentError
from workflows.bridge import JourneyBridge

pytestmark = pytest.mark.integration


async def test_facts_for_missing_or_ended_journeys(
    infra: Stack, stack_settings: StackSettings, caplog: pytest.LogCaptureFixture
) -> None:
    from types import SimpleNamespace

    from tests.support.journey import running_journey

    client = await Client.connect(stack_settings.temporal_address, data_converter=pydantic_data_converter)
    bridge = JourneyBridge(client)
    unknown = CheckinRecorded(candidate_id=uuid.uuid4(), checkin_id=uuid.uuid4(), training_year=1, risk_level="low")
    with pytest.raises(PermanentError, match="no journey"):
        await bridge.signal_fact(unknown, envelope_for(unknown, source=source_of("monitoring")))

    async with running_journey(SimpleNamespace(client=client)) as journey:  # type: ignore[arg-type]
        await journey.send("applications.application_rejected", reason_code="OTHER")
        await journey.handle.result()
        late = CheckinRecorded(
            candidate_id=journey.candidate_id, checkin_id=uuid.uuid4(), training_year=1, risk_level="low"
        )
        with caplog.at_level(logging.INFO, logger="thamm.bridge"):
            await bridge.signal_fact(late, envelope_for(late, source=source_of("monitoring")))
        assert f"journey journey-{journey.candidate_id} has ended" in caplog.text
