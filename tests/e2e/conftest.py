"""The whole stack, platform processes included, as `make up` starts it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from deploy.local.settings import StackSettings
from deploy.local.stack import Stack


@pytest_asyncio.fixture(scope="session")
async def platform(infra: Stack, stack_settings: StackSettings) -> AsyncIterator[Stack]:
    stack = Stack(stack_settings)
    await stack.up(echo=False)
    yield stack


@pytest_asyncio.fixture(scope="session")
async def temporal_client(infra: Stack, stack_settings: StackSettings) -> Client:
    return await Client.connect(stack_settings.temporal_address, data_converter=pydantic_data_converter)
