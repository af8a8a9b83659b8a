"""Hooks for the schemathesis runs: every generated request that carries an Idempotency-Key gets a fresh one.

A client reuses a key only to retry the same request; generated requests would otherwise reuse short keys
for different requests and be (rightly) refused with 422. Key reuse is tested on its own.
"""

from __future__ import annotations

import uuid
from typing import Any

import schemathesis


@schemathesis.hook
def before_call(context: Any, case: Any, **kwargs: Any) -> None:
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() == "idempotency-key":
            headers[name] = f"fuzz-{uuid.uuid4()}"
