"""Fixtures of the workflow tests: time-skipping servers and a running journey."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from tests.support.journey import Journey, running_journey, start_time_env


@pytest_asyncio.fixture(scope="session")
async def time_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await start_time_env()
    try:
        yield env
    finally:
        await env.shutdown()


@pytest_asyncio.fixture
async def own_time_env() -> AsyncIterator[WorkflowEnvironment]:
    """A server of the test's own: the test server stops skipping time after a rejected update."""
    env = await start_time_env()
    try:
        yield env
    finally:
        await env.shutdown()


@pytest_asyncio.fixture
async def journey(time_env: WorkflowEnvironment) -> AsyncIterator[Journey]:
    async with running_journey(time_env) as j:
        yield j
