"""Typed search attribute keys of the journey (all Keyword; never personal data)."""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

JOURNEY_STAGE = SearchAttributeKey.for_keyword("JourneyStage")
COHORT_ID = SearchAttributeKey.for_keyword("CohortId")
OCCUPATION_CODE = SearchAttributeKey.for_keyword("OccupationCode")
EMPLOYER_ID = SearchAttributeKey.for_keyword("EmployerId")
REGION = SearchAttributeKey.for_keyword("Region")
CONSULATE = SearchAttributeKey.for_keyword("Consulate")
ESCALATED = SearchAttributeKey.for_keyword("Escalated")  # "true" while a case officer's decision is awaited
VISA_STEP = SearchAttributeKey.for_keyword("VisaStep")  # the visa child's last fact, e.g. `appointment_booked`

ALL = (JOURNEY_STAGE, COHORT_ID, OCCUPATION_CODE, EMPLOYER_ID, REGION, CONSULATE, ESCALATED, VISA_STEP)
