"""The OAuth surface: DigitalOcean's authorization server, at its own paths.

The real one lives on `cloud.digitalocean.com/v1/oauth`; here it shares the
main port with the REST API:

- `GET|POST /v1/oauth/authorize`  consent page; code and implicit flows, PKCE (authorize.py)
- `POST /v1/oauth/token`          authorization_code and refresh_token grants (token.py)
- `POST /v1/oauth/refresh`        refresh_token only, as the 2025 docs name it
- `POST /v1/oauth/revoke`         revoke an access token and its refresh token
- `GET /.well-known/jwks.json`    the public key tokens are signed with (keys.py)
- `GET /.well-known/oauth-authorization-server`  RFC 8414 metadata
- `POST /_emulator/oauth/apps`    register an app (control plane; apps.py)

Access tokens are REST bearer tokens in every auth mode: `install` adds the
server's resolver to `emulator.token_resolvers`, and the token's scopes are
enforced per operation like a personal access token's. Not emulated: the
control panel's app management (secret reset, "revoke all"), Dynamic Client
Registration, and sign-in sessions (see authorize.py for who approves).
"""

from __future__ import annotations

from fastapi import FastAPI

from emulator.core.context import Emulator
from emulator.listeners import Listener
from emulator.oauth import tables  # noqa: F401 - registers the tables before Database is built
from emulator.oauth.apps import control_router
from emulator.oauth.authorize import router as authorize_router
from emulator.oauth.keys import SigningKey
from emulator.oauth.server import OAuthServer
from emulator.oauth.token import router as token_router


def install(api: FastAPI, emulator: Emulator) -> None:
    """Add the OAuth routes and the resolver that lets REST accept OAuth tokens."""
    oauth = OAuthServer(emulator, SigningKey.load_or_create(emulator.settings))
    oauth.load_apps_file()
    api.state.oauth = oauth
    api.include_router(authorize_router)
    api.include_router(token_router)
    if emulator.settings.control_plane:
        api.include_router(control_router)
    emulator.token_resolvers.append(oauth.resolve)


def listeners(api: FastAPI, emulator: Emulator) -> list[Listener]:
    """OAuth needs no port of its own."""
    return []
