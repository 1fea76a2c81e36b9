"""`POST /v1/oauth/token` (and `/refresh`), `/revoke`, and the key and server metadata.

Grant types: `authorization_code` (with or without PKCE) and `refresh_token`
(rotating: each refresh token works once and takes its access token with it).
Parameters are read from the query string (DigitalOcean's own examples send a
body-less POST) and from the body, form-encoded or JSON; a parameter given
twice with different values is refused. Client credentials are taken from HTTP
Basic or from the `client_id`/`client_secret` parameters (RFC 6749 §2.3.1).
Errors are OAuth's JSON, `{"error", "error_description"}`: 401 for
`invalid_client`, 400 for the rest, and nothing is issued.
"""

from __future__ import annotations

import base64
import binascii
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote_plus

import orjson
from fastapi import APIRouter, Request
from starlette.responses import Response

from emulator.core.context import bearer_token
from emulator.core.errors import APIError
from emulator.oauth.authorize import INVALID_CLIENT, INVALID_REQUEST, issuer
from emulator.oauth.keys import looks_like_ours
from emulator.oauth.server import GrantError, Issued, info
from emulator.oauth.tables import OAuthAppRow

if TYPE_CHECKING:
    from emulator.oauth.server import OAuthServer

log = logging.getLogger(__name__)
router = APIRouter()

UNSUPPORTED_GRANT_TYPE = (
    "The authorization grant type is not supported by the authorization server."
)
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class OAuthError(Exception):
    def __init__(
        self, error: str, description: str, *, status: int = 400, basic: bool = False
    ) -> None:
        super().__init__(description)
        self.error = error
        self.status = status
        self.basic = basic

    def response(self) -> Response:
        headers = dict(_NO_STORE)
        if self.status == 401:
            scheme = "Basic" if self.basic else "Bearer"
            headers["WWW-Authenticate"] = (
                f'{scheme} realm="DigitalOcean", error="{self.error}"'
            )
        body = {"error": self.error, "error_description": str(self)}
        return _json(body, self.status, headers)


def _json(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        orjson.dumps(body),
        status_code=status,
        media_type="application/json; charset=utf-8",
        headers=headers or dict(_NO_STORE),
    )


async def _params(request: Request) -> dict[str, str]:
    items = list(request.query_params.multi_items())
    body = await request.body()
    if body:
        if "json" in request.headers.get("content-type", ""):
            try:
                loaded = orjson.loads(body)
            except orjson.JSONDecodeError as exc:
                raise OAuthError("invalid_request", INVALID_REQUEST) from exc
            if not isinstance(loaded, dict):
                raise OAuthError("invalid_request", INVALID_REQUEST)
            items += [(str(k), str(v)) for k, v in loaded.items() if v is not None]
        else:
            items += parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    params: dict[str, str] = {}
    for name, value in items:
        if params.get(name, value) != value:  # RFC 6749 §3.2: no repeated parameters
            raise OAuthError("invalid_request", INVALID_REQUEST)
        params[name] = value
    return params


def _basic(request: Request) -> tuple[str, str] | None:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise OAuthError(
            "invalid_client", INVALID_CLIENT, status=401, basic=True
        ) from exc
    client_id, separator, secret = decoded.partition(":")
    if not separator:
        raise OAuthError("invalid_client", INVALID_CLIENT, status=401, basic=True)
    # RFC 6749 §2.3.1: both halves are form-encoded before base64.
    return unquote_plus(client_id), unquote_plus(secret)


def authenticate(
    oauth: OAuthServer, request: Request, params: dict[str, str], *, required: bool
) -> tuple[OAuthAppRow | None, bool]:
    """The calling app and whether it proved its secret; 401 when it tried and failed."""
    basic = _basic(request)
    if basic and "client_secret" in params:
        raise OAuthError("invalid_request", INVALID_REQUEST)  # two credentials
    client_id, secret = basic or (params.get("client_id"), params.get("client_secret"))
    if basic and params.get("client_id", client_id) != client_id:
        raise OAuthError("invalid_request", INVALID_REQUEST)
    if not client_id:
        if required:
            raise OAuthError("invalid_client", INVALID_CLIENT, status=401)
        return None, False
    app = oauth.apps.get(client_id)
    if app is None:
        raise OAuthError(
            "invalid_client", INVALID_CLIENT, status=401, basic=bool(basic)
        )
    if app.secret_digest is None:
        return app, False  # a public client: PKCE stands in for the secret
    if not oauth.apps.secret_matches(app, secret):
        raise OAuthError(
            "invalid_client", INVALID_CLIENT, status=401, basic=bool(basic)
        )
    return app, True


