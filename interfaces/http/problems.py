"""Problem details (RFC 9457) for every error the API returns.

The domain's one exception tree maps to HTTP statuses as the product's conventions say: invalid
input 422 (with each field as a JSON pointer), a rule refusal 409 (with the current stage and the
commands allowed there), not found 404, a concurrent change 409, a busy or unreachable database
503. A problem never carries personal data: its detail is the domain's message, which never does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from application.service import StaleVersion
from domain.errors import (
    CaseledgerError,
    ConcurrentChange,
    InvalidInput,
    NotFound,
    RuleRefused,
    WrongStage,
)
from infrastructure.faults import DatabaseBusy, DatabaseFault, DatabaseUnavailable

PROBLEM_JSON = "application/problem+json"

TITLES = {
    400: "Bad request", 401: "Sign-in required", 403: "Not allowed", 404: "Not found",
    405: "Method not allowed", 409: "Refused", 412: "The case has changed", 413: "Too large",
    415: "Unsupported media type", 422: "Invalid input", 428: "If-Match required",
    429: "Too many attempts", 500: "Something went wrong", 503: "Unavailable",
}


class ApiProblem(Exception):
    """An error the HTTP layer itself raises (authentication, access, preconditions)."""

    def __init__(self, status: int, detail: str, *, kind: str | None = None,
                 extra: Mapping[str, Any] | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.kind = status, detail, kind
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})


ErrorPage = Callable[[Request, int, str, str, Mapping[str, str]], Response]
"""The web application's error page (``app.state.error_page``): request, status, title, detail,
headers. Installed by the web application; without it every error is a problem."""


def wants_page(request: Request) -> bool:
    """A browser asking for a page (not the API, which always answers with problems)."""
    return (not request.url.path.startswith("/api/")
            and "text/html" in request.headers.get("accept", ""))


def problem(request: Request, status: int, detail: str, *, kind: str | None = None,
            extra: Mapping[str, Any] | None = None,
            headers: Mapping[str, str] | None = None) -> Response:
    """The error as a problem (RFC 9457), or, for a browser asking for a page, as an error page."""
    page: ErrorPage | None = getattr(request.app.state, "error_page", None)
    if page is not None and wants_page(request):
        return page(request, status, TITLES.get(status, "Error"), detail, dict(headers or {}))
    body: dict[str, Any] = {
        "type": f"https://caseledger.example/problems/{kind}" if kind else "about:blank",
        "title": TITLES.get(status, "Error"), "status": status, "detail": detail,
        "instance": request.url.path,
    }
    request_id = getattr(request.state, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    body.update(extra or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=dict(headers or {}))


def status_for(error: CaseledgerError) -> int:
    if isinstance(error, DatabaseBusy | DatabaseUnavailable):
        return 503
    if isinstance(error, StaleVersion):
        return 412
    if isinstance(error, InvalidInput):
        return 422
    if isinstance(error, RuleRefused | ConcurrentChange):
        return 409
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, DatabaseFault):
        return 500
    return 500


def field_errors(field: str | None, message: str) -> list[dict[str, str]]:
    return [{"pointer": f"/{field}" if field else "", "detail": message}]


def _pointer(location: Sequence[Any]) -> str:
    """A JSON pointer to the body field (``("body", "complaints", 0, "agency")`` →
    ``/complaints/0/agency``); a query or path parameter is named by its name."""
    parts = [str(p) for p in location]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem", "type": "object", "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}, "instance": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["pointer", "detail"],
            "properties": {"pointer": {"type": "string"}, "detail": {"type": "string"}}}},
        "stage": {"type": "string"}, "allowed": {"type": "array", "items": {"type": "string"}},
    },
}


def documented(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI schema, with every error documented as it is sent: a problem
    (``application/problem+json``), for the statuses each operation names and as the default."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    schema = get_openapi(title=app.title, version=app.version, summary=app.summary,
                         routes=app.routes)
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    as_problem = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, response in responses.items():
                if status.isdigit() and int(status) >= 400:
                    response["content"] = as_problem
            responses["default"] = {"description": "An error, as a problem (RFC 9457)",
                                    "content": as_problem}
    app.openapi_schema = schema
    return schema


def install(app: FastAPI) -> None:
    """The exception handlers that turn every error into a problem."""

    @app.exception_handler(ApiProblem)
    async def api_problem(request: Request, error: ApiProblem) -> Response:
        return problem(request, error.status, error.detail, kind=error.kind, extra=error.extra,
                       headers=error.headers)

    @app.exception_handler(CaseledgerError)
    async def domain_error(request: Request, error: CaseledgerError) -> Response:
        status = status_for(error)
        extra: dict[str, Any] = {}
        if isinstance(error, InvalidInput):
            extra["errors"] = field_errors(error.field, error.message)
        if isinstance(error, WrongStage):
            extra["stage"] = error.stage
            extra["allowed"] = error.allowed
        stage = getattr(request.state, "case_stage", None)
        if status == 409 and stage and "stage" not in extra:
            extra["stage"] = stage
            extra["allowed"] = getattr(request.state, "case_allowed", [])
        detail = error.message if status != 500 else "The request could not be completed."
        return problem(request, status, detail, kind=error.code, extra=extra,
                       headers={"Retry-After": "1"} if status == 503 else None)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        errors = [{"pointer": _pointer(e.get("loc", ())), "detail": str(e.get("msg", "invalid"))}
                  for e in error.errors()]
        return problem(request, 422, "The request is not valid: see errors.", kind="invalid-input",
                       extra={"errors": errors})

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        detail = error.detail if isinstance(error.detail, str) else TITLES.get(error.status_code, "Error")
        return problem(request, error.status_code, detail, headers=getattr(error, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> Response:
        return problem(request, 500, "The request could not be completed.", kind="unexpected")
