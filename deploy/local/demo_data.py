"""Sample candidates for the demo and the tests (invented people; ID numbers are random)."""

from __future__ import annotations

import random
import string
from typing import Any


def random_cnie() -> str:
    return (
        random.choice(string.ascii_uppercase)
        + random.choice(string.ascii_uppercase)
        + str(random.randint(100000, 999999))
    )


def application_body(
    first: str = "Youssef",
    last: str = "El Amrani",
    born: str = "2003-04-12",
    region: str = "casablanca-settat",
    occupations: tuple[str, ...] = ("29302",),
    **candidate: Any,
) -> dict[str, Any]:
    """A valid ApplicationCreate body with a fresh national ID number."""
    return {
        "candidate": {
            "first_name": first,
            "last_name": last,
            "date_of_birth": born,
            "sex": "M",
            "nationality": "MA",
            "country_of_residence": "MA",
            "region": region,
            "city": "Casablanca",
            "phone": "+212 600 000000",
            "email": "candidate@example.org",
            "national_id_number": random_cnie(),
            "education_level": "upper_secondary",
            "diploma": "BAC",
            "languages": [{"language": "de", "level": "A2"}],
            **candidate,
        },
        "occupation_codes": list(occupations),
        "consents": [
            {"purpose": purpose, "granted": True, "text_version": "2026-01", "language": "fr"}
            for purpose in ("processing", "sharing_employers", "statistics")
        ],
    }


DEMO_CANDIDATES = [
    application_body("Youssef", "El Amrani", "2003-04-12", "casablanca-settat", ("29302",)),
    application_body("Salma", "Benkirane", "2001-11-30", "fes-meknes", ("25102", "26112"), sex="F"),
]
