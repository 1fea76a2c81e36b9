"""The edge of every HTTP exchange: request id, rate-limit headers, body limit, access log.

A plain ASGI middleware (not Starlette's BaseHTTPMiddleware, which costs a task
and a queue per request) that also makes requests tolerant the way real clients
need: a trailing slash is ignored, HEAD answers as GET without a body, and a
CORS preflight is answered as the real API does.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from emulator.core.errors import PayloadTooLarge, TooManyRequests, error_body
from emulator.core.ratelimit import RateLimiter

log = logging.getLogger("emulator.access")

_FORM = b"application/x-www-form-urlencoded"
_CORS = [
    (b"access-control-allow-methods", b"GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"),
    (b"access-control-allow-headers", b"Authorization, Content-Type"),
    (
        b"access-control-expose-headers",
        b"ratelimit-limit, ratelimit-remaining, ratelimit-reset, x-request-id",
    ),
    (b"access-control-max-age", b"86400"),
    (b"access-control-allow-credentials", b"true"),
]


class RequestEdge:
    def __init__(
        self, app: ASGIApp, *, ratelimiter: RateLimiter, max_body_bytes: int
    ) -> None:
        self.app = app
        self.ratelimiter = ratelimiter
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = time.perf_counter()
        request_id = str(uuid.uuid4())
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        path: str = scope["path"]
        if len(path) > 1 and path.endswith("/"):
            scope["path"] = path.rstrip("/") or "/"
        is_head = scope["method"] == "HEAD"
        if is_head:
            scope["method"] = "GET"

        headers = dict(scope["headers"])
        if headers.get(b"content-type", b"").startswith(_FORM) and path.startswith(
            "/v2/"
        ):
            # `curl -d '{...}'` labels JSON as a form; the real API reads it as JSON
            # anyway (no /v2 operation takes a form), and so does the emulator.
            scope["headers"] = [
                (k, b"application/json" if k == b"content-type" else v)
                for k, v in scope["headers"]
            ]
        origin = headers.get(b"origin")
        extra: list[tuple[bytes, bytes]] = [(b"x-request-id", request_id.encode())]
        if origin:
            extra += [(b"access-control-allow-origin", origin), *_CORS]
        allowed, limits = self.ratelimiter.hit(
            headers.get(b"authorization", b"").decode("latin-1")
        )
        extra += limits
        status_seen = 0

        async def send_with_headers(message: Message) -> None:
            nonlocal status_seen
            if message["type"] == "http.response.start":
                status_seen = message["status"]
                message["headers"] = list(message.get("headers", [])) + extra
            elif is_head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        try:
            if scope["method"] == "OPTIONS" and origin:
                await _answer(send_with_headers, 204, b"")
            elif not allowed:
                await _error(send_with_headers, TooManyRequests(), request_id)
            elif _declared_length(headers) > self.max_body_bytes:
                await _error(send_with_headers, PayloadTooLarge(), request_id)
            else:
                await self.app(scope, self._limited(receive), send_with_headers)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            query = scope.get("query_string", b"")
            target = path + ("?" + _redacted(query.decode("latin-1")) if query else "")
            log.info(
                "%s %s => %s tenant=%s req=%s %.0fms",
                "HEAD" if is_head else scope["method"],
                target,
                status_seen,
                state.get("tenant_id", "-"),
                request_id[:8],
                elapsed,
            )

    def _limited(self, receive: Receive) -> Receive:
        """Refuse a body that grows past the limit without a Content-Length saying so."""
        seen = 0
        limit = self.max_body_bytes

        async def receive_limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # An HTTPException passes FastAPI's body parsing untouched;
                    # the error handlers render it as DigitalOcean's 413.
                    raise HTTPException(413)
            return message

        return receive_limited


# Query parameters that carry secrets (OAuth's documented token call puts the
# client secret and codes in the query string): never written to the log.
_SECRET_PARAMS = frozenset(
    {"client_secret", "code", "code_verifier", "refresh_token", "token", "access_token"}
)


def _redacted(query: str) -> str:
    if not any(name in query for name in _SECRET_PARAMS):
        return query
    parts = []
    for part in query.split("&"):
        name, sep, _ = part.partition("=")
        parts.append(f"{name}=***" if sep and name in _SECRET_PARAMS else part)
    return "&".join(parts)


def _declared_length(headers: dict[bytes, bytes]) -> int:
    try:
        return int(headers.get(b"content-length", b"0"))
    except ValueError:
        return 0


async def _answer(
    send: Send, status: int, body: bytes, content_type: bytes | None = None
) -> None:
    headers: list[Any] = [(b"content-length", str(len(body)).encode())]
    if content_type:
        headers.append((b"content-type", content_type))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _error(send: Send, exc: Any, request_id: str) -> None:
    body = error_body(exc.id, str(exc), request_id)
    await _answer(send, exc.status, body, b"application/json; charset=utf-8")
