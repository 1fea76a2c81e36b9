"""`GET /v1/oauth/authorize` and the consent form's `POST` back.

The request is checked in the order that keeps the emulator from ever being an
open redirect: an unknown client or a redirect URI other than the registered
one shows an error page and redirects nowhere; so does an unknown scope, as on
the real service. Other problems (response type, PKCE parameters) go back to
the now trusted redirect URI as `error=...` with the `state`.

Who approves: there is no sign-in, so the consent form takes an optional
personal access token and approves as its account; otherwise `login_hint`
(an emulator tenant id, account email or account uuid) names the account;
otherwise the demo account (sammy@example.com) does. A hint that names no
account is ignored, as the real service ignores the parameter altogether. `--oauth-auto-approve`
skips the page and approves as that same account. `prompt=none` approves at
once under auto-approve; without it there is no session to reuse, so it
answers `login_required` (or `consent_required` when `login_hint` names an
account).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from emulator.core.errors import APIError
from emulator.core.store import Tenant
from emulator.oauth import pages, scopes
from emulator.oauth.tables import OAuthAppRow

if TYPE_CHECKING:
    from emulator.oauth.server import OAuthServer

log = logging.getLogger(__name__)
router = APIRouter()

# Doorkeeper's wording, which DigitalOcean's authorization server answers with.
INVALID_CLIENT = "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method."
INVALID_REDIRECT = "The redirect uri included is not valid."
INVALID_SCOPE = "The requested scope is invalid, unknown, or malformed."
INVALID_REQUEST = "The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed."
UNSUPPORTED_RESPONSE_TYPE = (
    "The authorization server does not support this response type."
)
ACCESS_DENIED = "The resource owner or authorization server denied the request."

_VERIFIER_SHAPE = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")  # RFC 7636 §4.1


@dataclass(slots=True)
class AuthorizeRequest:
    app: OAuthAppRow
    response_type: str
    scope: str
    state: str | None
    challenge: str | None
    method: str | None
    prompt: str | None
    login_hint: str | None

    def fields(self) -> dict[str, str]:
        """The parameters the consent form posts back."""
        values = {
            "client_id": self.app.client_id,
            "redirect_uri": self.app.redirect_uri,
            "response_type": self.response_type,
            "scope": self.scope,
            "state": self.state,
            "code_challenge": self.challenge,
            "code_challenge_method": self.method,
            "login_hint": self.login_hint,
        }
        return {name: value for name, value in values.items() if value is not None}


def redirect(uri: str, params: dict[str, str | None], *, fragment: bool) -> Response:
    encoded = urlencode({k: v for k, v in params.items() if v is not None})
    if fragment:
        target = f"{uri}#{encoded}"
    else:
        target = f"{uri}{'&' if urlsplit(uri).query else '?'}{encoded}"
    return RedirectResponse(
        target, status_code=302, headers={"Cache-Control": "no-store"}
    )


def _error_redirect(
    request: AuthorizeRequest | OAuthAppRow,
    error: str,
    description: str,
    *,
    state: str | None,
    fragment: bool = False,
) -> Response:
    app = request.app if isinstance(request, AuthorizeRequest) else request
    params = {"error": error, "error_description": description, "state": state}
    return redirect(app.redirect_uri, params, fragment=fragment)


def parse(oauth: OAuthServer, params: dict[str, str]) -> AuthorizeRequest | Response:
    """The checked request, or the page or redirect that refuses it."""
    app = oauth.apps.get(params.get("client_id"))
    if app is None:
        return pages.error_page(INVALID_CLIENT, 401)
    if params.get("redirect_uri") != app.redirect_uri:
        return pages.error_page(INVALID_REDIRECT)
    try:
        scope = scopes.normalise(params.get("scope"))
    except scopes.InvalidScope:
        return pages.error_page(INVALID_SCOPE)

    state = params.get("state")
    response_type = params.get("response_type", "")
    if response_type not in ("code", "token"):
        return _error_redirect(
            app, "unsupported_response_type", UNSUPPORTED_RESPONSE_TYPE, state=state
        )
    fragment = response_type == "token"
    challenge = params.get("code_challenge") or None
    method = params.get("code_challenge_method") or None
    if challenge is not None and method is None:
        method = "plain"  # RFC 7636 §4.3
    if (method is not None and challenge is None) or (
        challenge is not None
        and (method not in ("S256", "plain") or not _VERIFIER_SHAPE.match(challenge))
    ):
        return _error_redirect(
            app, "invalid_request", INVALID_REQUEST, state=state, fragment=fragment
        )
    return AuthorizeRequest(
        app=app,
        response_type=response_type,
        scope=scope,
        state=state,
        challenge=challenge if response_type == "code" else None,
        method=method if response_type == "code" else None,
        prompt=params.get("prompt") or None,
        login_hint=params.get("login_hint") or None,
    )


async def approve(
    oauth: OAuthServer, request: Request, checked: AuthorizeRequest, tenant: Tenant
) -> Response:
    if checked.response_type == "token":
        issued = await oauth.issue_implicit(
            checked.app, tenant, checked.scope, issuer(request)
        )
        params = {
            "access_token": issued.access_token,
            "token_type": "bearer",
            "expires_in": str(issued.expires_in),
            "scope": issued.scope,
            "state": checked.state,
        }
        log.info(
            "oauth implicit grant to app %r for tenant %s", checked.app.name, tenant.id
        )
        return redirect(checked.app.redirect_uri, params, fragment=True)
    code = await oauth.new_code(
        checked.app,
        tenant,
        scope=checked.scope,
        challenge=checked.challenge,
        method=checked.method,
    )
    log.info("oauth code for app %r, tenant %s", checked.app.name, tenant.id)
    return redirect(
        checked.app.redirect_uri, {"code": code, "state": checked.state}, fragment=False
    )


def issuer(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _oauth(request: Request) -> OAuthServer:
    return request.app.state.oauth  # type: ignore[no-any-return]


@router.get("/v1/oauth/authorize")
async def authorize(request: Request) -> Response:
    oauth = _oauth(request)
    checked = parse(oauth, dict(request.query_params))
    if not isinstance(checked, AuthorizeRequest):
        return checked
    hinted = oauth.find_account(checked.login_hint) if checked.login_hint else None

    fragment = checked.response_type == "token"
    if oauth.settings.oauth_auto_approve:
        return await approve(oauth, request, checked, hinted or oauth.demo_account())
    if checked.prompt == "none":
        error = "consent_required" if hinted else "login_required"
        return _error_redirect(
            checked,
            error,
            "The user must sign in and approve first.",
            state=checked.state,
            fragment=fragment,
        )
    return pages.consent_page(
        app_name=checked.app.name,
        scope_lines=scopes.describe(checked.scope),
        fields=checked.fields(),
        account=hinted.email if hinted else None,
    )


@router.post("/v1/oauth/authorize")
async def decide(request: Request) -> Response:
    """The consent form's answer: every parameter is checked again."""
    oauth = _oauth(request)
    form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
    checked = parse(oauth, form)
    if not isinstance(checked, AuthorizeRequest):
        return checked
    fragment = checked.response_type == "token"
    decision = form.get("decision")
    if decision == "deny":
        log.info("oauth request of app %r denied", checked.app.name)
        return _error_redirect(
            checked,
            "access_denied",
            ACCESS_DENIED,
            state=checked.state,
            fragment=fragment,
        )
    if decision != "approve":
        return pages.error_page(INVALID_REQUEST)

    tenant, problem = _approving_account(oauth, checked, form.get("login_token"))
    if tenant is None:
        return pages.consent_page(
            app_name=checked.app.name,
            scope_lines=scopes.describe(checked.scope),
            fields=checked.fields(),
            account=None,
            problem=problem,
        )
    return await approve(oauth, request, checked, tenant)


def _approving_account(
    oauth: OAuthServer,
    checked: AuthorizeRequest,
    login_token: str | None,
) -> tuple[Tenant | None, str | None]:
    if login_token:
        try:
            grant = oauth.emulator.resolve(login_token.strip())
        except APIError:
            grant = None
        if grant is None:
            return None, "That personal access token is not valid."
        return grant.tenant, None
    hinted = oauth.find_account(checked.login_hint) if checked.login_hint else None
    return hinted or oauth.demo_account(), None
