"""HTTP routes of the matching API: thin (parse, call a use case, answer). An employer reaches only its own
employer record, positions, shortlist, interviews, offers and contracts; anything else is a 404 for it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Query, Response, status
from sqlmodel import col, select

from contracts.activities import ContractCorrectionResponse, ReleasePositionResponse
from services.common.apikeys import API_KEY_ISSUER
from services.common.app import service_context, service_router
from services.common.auth import Principal, Role, require
from services.common.idempotency import IDEMPOTENCY_DOC
from services.common.problems import Problem
from services.matching import commands as cmd
from services.matching import domain, queries
from services.matching.context import MatchingContext
from services.matching.domain import ContractStatus, MatchStatus, OfferStatus, PositionStatus, ShortlistStatus
from services.matching.handlers import contracts, employers, placement, positions, ranking
from services.matching.schemas import (
    Acknowledgement,
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyList,
    ApiKeyPublic,
    CandidateSuggestion,
    CandidateSuggestions,
    Confirmations,
    ContractAmend,
    ContractCancel,
    ContractCreate,
    ContractDocument,
    ContractPage,
    ContractPublic,
    ContractTermsIn,
    CorrectionRequest,
    DecisionCreate,
    DecisionPublic,
    EmployerCreate,
    EmployerPage,
    EmployerPublic,
    EmployerUpdate,
    InterviewCreate,
    InterviewOutcomeIn,
    InterviewPage,
    InterviewPublic,
    KldbCode,
    LandCode,
    MatchRequestCreate,
    MatchRequestPage,
    MatchRequestPublic,
    OfferAnswer,
    OfferCreate,
    OfferDecline,
    OfferPage,
    OfferPublic,
    OfferWithdrawal,
    PositionClose,
    PositionCreate,
    PositionPage,
    PositionPublic,
    PositionRelease,
    PositionUpdate,
    ProfilePage,
    ProfilePublic,
    ProfileUpdate,
    Registration,
    ShortlistPage,
    ShortlistProfile,
    ShortlistPublic,
    SuggestionPublic,
    TermPublic,
)
from services.matching.tables import (
    ContractRecord,
    EmployerRecord,
    InterviewRecord,
    MatchRequestRecord,
    OfferRecord,
    PositionRecord,
    ProfileRecord,
    ShortlistRecord,
)

R = Role
router = service_router()

Ctx = Annotated[MatchingContext, Depends(service_context)]
Officer = Annotated[Principal, Depends(require(R.CASE_OFFICER))]
OfficerOrOperator = Annotated[Principal, Depends(require(R.CASE_OFFICER, R.OPERATOR))]
EmployerSide = Annotated[Principal, Depends(require(R.CASE_OFFICER, R.EMPLOYER))]
EmployerReader = Annotated[Principal, Depends(require(R.CASE_OFFICER, R.EMPLOYER, R.OPERATOR))]
Journey = Annotated[Principal, Depends(require(R.SERVICE, R.CASE_OFFICER))]
JourneyReader = Annotated[Principal, Depends(require(R.SERVICE, R.CASE_OFFICER, R.OPERATOR))]
Limit = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=200, pattern=r"^[A-Za-z0-9_-]+$")]


def _links(names: tuple[str, ...], param: str, pointer: str = "/id") -> dict[str, Any]:
    return {name: {"operationId": name, "parameters": {param: f"$response.body#{pointer}"}} for name in names}


# --- employers -------------------------------------------------------------------------------------------


def _employer(record: EmployerRecord) -> EmployerPublic:
    return EmployerPublic.model_validate(record.model_dump())


@router.post(
    "/employers",
    status_code=201,
    response_model=EmployerPublic,
    tags=["employers"],
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Register a training company that signed the cooperation agreement",
    responses={
        201: {
            "description": "The employer",
            "links": _links(("read_employer", "update_employer", "create_api_key", "list_api_keys"), "employer_id"),
        }
    },
)
async def register_employer(body: EmployerCreate, ctx: Ctx, actor: Officer) -> EmployerPublic:
    data = body.model_dump(mode="json")
    command = cmd.RegisterEmployer(
        name=body.name,
        nace_code=body.nace_code,
        sites=tuple(data["sites"]),
        contacts=tuple(data["contacts"]),
        agreement=data["agreement"],
        intercultural_training=data["intercultural_training"],
    )
    return _employer(await employers.register_employer(ctx, actor, command))


@router.get(
    "/employers", response_model=EmployerPage, tags=["employers"], summary="List employers (an employer: itself)"
)
async def list_employers(ctx: Ctx, actor: EmployerReader, limit: Limit = 50, cursor: Cursor = None) -> EmployerPage:
    statement = queries.scoped(actor, select(EmployerRecord), col(EmployerRecord.id))
    items, next_cursor = await queries.page(ctx, statement, EmployerRecord, limit, cursor)
    return EmployerPage(items=[_employer(e) for e in items], next_cursor=next_cursor)


@router.get("/employers/{employer_id}", response_model=EmployerPublic, tags=["employers"], summary="Read an employer")
async def read_employer(employer_id: uuid.UUID, ctx: Ctx, actor: EmployerReader) -> EmployerPublic:
    return _employer(await queries.get_employer(ctx, actor, employer_id))


@router.patch(
    "/employers/{employer_id}",
    response_model=EmployerPublic,
    tags=["employers"],
    summary="Change contacts, add sites; agreement and staff training (case officers)",
)
async def update_employer(
    employer_id: uuid.UUID, body: EmployerUpdate, ctx: Ctx, actor: EmployerSide
) -> EmployerPublic:
    data = body.model_dump(mode="json", exclude_none=True)
    if not actor.has(R.CASE_OFFICER) and ({"agreement", "intercultural_training"} & set(data)):
        raise Problem(403, "forbidden", "Forbidden", "the agreement and staff training are recorded by case officers")
    command = cmd.ChangeEmployer(
        employer_id,
        contacts=tuple(data["contacts"]) if "contacts" in data else None,
        agreement=data.get("agreement"),
        intercultural_training=data.get("intercultural_training"),
        add_sites=tuple(data["add_sites"]) if "add_sites" in data else None,
    )
    return _employer(await employers.change_employer(ctx, actor, command))


def _people_only(actor: Principal) -> None:
    if actor.issuer == API_KEY_ISSUER:
        raise Problem(403, "forbidden", "Forbidden", "API keys are managed by people, not with an API key")


@router.post(
    "/employers/{employer_id}/api-keys",
    status_code=201,
    response_model=ApiKeyCreated,
    tags=["api keys"],
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Create an API key for the employer's systems (shown once)",
)
async def create_api_key(employer_id: uuid.UUID, body: ApiKeyCreate, ctx: Ctx, actor: EmployerSide) -> ApiKeyCreated:
    _people_only(actor)
    record, key = await employers.create_api_key(ctx, actor, cmd.CreateApiKey(employer_id, body.name))
    return ApiKeyCreated.model_validate({**record.model_dump(), "key": key})


@router.get(
    "/employers/{employer_id}/api-keys",
    response_model=ApiKeyList,
    tags=["api keys"],
    summary="List API keys (no secrets)",
)
async def list_api_keys(employer_id: uuid.UUID, ctx: Ctx, actor: EmployerSide) -> ApiKeyList:
    _people_only(actor)
    keys = await employers.list_api_keys(ctx, actor, employer_id)
    return ApiKeyList(items=[ApiKeyPublic.model_validate(k.model_dump()) for k in keys])


@router.delete(
    "/employers/{employer_id}/api-keys/{key_id}",
    status_code=204,
    tags=["api keys"],
    summary="Revoke an API key at once (revoking again is fine)",
)
async def revoke_api_key(employer_id: uuid.UUID, key_id: uuid.UUID, ctx: Ctx, actor: EmployerSide) -> Response:
    _people_only(actor)
    await employers.revoke_api_key(ctx, actor, cmd.RevokeApiKey(employer_id, key_id))
    return Response(status_code=204)


# --- positions -------------------------------------------------------------------------------------------

POSITION_LINKS = _links(("read_position", "update_position", "publish_position", "close_position"), "position_id")


def _position(record: PositionRecord) -> PositionPublic:
    return PositionPublic.model_validate(record.model_dump())


@router.post(
    "/positions",
    status_code=201,
    response_model=PositionPublic,
    tags=["positions"],
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Create a position (draft) at one of the employer's sites",
    responses={201: {"description": "The draft position", "links": POSITION_LINKS}},
)
async def create_position(body: PositionCreate, ctx: Ctx, actor: EmployerSide) -> PositionPublic:
    data = body.model_dump()
    data.update(
        required_level=body.required_level.value,
        monthly_pay_cents=tuple(body.monthly_pay_cents),
        tariff_monthly_cents=tuple(body.tariff_monthly_cents) if body.tariff_monthly_cents else None,
    )
    return _position(await positions.create_position(ctx, actor, cmd.CreatePosition(**data)))


@router.get(
    "/positions", response_model=PositionPage, tags=["positions"], summary="List positions (an employer: its own)"
)
async def list_positions(
    ctx: Ctx,
    actor: EmployerReader,
    status_: Annotated[PositionStatus | None, Query(alias="status")] = None,
    occupation: KldbCode | None = None,
    land: LandCode | None = None,
    employer_id: uuid.UUID | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> PositionPage:
    statement = queries.scoped(actor, select(PositionRecord), col(PositionRecord.employer_id))
    statement = queries.where(
        statement,
        status=(col(PositionRecord.status), status_.value if status_ else None),
        occupation=(col(PositionRecord.occupation_code), occupation),
        land=(col(PositionRecord.land), land),
        employer=(col(PositionRecord.employer_id), employer_id),
    )
    items, next_cursor = await queries.page(ctx, statement, PositionRecord, limit, cursor)
    return PositionPage(items=[_position(p) for p in items], next_cursor=next_cursor)


@router.get("/positions/{position_id}", response_model=PositionPublic, tags=["positions"], summary="Read a position")
async def read_position(position_id: uuid.UUID, ctx: Ctx, actor: EmployerReader) -> PositionPublic:
    return _position(await queries.get_position(ctx, actor, position_id))


@router.patch(
    "/positions/{position_id}",
    response_model=PositionPublic,
    tags=["positions"],
    summary="Change a draft or published position",
)
async def update_position(
    position_id: uuid.UUID, body: PositionUpdate, ctx: Ctx, actor: EmployerSide
) -> PositionPublic:
    changes = body.model_dump(exclude_none=True)
    if "housing_support" in changes:
        changes["housing_support"] = body.housing_support.value  # type: ignore[union-attr]
    return _position(await positions.change_position(ctx, actor, cmd.ChangePosition(position_id, changes)))


@router.post(
    "/positions/{position_id}/publish",
    response_model=PositionPublic,
    tags=["positions"],
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Open a draft position to matching",
)
async def publish_position(position_id: uuid.UUID, ctx: Ctx, actor: EmployerSide) -> PositionPublic:
    return _position(await positions.publish_position(ctx, actor, position_id))


@router.post(
    "/positions/{position_id}/close",
    response_model=PositionPublic,
    tags=["positions"],
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Stop taking candidates",
)
async def close_position(position_id: uuid.UUID, body: PositionClose, ctx: Ctx, actor: EmployerSide) -> PositionPublic:
    return _position(await positions.close_position(ctx, actor, cmd.ClosePosition(position_id, body.reason_code)))


@router.post(
    "/positions/{position_id}/release",
    response_model=ReleasePositionResponse,
    tags=["positions"],
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Compensation: free the candidate's place (the journey's call; a repeat is released=false)",
)
async def release_position(
    position_id: uuid.UUID, body: PositionRelease, ctx: Ctx, actor: Journey
) -> ReleasePositionResponse:
    command = cmd.ReleasePosition(position_id, body.candidate_id, body.employer_id, body.reason_code)
    _, released = await positions.release_position(ctx, actor, command)
    return ReleasePositionResponse(released=released)


@router.get(
    "/positions/{position_id}/candidates",
    response_model=CandidateSuggestions,
    tags=["ranking"],
    summary="The best matchable candidates for a position, with each criterion's contribution",
)
async def suggest_candidates(
    position_id: uuid.UUID, ctx: Ctx, actor: Officer, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> CandidateSuggestions:
    ranked = await ranking.candidates_for(ctx, actor, position_id, limit)
    items = [
        CandidateSuggestion(
            rank=s.rank,
            score=float(s.score),
            terms=[_term(t) for t in s.terms],
            profile=ProfilePublic.model_validate(p),
        )
        for p, s in ranked
    ]
    return CandidateSuggestions(position_id=position_id, items=items)


def _term(t: domain.Term) -> TermPublic:
    return TermPublic(criterion=t.criterion, fit=float(t.fit), weight=t.weight, points=float(t.points), reason=t.reason)


# --- profiles --------------------------------------------------------------------------------------------


def _profile(record: ProfileRecord) -> ProfilePublic:
    return ProfilePublic.model_validate(record.model_dump())


@router.get("/profiles", response_model=ProfilePage, tags=["profiles"], summary="List matchable candidate profiles")
async def list_profiles(
    ctx: Ctx, actor: OfficerOrOperator, occupation: KldbCode | None = None, limit: Limit = 50, cursor: Cursor = None
) -> ProfilePage:
    statement = select(ProfileRecord).where(col(ProfileRecord.matchable))
    if occupation:
        statement = statement.where(col(ProfileRecord.occupation_codes).contains([occupation]))
    items, next_cursor = await queries.page(
        ctx, statement, ProfileRecord, limit, cursor, key="candidate_id", id_key="candidate_id", parse=uuid.UUID
    )
    return ProfilePage(items=[_profile(p) for p in items], next_cursor=next_cursor)


@router.get("/profiles/{candidate_id}", response_model=ProfilePublic, tags=["profiles"], summary="Read a profile")
async def read_profile(candidate_id: uuid.UUID, ctx: Ctx, actor: OfficerOrOperator) -> ProfilePublic:
    return _profile(await queries.get_profile(ctx, candidate_id))


@router.patch(
    "/profiles/{candidate_id}",
    response_model=ProfilePublic,
    tags=["profiles"],
    summary="Record the candidate's regional preferences",
)
async def update_profile(candidate_id: uuid.UUID, body: ProfileUpdate, ctx: Ctx, actor: Officer) -> ProfilePublic:
    lands = tuple(body.preferred_lands) if body.preferred_lands is not None else None
    command = cmd.ChangePreferences(candidate_id, lands, body.mobility)
    return _profile(await ranking.change_preferences(ctx, actor, command))


# --- match requests --------------------------------------------------------------------------------------

MATCH_LINKS = _links(("read_match_request", "rank_match_request", "decide_suggestion"), "match_request_id")


def _match(record: MatchRequestRecord, suggestions: list[Any] | None = None) -> MatchRequestPublic:
    rows = suggestions or []
    return MatchRequestPublic.model_validate(
        {
            **record.model_dump(),
            "match_request_id": record.id,
            "suggestions": [
                SuggestionPublic(
                    rank=s.rank,
                    position_id=p.id,
                    employer_id=p.employer_id,
                    occupation_code=p.occupation_code,
                    land=p.land,
                    starts_on=p.starts_on,
                    score=float(s.score),
                    terms=s.terms,
                    decision=d,
                )
                for s, p, d in rows
            ],
        }
    )


@router.post(
    "/match-requests",
    status_code=201,
    response_model=MatchRequestPublic,
    tags=["ranking"],
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Rank open positions for a candidate (the journey's call; a repeat answers 200 with the same request)",
    responses={
        200: {"description": "The request made earlier for this candidate and round", "model": MatchRequestPublic},
        201: {"description": "The new request, ranked (or awaiting the profile)", "links": MATCH_LINKS},
    },
)
async def request_match(body: MatchRequestCreate, ctx: Ctx, actor: Journey, response: Response) -> MatchRequestPublic:
    command = cmd.RequestMatch(body.candidate_id, tuple(body.occupation_codes), body.round)
    request, created = await ranking.request_match(ctx, actor, command)
    if not created:
        response.status_code = status.HTTP_200_OK
    return await read_match_request(request.id, ctx, actor)


@router.get("/match-requests", response_model=MatchRequestPage, tags=["ranking"], summary="List match requests")
async def list_match_requests(
    ctx: Ctx,
    actor: JourneyReader,
    candidate_id: uuid.UUID | None = None,
    status_: Annotated[MatchStatus | None, Query(alias="status")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> MatchRequestPage:
    statement = queries.where(
        select(MatchRequestRecord),
        candidate=(col(MatchRequestRecord.candidate_id), candidate_id),
        status=(col(MatchRequestRecord.status), status_.value if status_ else None),
    )
    items, next_cursor = await queries.page(ctx, statement, MatchRequestRecord, limit, cursor)
    return MatchRequestPage(items=[_match(r) for r in items], next_cursor=next_cursor)


@router.get(
    "/match-requests/{match_request_id}",
    response_model=MatchRequestPublic,
    tags=["ranking"],
    summary="A match request with its ranking and why each position ranks where it does",
)
async def read_match_request(match_request_id: uuid.UUID, ctx: Ctx, actor: JourneyReader) -> MatchRequestPublic:
    request, rows = await queries.get_match_request(ctx, match_request_id)
    return _match(request, rows)


@router.post(
    "/match-requests/{match_request_id}/ranking",
    response_model=MatchRequestPublic,
    tags=["ranking"],
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Rank again (new positions, changed profile); decisions stay",
)
async def rank_match_request(match_request_id: uuid.UUID, ctx: Ctx, actor: Officer) -> MatchRequestPublic:
    await ranking.rerank(ctx, actor, match_request_id)
    return await read_match_request(match_request_id, ctx, actor)


@router.post(
    "/match-requests/{match_request_id}/decisions",
    status_code=201,
    response_model=DecisionPublic,
    tags=["ranking"],
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Shortlist a suggested position, or pass on it, with a reason (a person decides)",
    responses={200: {"description": "The same decision, taken earlier", "model": DecisionPublic}},
)
async def decide_suggestion(
    match_request_id: uuid.UUID, body: DecisionCreate, ctx: Ctx, actor: Officer, response: Response
) -> DecisionPublic:
    command = cmd.Decide(match_request_id, body.position_id, body.decision, body.reason_code)
    decision, entry, created = await ranking.decide(ctx, actor, command)
    if not created:
        response.status_code = status.HTTP_200_OK
    return DecisionPublic.model_validate({**decision.model_dump(), "shortlist_id": entry.id if entry else None})


# --- shortlist -------------------------------------------------------------------------------------------

DISCLOSED = (ShortlistStatus.ACCEPTED, ShortlistStatus.CONTRACTED)


def _entry(
    ctx: MatchingContext, actor: Principal, entry: ShortlistRecord, profile: ProfileRecord | None
) -> ShortlistPublic:
    """Officers see the candidate id; an employer only after the candidate accepted its offer."""
    disclosed = actor.has(R.CASE_OFFICER) or entry.status in DISCLOSED
    shown = profile if profile is not None and profile.matchable else None
    return ShortlistPublic(
        id=entry.id,
        position_id=entry.position_id,
        employer_id=entry.employer_id,
        rank=entry.rank,
        status=ShortlistStatus(entry.status),
        created_at=entry.created_at,
        profile=ShortlistProfile.model_validate(shown.model_dump()) if shown else None,
        candidate_id=entry.candidate_id if disclosed else None,
        contact_url=f"{ctx.settings.applications_url}/v1/candidates/{entry.candidate_id}/contact"
        if disclosed
        else None,
    )


@router.get(
    "/shortlist",
    response_model=ShortlistPage,
    tags=["shortlist"],
    summary="Shortlisted candidates (an employer: its own)",
)
async def list_shortlist(
    ctx: Ctx, actor: EmployerSide, position_id: uuid.UUID | None = None, limit: Limit = 50, cursor: Cursor = None
) -> ShortlistPage:
    rows, next_cursor = await queries.list_shortlist(ctx, actor, position_id, limit, cursor)
    return ShortlistPage(items=[_entry(ctx, actor, e, p) for e, p in rows], next_cursor=next_cursor)


@router.get(
    "/shortlist/{shortlist_id}", response_model=ShortlistPublic, tags=["shortlist"], summary="Read a shortlist entry"
)
async def read_shortlist_entry(shortlist_id: uuid.UUID, ctx: Ctx, actor: EmployerSide) -> ShortlistPublic:
    entry, profile = await queries.get_shortlist(ctx, actor, shortlist_id)
    return _entry(ctx, actor, entry, profile)


# --- interviews ------------------------------------------------------------------------------------------


def _interview(record: InterviewRecord) -> InterviewPublic:
    return InterviewPublic.model_validate(record.model_dump())


@router.post(
    "/interviews",
    status_code=201,
    response_model=InterviewPublic,
    tags=["interviews"],
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Schedule an interview (video or on site) with a shortlisted candidate",
    responses={
        201: {
            "description": "The interview",
            "links": _links(("read_interview", "record_interview_outcome"), "interview_id"),
        }
    },
)
async def schedule_interview(body: InterviewCreate, ctx: Ctx, actor: EmployerSide) -> InterviewPublic:
    command = cmd.ScheduleInterview(body.shortlist_id, body.scheduled_at, body.mode)
    return _interview(await placement.schedule_interview(ctx, actor, command))


@router.get(
    "/interviews", response_model=InterviewPage, tags=["interviews"], summary="List interviews (an employer: its own)"
)
async def list_interviews(
    ctx: Ctx, actor: EmployerSide, shortlist_id: uuid.UUID | None = None, limit: Limit = 50, cursor: Cursor = None
) -> InterviewPage:
    statement = queries.through_shortlist(actor, InterviewRecord, shortlist_id)
    items, next_cursor = await queries.page(ctx, statement, InterviewRecord, limit, cursor)
    return InterviewPage(items=[_interview(i) for i in items], next_cursor=next_cursor)


@router.get(
    "/interviews/{interview_id}", response_model=InterviewPublic, tags=["interviews"], summary="Read an interview"
)
async def read_interview(interview_id: uuid.UUID, ctx: Ctx, actor: EmployerSide) -> InterviewPublic:
    return _interview(await queries.get_interview(ctx, actor, interview_id))


@router.post(
    "/interviews/{interview_id}/outcome",
    response_model=InterviewPublic,
    tags=["interviews"],
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Record how the interview went",
)
async def record_interview_outcome(
    interview_id: uuid.UUID, body: InterviewOutcomeIn, ctx: Ctx, actor: EmployerSide
) -> InterviewPublic:
    command = cmd.RecordInterviewOutcome(interview_id, body.outcome)
    return _interview(await placement.record_interview_outcome(ctx, actor, command))


# --- offers ----------------------------------------------------------------------------------------------


def _offer(record: OfferRecord) -> OfferPublic:
    """An open offer past its last day reads as expired (it can no longer be accepted)."""
    lapsed = record.status == OfferStatus.OPEN and record.expires_on < datetime.now(UTC).date()
    return OfferPublic.model_validate({**record.model_dump(), **({"status": OfferStatus.EXPIRED} if lapsed else {})})


@router.post(
    "/offers",
    status_code=201,
    response_model=OfferPublic,
    tags=["offers"],
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Offer the place to a shortlisted candidate, open until a day",
    responses={
        201: {"description": "The offer", "links": _links(("read_offer", "answer_offer", "withdraw_offer"), "offer_id")}
    },
)
async def make_offer(body: OfferCreate, ctx: Ctx, actor: EmployerSide) -> OfferPublic:
    return _offer(await placement.make_offer(ctx, actor, cmd.MakeOffer(body.shortlist_id, body.expires_on)))


@router.get("/offers", response_model=OfferPage, tags=["offers"], summary="List offers (an employer: its own)")
async def list_offers(
    ctx: Ctx, actor: EmployerSide, shortlist_id: uuid.UUID | None = None, limit: Limit = 50, cursor: Cursor = None
) -> OfferPage:
    statement = queries.through_shortlist(actor, OfferRecord, shortlist_id)
    items, next_cursor = await queries.page(ctx, statement, OfferRecord, limit, cursor)
    return OfferPage(items=[_offer(o) for o in items], next_cursor=next_cursor)


@router.get("/offers/{offer_id}", response_model=OfferPublic, tags=["offers"], summary="Read an offer")
async def read_offer(offer_id: uuid.UUID, ctx: Ctx, actor: EmployerSide) -> OfferPublic:
    return _offer(await queries.get_offer(ctx, actor, offer_id))


@router.post(
    "/offers/{offer_id}/answer",
    response_model=OfferPublic,
    tags=["offers"],
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Record the candidate's acceptance or decline (case officers)",
)
async def answer_offer(offer_id: uuid.UUID, body: OfferAnswer, ctx: Ctx, actor: Officer) -> OfferPublic:
    reason = body.reason_code if isinstance(body, OfferDecline) else None
    return _offer(await placement.answer_offer(ctx, actor, cmd.AnswerOffer(offer_id, body.answer, reason)))


@router.post(
    "/offers/{offer_id}/withdraw",
    response_model=OfferPublic,
    tags=["offers"],
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Withdraw an offer before a contract is signed",
)
async def withdraw_offer(offer_id: uuid.UUID, body: OfferWithdrawal, ctx: Ctx, actor: EmployerSide) -> OfferPublic:
    return _offer(await placement.withdraw_offer(ctx, actor, cmd.WithdrawOffer(offer_id, body.reason_code)))


# --- contracts -------------------------------------------------------------------------------------------

CONTRACT_LINKS = _links(
    (
        "read_contract",
        "read_contract_document",
        "amend_contract",
        "confirm_contract",
        "acknowledge_contract",
        "sign_contract",
        "register_contract",
    ),
    "contract_id",
)


def _contract(record: ContractRecord) -> ContractPublic:
    ready = contracts.readiness(record)
    terms = ContractTermsIn.model_validate(record.terms)
    confirmed = {k: v for k, v in record.confirmations.items() if isinstance(v, bool)}
    return ContractPublic.model_validate(
        {
            **record.model_dump(),
            "terms": terms,
            "ends_on": domain.ends_on(terms.starts_on, terms.duration_months),
            "confirmations": confirmed,
            "ready_to_sign": ready.ready and record.status != ContractStatus.SIGNED,
            "missing": [] if record.status == ContractStatus.SIGNED else ready.missing,
        }
    )


def _terms(body: ContractTermsIn) -> domain.ContractTerms:
    return domain.ContractTerms(
        starts_on=body.starts_on,
        duration_months=body.duration_months,
        probation_months=body.probation_months,
        weekly_hours=body.weekly_hours,
        monthly_pay_cents=tuple(body.monthly_pay_cents),
        collective_agreement=False,
        top_up_monthly_cents=body.top_up_monthly_cents,
    )


@router.post(
    "/contracts",
    status_code=201,
    response_model=ContractPublic,
    tags=["contracts"],
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Draft the training contract for an accepted offer; the fair-recruitment checks run at once",
    responses={201: {"description": "The contract, its checks and what is missing", "links": CONTRACT_LINKS}},
    max_body_size=1_000_000,
)
async def draft_contract(body: ContractCreate, ctx: Ctx, actor: EmployerSide) -> ContractPublic:
    command = cmd.DraftContract(
        body.offer_id, _terms(body.terms), body.text_de, body.text_translation, body.translation_language
    )
    return _contract(await contracts.draft_contract(ctx, actor, command))


@router.get(
    "/contracts", response_model=ContractPage, tags=["contracts"], summary="List contracts (an employer: its own)"
)
async def list_contracts(
    ctx: Ctx,
    actor: EmployerSide,
    status_: Annotated[ContractStatus | None, Query(alias="status")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> ContractPage:
    statement = queries.through_shortlist(actor, ContractRecord, None)
    statement = queries.where(statement, status=(col(ContractRecord.status), status_.value if status_ else None))
    items, next_cursor = await queries.page(ctx, statement, ContractRecord, limit, cursor)
    return ContractPage(items=[_contract(c) for c in items], next_cursor=next_cursor)


@router.get("/contracts/{contract_id}", response_model=ContractPublic, tags=["contracts"], summary="Read a contract")
async def read_contract(contract_id: uuid.UUID, ctx: Ctx, actor: EmployerSide) -> ContractPublic:
    return _contract(await queries.get_contract(ctx, actor, contract_id))


@router.get(
    "/contracts/{contract_id}/document",
    response_model=ContractDocument,
    tags=["contracts"],
    summary="The contract's texts (German and the candidate's language) of the current version",
)
async def read_contract_document(contract_id: uuid.UUID, ctx: Ctx, actor: EmployerSide) -> ContractDocument:
    return ContractDocument.model_validate((await queries.get_contract(ctx, actor, contract_id)).model_dump())


@router.patch(
    "/contracts/{contract_id}",
    response_model=ContractPublic,
    tags=["contracts"],
    max_body_size=1_000_000,
    summary="Amend a contract not yet signed: a new version that needs a new acknowledgement",
)
async def amend_contract(contract_id: uuid.UUID, body: ContractAmend, ctx: Ctx, actor: EmployerSide) -> ContractPublic:
    terms = _terms(body.terms) if body.terms is not None else None
    command = cmd.AmendContract(contract_id, terms, body.text_de, body.text_translation)
    return _contract(await contracts.amend_contract(ctx, actor, command))


@router.post(
    "/contracts/{contract_id}/confirmations",
    response_model=ContractPublic,
    tags=["contracts"],
    openapi_extra=IDEMPOTENCY_DOC,
    summary="A case officer confirms the checklist (no repayment clauses; pay)",
)
async def confirm_contract(contract_id: uuid.UUID, body: Confirmations, ctx: Ctx, actor: Officer) -> ContractPublic:
    command = cmd.ConfirmContract(contract_id, body.no_repayment_clauses, body.pay_reference_checked)
    return _contract(await contracts.confirm_contract(ctx, actor, command))


@router.post(
    "/contracts/{contract_id}/acknowledgements",
    response_model=ContractPublic,
    tags=["contracts"],
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Record the candidate's acknowledgement of the current version",
)
async def acknowledge_contract(
    contract_id: uuid.UUID, body: Acknowledgement, ctx: Ctx, actor: Officer
) -> ContractPublic:
    command = cmd.AcknowledgeContract(contract_id, body.version, body.contract_sha256, body.acknowledged_on)
    return _contract(await contracts.acknowledge_contract(ctx, actor, command))


@router.post(
    "/contracts/{contract_id}/sign",
    response_model=ContractPublic,
    tags=["contracts"],
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Sign the acknowledged version; a place is taken and the journey moves on",
)
async def sign_contract(contract_id: uuid.UUID, ctx: Ctx, actor: EmployerSide) -> ContractPublic:
    return _contract(await contracts.sign_contract(ctx, actor, cmd.SignContract(contract_id)))


@router.post(
    "/contracts/{contract_id}/cancel",
    response_model=ContractPublic,
    tags=["contracts"],
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Cancel a signed contract before the training begins; the place comes back (a repeat is a 200)",
)
async def cancel_contract(
    contract_id: uuid.UUID, body: ContractCancel, ctx: Ctx, actor: EmployerSide
) -> ContractPublic:
    command = cmd.CancelContract(contract_id, body.reason_code, body.cancelled_on)
    contract, _ = await contracts.cancel_contract(ctx, actor, command)
    return _contract(contract)


@router.post(
    "/contracts/{contract_id}/corrections",
    response_model=ContractCorrectionResponse,
    tags=["contracts"],
    openapi_extra=IDEMPOTENCY_DOC,
    summary="The BA refused the signed version: ask the employer for a corrected contract (the journey's call)",
)
async def request_contract_correction(
    contract_id: uuid.UUID, body: CorrectionRequest, ctx: Ctx, actor: Journey
) -> ContractCorrectionResponse:
    command = cmd.RequestCorrection(contract_id, body.reason_code, body.candidate_id)
    _, requested = await contracts.request_correction(ctx, actor, command)
    return ContractCorrectionResponse(requested=requested)


@router.post(
    "/contracts/{contract_id}/registrations",
    response_model=ContractPublic,
    tags=["contracts"],
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Record the chamber's or the vocational school's registration",
)
async def register_contract(
    contract_id: uuid.UUID, body: Registration, ctx: Ctx, actor: EmployerSide
) -> ContractPublic:
    command = cmd.RegisterContract(contract_id, body.registration, body.reference, body.registered_on)
    return _contract(await contracts.register_contract(ctx, actor, command))
