"""Training contracts: draft from an accepted offer, amend (a new version), the fair-recruitment checks,
the officer's confirmations, the candidate's acknowledgement, signature, chamber and school registration."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from contracts.matching import (
    ContractAcknowledged,
    ContractAmended,
    ContractCancelled,
    ContractCorrectionRequested,
    ContractRegistered,
    ContractSigned,
)
from services.common import audit
from services.common.auth import Principal
from services.common.db import transaction
from services.common.problems import invalid
from services.matching import domain
from services.matching.commands import (
    AcknowledgeContract,
    AmendContract,
    CancelContract,
    ConfirmContract,
    DraftContract,
    RegisterContract,
    RequestCorrection,
    SignContract,
)
from services.matching.context import MatchingContext, entry_ids, load_contract, load_offer, load_position, publish
from services.matching.domain import CheckStatus, ContractStatus, ContractTerms, OfferStatus, ShortlistStatus
from services.matching.handlers.positions import give_place_back, take_place
from services.matching.tables import ContractRecord, PositionRecord, ShortlistRecord


def terms_of(contract: ContractRecord, position: PositionRecord) -> ContractTerms:
    t = contract.terms
    return ContractTerms(
        starts_on=datetime.fromisoformat(t["starts_on"]).date(),
        duration_months=t["duration_months"],
        probation_months=t["probation_months"],
        weekly_hours=t["weekly_hours"],
        monthly_pay_cents=tuple(t["monthly_pay_cents"]),
        collective_agreement=position.collective_agreement,
        tariff_monthly_cents=tuple(position.tariff_monthly_cents) if position.tariff_monthly_cents else None,
        top_up_monthly_cents=t.get("top_up_monthly_cents", 0),
    )


def _terms_json(terms: ContractTerms) -> dict[str, Any]:
    keep = (
        "starts_on",
        "duration_months",
        "probation_months",
        "weekly_hours",
        "monthly_pay_cents",
        "top_up_monthly_cents",
    )
    values = asdict(terms)
    return {
        k: (str(values[k]) if k == "starts_on" else list(values[k]) if k == "monthly_pay_cents" else values[k])
        for k in keep
    }


def _evaluate(ctx: MatchingContext, contract: ContractRecord, position: PositionRecord) -> None:
    """Hash the version and run the checks (terms with the position's tariff frame and occupation)."""
    contract.sha256 = domain.contract_digest(
        {
            "version": contract.version,
            "terms": contract.terms,
            "text_de": contract.text_de,
            "text_translation": contract.text_translation,
            "language": contract.translation_language,
            "position_id": str(position.id),
            "occupation_code": position.occupation_code,
        }
    )
    expected = ctx.reference.durations.get(position.occupation_code)
    checks = domain.check_contract(terms_of(contract, position), ctx.reference.pay, expected)
    contract.checks = [{"rule": c.rule, "status": c.status.value, "detail": c.detail} for c in checks]


def readiness(contract: ContractRecord) -> domain.Signability:
    checks = [domain.Check(c["rule"], CheckStatus(c["status"]), c["detail"]) for c in contract.checks]
    confirmed = contract.confirmations if contract.confirmations.get("version") == contract.version else {}
    return domain.signability(checks, contract.acknowledged_version, contract.version, confirmed)


async def draft_contract(ctx: MatchingContext, actor: Principal, command: DraftContract) -> ContractRecord:
    """The contract for an accepted offer (one live contract per offer; a repeat returns it)."""
    async with transaction(ctx.sessions) as session:
        offer, entry = await load_offer(session, command.offer_id, actor, lock=True)
        if offer.status != OfferStatus.ACCEPTED or entry.status != ShortlistStatus.ACCEPTED:
            raise domain.IllegalTransition(
                f"a contract needs an accepted offer; this one is {offer.status}", current_status=offer.status
            )
        position = await load_position(session, entry.position_id, None)
        contract = ContractRecord(
            offer_id=offer.id,
            shortlist_id=entry.id,
            version=1,
            terms=_terms_json(command.terms),
            text_de=command.text_de,
            text_translation=command.text_translation,
            translation_language=command.translation_language,
            sha256="",
            status=ContractStatus.DRAFT,
        )
        _evaluate(ctx, contract, position)
        session.add(contract)
        audit.record(session, actor, "contract.create", "contract", contract.id, {"sha256": contract.sha256})
    return contract


async def amend_contract(ctx: MatchingContext, actor: Principal, command: AmendContract) -> ContractRecord:
    """A change makes a new version with a new hash; an acknowledged one publishes `contract_amended` and
    needs a new acknowledgement. A signed contract cannot change here (a new contract is a new offer)."""
    async with transaction(ctx.sessions) as session:
        contract, entry = await load_contract(session, command.contract_id, actor, lock=True)
        if contract.status not in (
            ContractStatus.DRAFT,
            ContractStatus.ACKNOWLEDGED,
            ContractStatus.CORRECTION_REQUESTED,
        ):
            raise domain.IllegalTransition(
                f"a {contract.status} contract cannot be amended", current_status=contract.status
            )
        position = await load_position(session, entry.position_id, None)
        changed = _apply(contract, command)
        if not changed:
            return contract
        contract.version += 1
        _evaluate(ctx, contract, position)
        if contract.acknowledged_version is not None:
            event = ContractAmended(
                **entry_ids(entry),
                contract_id=contract.id,
                version=contract.version,
                contract_sha256=contract.sha256,
                changed=changed,
            )
            await publish(session, event, "contract")
        contract.status = ContractStatus.DRAFT
        session.add(contract)
        audit.record(
            session, actor, "contract.amend", "contract", contract.id, {"changed": changed, "version": contract.version}
        )
    return contract


def _apply(contract: ContractRecord, command: AmendContract) -> list[str]:
    changed = []
    if command.terms is not None:
        new_terms = _terms_json(command.terms)
        changed += sorted(k for k, v in new_terms.items() if contract.terms.get(k) != v)
        contract.terms = new_terms
    for name in ("text_de", "text_translation"):
        value = getattr(command, name)
        if value is not None and value != getattr(contract, name):
            setattr(contract, name, value)
            changed.append(name)
    return changed


async def confirm_contract(ctx: MatchingContext, actor: Principal, command: ConfirmContract) -> ContractRecord:
    """A case officer's confirmations: no repayment or penalty clauses; provisional pay checked by hand."""
    async with transaction(ctx.sessions) as session:
        contract, _ = await load_contract(session, command.contract_id, actor, lock=True)
        _not_closed(contract)
        contract.confirmations = {
            "no_repayment_clauses": command.no_repayment_clauses,
            "pay_reference_checked": command.pay_reference_checked,
            "version": contract.version,
        }
        session.add(contract)
        audit.record(session, actor, "contract.confirm", "contract", contract.id, dict(contract.confirmations))
    return contract


def _not_closed(contract: ContractRecord) -> None:
    if contract.status in (ContractStatus.SIGNED, ContractStatus.RELEASED):
        raise domain.IllegalTransition(f"the contract is {contract.status}", current_status=contract.status)


async def acknowledge_contract(ctx: MatchingContext, actor: Principal, command: AcknowledgeContract) -> ContractRecord:
    """The candidate acknowledged the current version in German and in their language (FR-02, FR-03)."""
    async with transaction(ctx.sessions) as session:
        contract, entry = await load_contract(session, command.contract_id, actor, lock=True)
        if contract.acknowledged_version == command.version and contract.sha256 == command.contract_sha256:
            return contract
        _not_closed(contract)
        if command.version != contract.version or command.contract_sha256 != contract.sha256:
            raise domain.StaleAcknowledgement(
                f"the current version is {contract.version} with SHA-256 {contract.sha256}",
                version=contract.version,
                contract_sha256=contract.sha256,
            )
        contract.acknowledged_version, contract.acknowledged_on = command.version, command.acknowledged_on
        contract.status = ContractStatus.ACKNOWLEDGED
        session.add(contract)
        event = ContractAcknowledged(
            **entry_ids(entry),
            contract_id=contract.id,
            version=contract.version,
            contract_sha256=contract.sha256,
            language=contract.translation_language,
            acknowledged_on=command.acknowledged_on,
        )
        await publish(session, event, "contract")
        audit.record(session, actor, "contract.acknowledge", "contract", contract.id, {"version": contract.version})
    return contract


async def sign_contract(ctx: MatchingContext, actor: Principal, command: SignContract) -> ContractRecord:
    """Both sides signed the acknowledged version; a place is taken and `contract_signed` tells the journey."""
    async with transaction(ctx.sessions) as session:
        contract, entry = await load_contract(session, command.contract_id, actor, lock=True)
        if contract.status == ContractStatus.SIGNED:
            return contract
        _not_closed(contract)
        ready = readiness(contract)
        if not ready.ready:
            raise domain.ContractNotReady("; ".join(ready.missing), missing=ready.missing)
        position = await load_position(session, entry.position_id, None, lock=True)
        if contract.signed_on is None:  # a corrected contract signed again keeps the place it took
            await take_place(session, position)
        today = datetime.now(UTC).date()
        contract.status, contract.signed_on = ContractStatus.SIGNED, today
        entry.status = ShortlistStatus.CONTRACTED
        session.add_all([contract, entry])
        await publish(session, _signed(contract, position, entry), "contract")
        audit.record(session, actor, "contract.sign", "contract", contract.id, {"sha256": contract.sha256})
    return contract


async def cancel_contract(
    ctx: MatchingContext, actor: Principal, command: CancelContract
) -> tuple[ContractRecord, bool]:
    """A signed contract is cancelled before the training begins: the place comes back and the journey undoes
    the visa case. A repeat (or a contract already released) answers False."""
    async with transaction(ctx.sessions) as session:
        contract, entry = await load_contract(session, command.contract_id, actor, lock=True)
        if contract.status == ContractStatus.RELEASED:
            return contract, False
        if contract.signed_on is None:
            raise domain.IllegalTransition(
                "only a signed contract is cancelled; withdraw the offer instead", current_status=contract.status
            )
        position = await load_position(session, entry.position_id, None, lock=True)
        await give_place_back(session, position)
        contract.status = ContractStatus.RELEASED
        entry.status = ShortlistStatus.WITHDRAWN
        session.add_all([contract, entry])
        event = ContractCancelled(
            **entry_ids(entry), contract_id=contract.id, cancelled_on=command.cancelled_on,
            reason_code=command.reason_code, places_left=position.places_left,
        )  # fmt: skip
        await publish(session, event, "contract")
        audit.record(session, actor, "contract.cancel", "contract", contract.id, {"reason_code": command.reason_code})
    return contract, True


async def request_correction(
    ctx: MatchingContext, actor: Principal, command: RequestCorrection
) -> tuple[ContractRecord, bool]:
    """The BA refused the signed version: the employer amends it (a new version, acknowledged and signed again).
    A repeat, or a correction already under way, answers False."""
    async with transaction(ctx.sessions) as session:
        contract, entry = await load_contract(session, command.contract_id, actor, lock=True)
        if command.candidate_id is not None and command.candidate_id != entry.candidate_id:
            raise invalid("#/candidate_id", "not the candidate of this contract")
        if contract.status != ContractStatus.SIGNED:
            if contract.signed_on is not None and contract.status != ContractStatus.RELEASED:
                return contract, False  # already being corrected
            raise domain.IllegalTransition("only a signed contract is corrected", current_status=contract.status)
        contract.status = ContractStatus.CORRECTION_REQUESTED
        session.add(contract)
        event = ContractCorrectionRequested(
            **entry_ids(entry), contract_id=contract.id, version=contract.version, reason_code=command.reason_code
        )
        await publish(session, event, "contract")
        changes = {"version": contract.version, "reason_code": command.reason_code}
        audit.record(session, actor, "contract.correction_requested", "contract", contract.id, changes)
    return contract, True


def _signed(contract: ContractRecord, position: PositionRecord, entry: ShortlistRecord) -> ContractSigned:
    terms = terms_of(contract, position)
    return ContractSigned(
        **entry_ids(entry),
        contract_id=contract.id,
        version=contract.version,
        occupation_code=position.occupation_code,
        starts_on=terms.starts_on,
        ends_on=domain.ends_on(terms.starts_on, terms.duration_months),
        duration_months=terms.duration_months,
        probation_months=terms.probation_months,
        weekly_hours=terms.weekly_hours,
        land=position.land,
        signed_on=contract.signed_on,
        contract_sha256=contract.sha256,
        monthly_pay_year1_cents=terms.monthly_pay_cents[0],
        accelerated_procedure=position.accelerated_procedure,
    )


async def register_contract(ctx: MatchingContext, actor: Principal, command: RegisterContract) -> ContractRecord:
    """Chamber (IHK/HWK) registration of a signed contract, or the trainee's vocational-school registration."""
    async with transaction(ctx.sessions) as session:
        contract, entry = await load_contract(session, command.contract_id, actor, lock=True)
        if contract.status != ContractStatus.SIGNED:
            raise domain.IllegalTransition("only a signed contract is registered", current_status=contract.status)
        known = contract.registrations.get(command.registration)
        record = {"reference": command.reference, "registered_on": str(command.registered_on)}
        if known == record:
            return contract
        contract.registrations = {**contract.registrations, command.registration: record}
        session.add(contract)
        event = ContractRegistered(
            **entry_ids(entry),
            contract_id=contract.id,
            registration=command.registration,
            registered_on=command.registered_on,
        )
        await publish(session, event, "contract")
        audit.record(session, actor, f"contract.register.{command.registration}", "contract", contract.id, {})
    return contract
