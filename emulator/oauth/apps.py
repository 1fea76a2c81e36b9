"""OAuth applications: registered through the control plane or a fixture file.

DigitalOcean registers apps in its control panel (name, one callback URL) and
hands out a client id and secret; there is no public API for it. Here:

    POST /_emulator/oauth/apps  {"name", "redirect_uri"}  -> 201 {"client_id", "client_secret", ...}
    GET  /_emulator/oauth/apps                            -> {"apps": [...]} (no secrets)

Optional fields: `client_id` and `client_secret` to choose the credentials, and
`public: true` for a client without a secret, which must then use PKCE (the
2026 docs' native/CLI clients; the parameter names follow RFC 7636, unverified
against the real service). `--oauth-apps-file` takes a JSON list of the same
objects and registers them at start; registering an existing client id again
replaces it, so a restart with the same file is harmless.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from pathlib import Path
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, StringConstraints
from starlette.responses import Response

from emulator.core.clock import timestamp
from emulator.core.db import AddRow
from emulator.core.errors import Unprocessable
from emulator.core.responses import raw
from emulator.oauth.tables import OAuthAppRow

log = logging.getLogger(__name__)
control_router = APIRouter(prefix="/_emulator/oauth")

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class AppRequest(BaseModel):
    name: Text
    redirect_uri: Text
    client_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9._~-]{8,128}$")] | None = None
    client_secret: Annotated[str, Field(min_length=8, max_length=256)] | None = None
    public: bool = False


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Apps:
    """The registered apps, in memory and in the `oauth_app` table."""

    def __init__(self, rows: list[OAuthAppRow]) -> None:
        self.by_id: dict[str, OAuthAppRow] = {row.client_id: row for row in rows}

    def get(self, client_id: str | None) -> OAuthAppRow | None:
        return self.by_id.get(client_id) if client_id else None

    def build(self, request: AppRequest, now: float) -> tuple[OAuthAppRow, str | None]:
        """A new app row and its secret in clear (shown once), not yet stored."""
        if not _is_absolute_url(request.redirect_uri):
            raise Unprocessable("redirect_uri must be an absolute URL.")
        secret = None if request.public else request.client_secret
        if not request.public and secret is None:
            secret = secrets.token_hex(32)
        row = OAuthAppRow(
            client_id=request.client_id or secrets.token_hex(32),
            secret_digest=secret_digest(secret) if secret is not None else None,
            name=request.name,
            redirect_uri=request.redirect_uri,
            created_at=timestamp(now),
        )
        return row, secret

    def add(self, row: OAuthAppRow) -> None:
        self.by_id[row.client_id] = row

    @staticmethod
    def secret_matches(app: OAuthAppRow, secret: str | None) -> bool:
        if app.secret_digest is None or secret is None:
            return False
        return hmac.compare_digest(app.secret_digest, secret_digest(secret))


def public_view(row: OAuthAppRow, secret: str | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "client_id": row.client_id,
        "name": row.name,
        "redirect_uri": row.redirect_uri,
        "public": row.secret_digest is None,
        "created_at": row.created_at,
    }
    if secret is not None:
        view["client_secret"] = secret
    return view


def _is_absolute_url(value: str) -> bool:
    scheme, _, rest = value.partition("://")
    return bool(scheme) and bool(rest) and "#" not in value


@control_router.post("/apps", status_code=201)
async def register_app(request: Request, body: AppRequest) -> Response:
    oauth = request.app.state.oauth
    row, secret = oauth.apps.build(body, oauth.clock.now())
    await oauth.database.write([AddRow(row)])
    oauth.apps.add(row)
    log.info("oauth app %r registered", row.name)
    answer = public_view(row, secret)
    answer.setdefault("client_secret", None)
    return raw(answer, status=201)


@control_router.get("/apps")
async def list_apps(request: Request) -> Response:
    oauth = request.app.state.oauth
    return raw({"apps": [public_view(row) for row in oauth.apps.by_id.values()]})


def load_apps_file(path: Path) -> list[AppRequest]:
    """The apps a fixture file lists; a bad entry stops the start with its index."""
    entries: list[dict[str, Any]] = orjson.loads(path.read_bytes())
    return [AppRequest.model_validate(entry) for entry in entries]
