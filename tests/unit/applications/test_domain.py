"""Rules of the applications domain, without I/O."""

from __future__ import annotations

from datetime import date

import pytest

from services.applications import domain
from services.applications.domain import ApplicationStatus as S
from services.applications.domain import DocumentStatus as D
from services.applications.reference import reference_data
from services.common.crypto import KeyDestroyed, KeyWrapper, decrypt_field, encrypt_field, keyed_hash

RULES = reference_data().eligibility[0]


def facts(**kw: object) -> domain.CandidateFacts:
    values: dict[str, object] = {
        "date_of_birth": date(2003, 4, 12),
        "nationality": "MA",
        "country_of_residence": "MA",
        "diploma": "BAC",
        "occupation_codes": ("29302",),
        "consents_given": frozenset({"processing"}),
        **kw,
    }
    return domain.CandidateFacts(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("current", "target", "ok"),
    [
        (S.DRAFT, S.SUBMITTED, True),
        (S.DRAFT, S.PRESELECTED, False),
        (S.SUBMITTED, S.SCREENING, True),
        (S.SCREENING, S.PRESELECTED, True),
        (S.SCREENING, S.REJECTED, True),
        (S.PRESELECTED, S.WITHDRAWN, True),
        (S.PRESELECTED, S.REJECTED, False),
        (S.REJECTED, S.WITHDRAWN, False),
        (S.WITHDRAWN, S.SUBMITTED, False),
    ],
)
def test_transitions(current: S, target: S, ok: bool) -> None:
    if ok:
        assert domain.transition(current, target) is target
    else:
        with pytest.raises(domain.IllegalTransition, match=f"{current.value} cannot become {target.value}"):
            domain.transition(current, target)


@pytest.mark.parametrize(
    ("born", "on", "passed"),
    [
        (date(2008, 3, 1), date(2026, 3, 1), True),  # 18 on the day
        (date(2008, 3, 2), date(2026, 3, 1), False),  # one day short of 18
        (date(1998, 3, 2), date(2026, 3, 1), True),  # still 27
        (date(1998, 3, 1), date(2026, 3, 1), False),  # 28 on the day
    ],
)
def test_age_is_counted_on_the_submission_date(born: date, on: date, passed: bool) -> None:
    results = {r.rule: r for r in domain.evaluate(RULES, facts(date_of_birth=born), on)}
    assert results["age"].passed is passed


def test_each_rule_gives_a_reason() -> None:
    results = domain.evaluate(
        RULES,
        facts(
            nationality="FR",
            country_of_residence="FR",
            diploma=None,
            occupation_codes=("99999",),
            consents_given=frozenset(),
        ),
        date(2026, 5, 1),
    )
    failed = {r.rule: r.reason for r in results if not r.passed}
    assert set(failed) == {"nationality_or_residence", "diploma", "occupation", "consent"}
    assert "missing consent: processing" in failed["consent"]
    assert not domain.is_eligible(results)


def test_residence_in_morocco_is_enough() -> None:
    results = domain.evaluate(RULES, facts(nationality="DZ", country_of_residence="MA"), date(2026, 5, 1))
    assert domain.is_eligible(results)


def test_rules_in_force_pick_the_newest_effective_version() -> None:
    old = RULES
    new = domain.EligibilityRules(
        **{**old.__dict__, "version": "v2", "effective_from": date(2027, 1, 1), "max_age": 24}
    )
    assert domain.rules_in_force([old, new], date(2026, 12, 31)) is old
    assert domain.rules_in_force([old, new], date(2027, 1, 1)) is new
    with pytest.raises(LookupError):
        domain.rules_in_force([new], date(2026, 1, 1))


def test_checklist_takes_the_best_document_per_requirement() -> None:
    items = domain.checklist(
        [("CNIE",), ("BAC", "VOC_DIPLOMA")], [("CNIE", D.REJECTED), ("CNIE", D.VERIFIED), ("VOC_DIPLOMA", D.UPLOADED)]
    )
    assert [i.status for i in items] == [D.VERIFIED, D.UPLOADED]
    assert not domain.checklist_complete(items)


def test_masking_and_normalising() -> None:
    assert domain.mask("BK123456") == "******56"
    assert domain.mask("A") == "*"
    assert domain.normalise_document_number(" bk-123 456 ") == "BK123456"


def test_field_encryption_is_bound_to_subject_and_field_and_dies_with_the_key() -> None:
    wrapper = KeyWrapper(b"k" * 32)
    wrapped = wrapper.new_wrapped_key("c1")
    key = wrapper.unwrap(wrapped, "c1")
    blob = encrypt_field(key, "c1", "national_id", "BK123456")
    assert decrypt_field(key, "c1", "national_id", blob) == "BK123456"
    with pytest.raises(Exception):  # noqa: B017 - cryptography raises InvalidTag
        decrypt_field(key, "c2", "national_id", blob)
    with pytest.raises(Exception):  # noqa: B017
        wrapper.unwrap(wrapped, "c2")
    with pytest.raises(KeyDestroyed):
        wrapper.unwrap(None, "c1")
    assert keyed_hash(b"h" * 32, "cnie", "X") != keyed_hash(b"i" * 32, "cnie", "X")
