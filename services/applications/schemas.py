"""HTTP schemas of the applications API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

KldbCode = Annotated[str, Field(pattern=r"^[0-9]{5}$", description="KldB 2010 occupation code (5 digits).")]


class ApplicationCreate(BaseModel):
    """A new application with its candidate, submitted at once."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "first_name": "Youssef",
                    "last_name": "El Amrani",
                    "date_of_birth": "2003-04-12",
                    "region": "casablanca-settat",
                    "occupation_codes": ["29302"],
                }
            ]
        },
    )

    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    date_of_birth: date
    region: str = Field(min_length=2, max_length=64, description="Region code from reference data.")
    occupation_codes: list[KldbCode] = Field(min_length=1, max_length=3, description="KldB 2010 codes, 1 to 3.")


class ApplicationPublic(BaseModel):
    """An application as case officers see it."""

    id: uuid.UUID
    candidate_id: uuid.UUID
    status: str
    region: str
    occupation_codes: list[str]
    submitted_at: datetime | None
    created_at: datetime | None
