"""RFC 9457 problem details for every error a service returns; never a stack trace.

One handler each for: domain errors (by kind), `Problem`, request validation, HTTP errors (405 keeps its
`Allow`, 413 from the body limit), an unreachable database (503 with Retry-After), a unique violation that
a race let through (409), and anything unexpected (500 without internals).
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from contracts.errors import DomainError, ErrorKind, Invalid, NotFound

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://thamm.example/problems/"
DB_RETRY_AFTER_S = 5

log = logging.getLogger("thamm.problems")

KIND_STATUS = {
    ErrorKind.CONFLICT: 409,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.INVALID: 422,
    ErrorKind.GONE: 410,
    ErrorKind.TOO_LARGE: 413,
    ErrorKind.UNSUPPORTED: 415,
}


class ProblemDetails(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(examples=["https://thamm.example/problems/illegal-transition"])
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[dict[str, Any]] | None = Field(default=None, description="Per-field errors: pointer and detail.")


def problem_doc(description: str) -> dict[str, Any]:
    """An OpenAPI response entry for a problem answer."""
    return {"model": ProblemDetails, "description": description, "content": {PROBLEM_JSON: {}}}


#: Error answers every authenticated route may give, for the OpenAPI document.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: problem_doc("Malformed request (e.g. a bad cursor or Idempotency-Key)"),
    401: problem_doc("Missing or invalid bearer token (see WWW-Authenticate)"),
    403: problem_doc("The token lacks a role this needs"),
    404: problem_doc("No such resource"),
    409: problem_doc("Conflict with the resource's state, or the same Idempotency-Key still in progress"),
    413: problem_doc("Request body larger than this operation accepts"),
    422: problem_doc("Invalid fields (`errors` points at each), or an Idempotency-Key reused for another request"),
    503: problem_doc("The service's database is unreachable; retry after `Retry-After` seconds"),
}


class Problem(Exception):
    """An error to report as problem details: a stable type slug, an HTTP status and a human detail."""

    def __init__(
        self,
        status: int,
        type_: str,
        title: str,
        detail: str | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status, self.type, self.title, self.detail = status, type_, title, detail
        self.headers = headers or {}
        self.extensions = extensions


def invalid(pointer: str, detail: str) -> Invalid:
    """A 422 for one field, pointed at with a JSON pointer (`#/candidate/region`)."""
    return Invalid(pointer, detail)


def not_found(kind: str, id_: object) -> NotFound:
    """A 404 for a resource of this kind."""
    return NotFound(kind, id_)


def problem_response(
    request: Request,
    status: int,
    type_: str,
    title: str,
    detail: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + type_ if type_ != "about:blank" else type_,
        "title": title,
        "status": status,
        "instance": request.url.path,
    }
    if detail:
        body["detail"] = detail
    body.update(extensions)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _pointer(loc: tuple[Any, ...] | list[Any], body: Any = None) -> str:
    """A JSON pointer (`#/candidate/region`) or `query:/name` for a pydantic error location.

    Tagged unions add the tag's value to the location (`body/reject/reason_code`); it is left out, as it
    names no field of the request.
    """
    parts = list(loc)
    where = str(parts[0]) if parts else "body"
    rest = parts[1:] if where in ("body", "query", "path", "header", "cookie") else parts
    if where == "body":
        rest = _without_tags(rest, body)
    prefix = "#" if where == "body" else f"{where}:"
    return prefix + "".join(f"/{p}" for p in rest) if rest else prefix


def _without_tags(parts: list[Any], body: Any) -> list[Any]:
    out, node = [], body
    for part in parts:
        if isinstance(node, dict) and isinstance(part, str) and part not in node and part in node.values():
            continue  # the tag of a discriminated union
        out.append(part)
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            node = None
    return out


def _error_pointer(err: dict[str, Any], body: Any) -> str:
    pointer = _pointer(err.get("loc", ()), body)
    if err.get("type") in ("union_tag_invalid", "union_tag_not_found"):
        tag = str((err.get("ctx") or {}).get("discriminator", "")).strip("'")
        pointer = f"{pointer}/{tag}" if tag else pointer
    return pointer


def _is_unique_violation(exc: sa_exc.IntegrityError) -> bool:
    return getattr(exc.orig, "sqlstate", None) == "23505" or "UniqueViolation" in type(exc.orig).__name__


#: Failures that mean "the database is not there right now", not "this request is wrong".
DB_UNAVAILABLE: tuple[type[BaseException], ...] = (ConnectionError, OSError, TimeoutError)


def database_unavailable(exc: BaseException) -> bool:
    """True for errors raised because PostgreSQL cannot be reached or is shutting down."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return True
        name = type(current).__name__
        if isinstance(current, DB_UNAVAILABLE) or name in (
            "CannotConnectNowError",
            "ConnectionDoesNotExistError",
            "AdminShutdownError",
            "InterfaceError",
            "TooManyConnectionsError",
        ):
            return True
        current = current.__cause__ or current.__context__ or getattr(current, "orig", None)
    return False


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route serves on this path (Starlette's own Allow names only the first route's)."""
    from starlette.routing import Match

    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches({**request.scope, "method": "\x00"})
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def install_problem_handlers(app: FastAPI) -> None:
    """Map domain errors, validation errors, HTTP errors, Problems and anything unexpected to problem+json."""

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return problem_response(request, KIND_STATUS[exc.kind], exc.code, exc.title, exc.detail, **exc.extensions)

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(request, exc.status, exc.type, exc.title, exc.detail, exc.headers, **exc.extensions)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"pointer": _error_pointer(err, exc.body), "detail": err.get("msg", "invalid"), "code": err.get("type")}
            for err in exc.errors()
        ]
        return problem_response(
            request,
            422,
            "validation-error",
            "Request validation failed",
            f"{len(errors)} field(s) are invalid",
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = HTTPStatus(exc.status_code).phrase
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else None
        type_ = "payload-too-large" if exc.status_code == 413 else "about:blank"
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(request))
        return problem_response(request, exc.status_code, type_, title, detail, headers)

    @app.exception_handler(sa_exc.IntegrityError)
    async def _integrity(request: Request, exc: sa_exc.IntegrityError) -> JSONResponse:
        if _is_unique_violation(exc):
            return problem_response(
                request, 409, "conflict", "Conflict", "a concurrent request created the same resource first"
            )
        return await _unexpected(request, exc)

    async def _infrastructure(request: Request, exc: Exception) -> JSONResponse:
        """Connection failures answer 503 here (the catch-all would also log them as crashes)."""
        return await _unexpected(request, exc)

    import asyncpg

    for family in (OSError, sa_exc.DBAPIError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError):
        app.add_exception_handler(family, _infrastructure)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        if database_unavailable(exc):
            log.warning("database unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
            return problem_response(
                request,
                503,
                "database-unavailable",
                "Service Unavailable",
                "the service's database cannot be reached; retry shortly",
                {"Retry-After": str(DB_RETRY_AFTER_S)},
            )
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path, exc_info=exc)
        return problem_response(
            request,
            500,
            "internal-error",
            "Internal Server Error",
            "The error was logged; retry later or contact the operators.",
        )
