"""Valid sample instances of any catalog event, built from its field types: documentation examples (the
webhooks' event-type list) and test data."""

from __future__ import annotations

import types
import typing
import uuid
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from pydantic import BaseModel

from contracts.base import Event


def _value(annotation: Any, name: str) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return _value(next(a for a in typing.get_args(annotation) if a is not type(None)), name)
    if origin is list:
        return [_value(typing.get_args(annotation)[0], name)]
    if annotation is uuid.UUID:
        return uuid.uuid4()
    if annotation is datetime:
        return datetime(2026, 5, 4, 10, 30, tzinfo=UTC)
    if annotation is date:
        return date(2026, 9, 1)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return next(iter(annotation))
    if annotation is bool:
        return True
    if annotation is int:
        return {"duration_months": 36, "probation_months": 4}.get(name, 2)
    if annotation is float:
        return 0.5
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation(**{n: _value(f.annotation, n) for n, f in annotation.model_fields.items()})
    if annotation is str:
        samples = {
            "currency": "EUR", "region": "casablanca-settat", "land": "DE-BY", "fee_amount": "120.00",
            "secret_sha256": "0" * 64, "contract_sha256": "0" * 64,
        }  # fmt: skip
        return samples.get(name, "MAD" if name.endswith("currency") else f"{name}-value")
    raise TypeError(f"no sample for {annotation!r} ({name})")


def sample_event(cls: type[Event], **overrides: Any) -> Event:
    """An instance of cls with plausible values for every field."""
    values = {name: _value(field.annotation, name) for name, field in cls.model_fields.items()}
    values.update(overrides)
    return cls(**values)
