"""Errors as DigitalOcean sends them: `{"id", "message", "request_id"}`.

Routes raise an `APIError` subclass and never build error JSON themselves;
`install` registers the handlers that render every failure, including
FastAPI's validation errors, malformed JSON and unknown routes, in that shape.

    raise NotFound()                       # default message
    raise Unprocessable("Region is not available.")
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

log = logging.getLogger(__name__)


class APIError(Exception):
    """Base of every error a client sees; str(exc) is the message."""

    status = 500
    id = "server_error"
    message = "Unexpected server-side error"

    def __init__(
        self, message: str | None = None, *, headers: dict[str, str] | None = None
    ):
        super().__init__(message or self.message)
        self.headers = headers or {}


class BadRequest(APIError):
    status = 400
    id = "bad_request"
    message = "error parsing request body"


class Unauthorized(APIError):
    status = 401
    id = "unauthorized"
    message = "Unable to authenticate you."


class Forbidden(APIError):
    status = 403
    id = "forbidden"
    message = "You do not have access for the attempted action."


class NotFound(APIError):
    status = 404
    id = "not_found"
    # The real API's wording, as clients quote it in bug reports.
    message = "The resource you were accessing could not be found."


class MethodNotAllowed(APIError):
    status = 405
    id = "method_not_allowed"
    message = "The method is not allowed for the requested URL."


class Conflict(APIError):
    status = 409
    id = "conflict"
    message = "The request could not be completed due to a conflict."


class PreconditionFailed(APIError):
    status = 412
    id = "precondition_failed"
    message = "The request could not be completed because a precondition failed."


class PayloadTooLarge(APIError):
    status = 413
    id = "request_entity_too_large"
    message = "The request body is too large."


class Unprocessable(APIError):
    status = 422
    id = "unprocessable_entity"
    message = "request payload validation failed"


class TooManyRequests(APIError):
    status = 429
    id = "too_many_requests"
    message = "API rate limit exceeded."


class NotEmulated(APIError):
    """An operation or option the emulator does not reproduce (logged as a warning)."""

    status = 501
    id = "not_implemented"
    message = "This operation is not emulated."


def error_body(status_id: str, message: str, request_id: str | None) -> bytes:
    body: dict[str, Any] = {"id": status_id, "message": message}
    if request_id:
        body["request_id"] = request_id
    return orjson.dumps(body)


def error_response(
    request: Request, exc: APIError, *, headers: dict[str, str] | None = None
) -> Response:
    request_id = request.scope.get("state", {}).get("request_id")
    return Response(
        error_body(exc.id, str(exc), request_id),
        status_code=exc.status,
        media_type="application/json; charset=utf-8",
        headers=headers or exc.headers or None,
    )


def _describe(error: dict[str, Any]) -> str:
    where = ".".join(str(part) for part in error.get("loc", ())[1:]) or "body"
    return f"{where}: {error.get('msg', 'is invalid')}"


async def _on_api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, APIError)
    if isinstance(exc, NotEmulated):
        log.warning("not emulated: %s %s: %s", request.method, request.url.path, exc)
    return error_response(request, exc)


async def _on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return error_response(
            request, BadRequest("error parsing request body: malformed JSON")
        )
    if any(e.get("loc", ("",))[0] in ("query", "path") for e in errors):
        return error_response(
            request, BadRequest("; ".join(_describe(e) for e in errors[:5]))
        )
    return error_response(
        request, Unprocessable("; ".join(_describe(e) for e in errors[:5]))
    )


async def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    kinds: dict[int, type[APIError]] = {
        400: BadRequest,
        401: Unauthorized,
        403: Forbidden,
        404: NotFound,
        405: MethodNotAllowed,
        413: PayloadTooLarge,
        422: Unprocessable,
    }
    kind = kinds.get(exc.status_code, APIError)
    message = None if exc.status_code in (404, 405) else str(exc.detail)
    error = kind(message)
    if kind is APIError:
        error.status = exc.status_code
    return error_response(request, error, headers=dict(exc.headers or {}))


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return error_response(request, APIError())


def install(app: FastAPI) -> None:
    """Make every failure of `app` answer in DigitalOcean's error shape."""
    app.add_exception_handler(APIError, _on_api_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)