def _answer(issued: Issued) -> Response:
    body: dict[str, Any] = {
        "access_token": issued.access_token,
        "token_type": "bearer",
        "expires_in": issued.expires_in,
        "refresh_token": issued.refresh_token,
        "scope": issued.scope,
        "info": info(issued.tenant),
    }
    return _json(body)


@router.post("/v1/oauth/token")
async def token(request: Request) -> Response:
    return await _grant(request, default_grant_type=None)


@router.post("/v1/oauth/refresh")
async def refresh(request: Request) -> Response:
    """The 2025 docs' refresh endpoint: `/token` with `grant_type=refresh_token`."""
    return await _grant(request, default_grant_type="refresh_token")


async def _grant(request: Request, *, default_grant_type: str | None) -> Response:
    oauth: OAuthServer = request.app.state.oauth
    try:
        params = await _params(request)
        grant_type = params.get("grant_type", default_grant_type)
        if not grant_type:
            raise OAuthError("invalid_request", INVALID_REQUEST)
        if grant_type == "authorization_code" and default_grant_type is None:
            issued = await _exchange_code(oauth, request, params)
        elif grant_type == "refresh_token":
            issued = await _refresh(oauth, request, params)
        else:
            raise OAuthError("unsupported_grant_type", UNSUPPORTED_GRANT_TYPE)
    except OAuthError as exc:
        log.info("oauth token request refused: %s", exc.error)
        return exc.response()
    except GrantError as exc:
        log.info("oauth token request refused: %s", exc.error)
        return OAuthError(exc.error, str(exc)).response()
    return _answer(issued)


async def _exchange_code(
    oauth: OAuthServer, request: Request, params: dict[str, str]
) -> Issued:
    app, authenticated = authenticate(oauth, request, params, required=True)
    assert app is not None
    code = params.get("code")
    if not code:
        raise OAuthError("invalid_request", INVALID_REQUEST)
    return await oauth.exchange_code(
        app,
        code=code,
        redirect_uri=params.get("redirect_uri"),
        verifier=params.get("code_verifier") or None,
        client_authenticated=authenticated,
        issuer=issuer(request),
    )


async def _refresh(
    oauth: OAuthServer, request: Request, params: dict[str, str]
) -> Issued:
    # DigitalOcean documents refresh with the refresh token alone; client
    # libraries add their credentials, which must then be right.
    app, _ = authenticate(oauth, request, params, required=False)
    refresh_token = params.get("refresh_token")
    if not refresh_token:
        raise OAuthError("invalid_request", INVALID_REQUEST)
    return await oauth.refresh(refresh_token, app, issuer(request))


@router.post("/v1/oauth/revoke")
async def revoke(request: Request) -> Response:
    """Revoke a token pair; 200 `{}` even for a token that is unknown (RFC 7009 §2.2).

    The caller proves itself with a bearer token the API accepts, or with client
    credentials; presenting the very token being revoked is enough too.
    """
    oauth: OAuthServer = request.app.state.oauth
    try:
        params = await _params(request)
        target = params.get("token")
        if not target:
            raise OAuthError("invalid_request", INVALID_REQUEST)
        if not _may_revoke(oauth, request, params, target):
            raise OAuthError("invalid_client", INVALID_CLIENT, status=401)
    except OAuthError as exc:
        return exc.response()
    if await oauth.revoke(target):
        log.info("oauth token pair revoked")
    return _json({})


def _may_revoke(
    oauth: OAuthServer, request: Request, params: dict[str, str], target: str
) -> bool:
    bearer = bearer_token(request)
    if bearer is not None:
        if bearer == target and looks_like_ours(target):
            return True
        try:
            return oauth.emulator.resolve(bearer) is not None
        except APIError:
            return False
    app, authenticated = authenticate(oauth, request, params, required=False)
    return app is not None and (authenticated or app.secret_digest is None)


@router.get("/.well-known/jwks.json")
async def jwks(request: Request) -> Response:
    oauth: OAuthServer = request.app.state.oauth
    return _json({"keys": [oauth.key.jwk]}, headers={"Cache-Control": "max-age=300"})


@router.get("/.well-known/oauth-authorization-server")
async def metadata(request: Request) -> Response:
    """RFC 8414 metadata, so discovery-driven clients find the endpoints."""
    base = issuer(request)
    return _json(
        {
            "issuer": base,
            "authorization_endpoint": f"{base}/v1/oauth/authorize",
            "token_endpoint": f"{base}/v1/oauth/token",
            "revocation_endpoint": f"{base}/v1/oauth/revoke",
            "jwks_uri": f"{base}/.well-known/jwks.json",
            "response_types_supported": ["code", "token"],
            "grant_types_supported": [
                "authorization_code",
                "refresh_token",
                "implicit",
            ],
            "code_challenge_methods_supported": ["S256", "plain"],
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            "scopes_supported": ["read", "write"],
        },
        headers={"Cache-Control": "max-age=300"},
    )
