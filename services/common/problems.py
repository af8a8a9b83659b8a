"""RFC 9457 problem details for every error a service returns; never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://thamm.example/problems/"

log = logging.getLogger("thamm.problems")


class ProblemDetails(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(examples=["https://thamm.example/problems/illegal-transition"])
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[dict[str, Any]] | None = Field(default=None, description="Per-field errors: pointer and detail.")


def _doc(description: str) -> dict[str, Any]:
    return {"model": ProblemDetails, "description": description, "content": {PROBLEM_JSON: {}}}


#: Error answers every route may give, for the OpenAPI document.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _doc("Malformed request"),
    401: _doc("Missing or invalid bearer token (see WWW-Authenticate)"),
    403: _doc("The token lacks a role this needs"),
    404: _doc("No such resource"),
    409: _doc("Conflict with the resource's state"),
    422: _doc("Invalid fields; `errors` points at each"),
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


def _pointer(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    where = parts[0] if parts else "body"
    rest = parts[1:] if where in ("body", "query", "path", "header", "cookie") else parts
    prefix = "#" if where == "body" else f"{where}:"
    return prefix + "".join(f"/{p}" for p in rest) if rest else prefix


def install_problem_handlers(app: FastAPI) -> None:
    """Map validation errors, HTTP errors, Problems and anything unexpected to problem+json."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(request, exc.status, exc.type, exc.title, exc.detail, exc.headers, **exc.extensions)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "pointer": _pointer(err.get("loc", ())),
                "detail": err.get("msg", "invalid"),
                "code": err.get("type"),
            }
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
        from http import HTTPStatus

        title = HTTPStatus(exc.status_code).phrase
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else None
        return problem_response(request, exc.status_code, "about:blank", title, detail, dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(
            request,
            500,
            "internal-error",
            "Internal Server Error",
            "The error was logged; retry later or contact the operators.",
        )
