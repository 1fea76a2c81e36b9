"""The control plane under `/_emulator/`: for tests and demos, not DigitalOcean's API.

- `GET  /_emulator/health`                 200 once ready
- `POST /_emulator/reset`                  forget everything, or `{"token": ...}` / `{"tenant_id": ...}`
- `GET  /_emulator/clock`                  mode, action delay, now
- `POST /_emulator/clock`                  `{"mode", "action_delay", "advance": seconds, "reset": true}`
- `POST /_emulator/tokens`                 `{"name", "scopes": "read" | "read write" | [...]}` -> 201
- `DELETE /_emulator/tokens`               `{"token"}`: revoke
- `GET  /_emulator/whoami`                 the tenant of the request's bearer token
- `GET  /_emulator/tenants/{tenant_id}`    what a tenant holds: counts and ids per kind
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from emulator import __version__
from emulator.core import actions
from emulator.core.context import Emulator, grant_of
from emulator.core.db import Sql
from emulator.core.errors import NotFound, Unprocessable
from emulator.core.responses import no_content, raw
from emulator.core.tenants import new_token, parse_scopes

log = logging.getLogger(__name__)
router = APIRouter(prefix="/_emulator")


def _emulator(request: Request) -> Emulator:
    return request.app.state.emulator


async def health(request: Request) -> Response:
    emulator = _emulator(request)
    return raw(
        {
            "status": "ok",
            "version": __version__,
            "auth_mode": emulator.settings.auth_mode,
            "clock": emulator.clock.describe(),
        }
    )


router.add_api_route("/health", health, methods=["GET"])


class ResetRequest(BaseModel):
    token: str | None = None
    tenant_id: str | None = None


@router.post("/reset")
async def reset(
    request: Request, body: Annotated[ResetRequest | None, Body()] = None
) -> Response:
    emulator = _emulator(request)
    tenants, store = emulator.tenants, emulator.store
    if body and (body.token or body.tenant_id):
        tenant_id = body.tenant_id or tenants.tenant_of(body.token or "")
        if tenant_id is None:
            raise NotFound("No tenant holds that token.")
        await store.database.write(store.forget(tenant_id))
        tenants.forget_tenant(tenant_id)
        for hook in emulator.on_reset:
            hook(tenant_id)
        log.info("reset tenant %s", tenant_id)
        return raw({"reset": "tenant", "tenant_id": tenant_id})

    ops = [
        Sql(f"DELETE FROM {table}")
        for table in ("record", "token", "tenant", "counter")
    ]
    await store.database.write(ops)
    store.tenants.clear()
    store.counters.clear()
    tenants.forget_all()
    emulator.ratelimiter.clear()
    for hook in emulator.on_reset:
        hook(None)
    if emulator.settings.tokens_file:
        # The file's tokens are configuration, not state: they outlive a reset.
        load_tokens_file(emulator, emulator.settings.tokens_file)
    log.info("reset everything")
    return raw({"reset": "all"})


class ClockRequest(BaseModel):
    mode: Literal["real", "instant", "frozen"] | None = None
    action_delay: float | None = Field(None, ge=0)
    advance: float | None = Field(None, ge=0)
    reset: bool = Field(False, description="Return to wall time, undoing every advance.")


@router.get("/clock")
async def get_clock(request: Request) -> Response:
    return raw(_emulator(request).clock.describe())


@router.post("/clock")
async def set_clock(request: Request, body: ClockRequest) -> Response:
    emulator = _emulator(request)
    clock = emulator.clock
    if body.reset:
        clock.reset()
    if body.mode or body.action_delay is not None:
        clock.set_mode(body.mode or clock.mode, delay=body.action_delay)
    if body.advance:
        clock.advance(body.advance)
    for tenant in list(emulator.store.tenants.values()):
        await actions.settle(emulator.store, clock, tenant)
    log.info("clock: %s", clock.describe())
    return raw(clock.describe())


class TokenRequest(BaseModel):
    name: str = "emulator"
    scopes: list[str] | str = "read write"
    token: str | None = Field(
        None, description="Use this token value instead of a new one."
    )
    tenant_id: str | None = Field(None, description="Add the token to this tenant.")
    expires_in: int | None = Field(None, gt=0)


@router.post("/tokens", status_code=201)
async def create_token(request: Request, body: TokenRequest) -> Response:
    emulator = _emulator(request)
    try:
        scopes = parse_scopes(body.scopes)
    except ValueError as exc:
        raise Unprocessable(str(exc)) from exc
    token = body.token or new_token()
    expires_at = emulator.clock.now() + body.expires_in if body.expires_in else None
    try:
        tenant_id, _ = emulator.tenants.create_token(
            token,
            scopes,
            name=body.name,
            tenant_id=body.tenant_id,
            expires_at=expires_at,
        )
    except KeyError as exc:
        raise NotFound("No such tenant.") from exc
    log.info("token %r created for tenant %s", body.name, tenant_id)
    return raw(
        {
            "token": token,
            "name": body.name,
            "scopes": sorted(scopes),
            "tenant_id": tenant_id,
        },
        status=201,
    )


class RevokeRequest(BaseModel):
    token: str


@router.delete("/tokens")
async def revoke_token(request: Request, body: RevokeRequest) -> Response:
    if not _emulator(request).tenants.revoke(body.token):
        raise NotFound("No such token.")
    return no_content()


def load_tokens_file(emulator: Emulator, path: Path) -> None:
    """Create the tokens a JSON file lists: `[{"token", "scopes", "name", "tenant"}]`.

    Entries sharing a `tenant` label share one account.
    """
    entries: list[dict[str, Any]] = orjson.loads(path.read_bytes())
    tenants: dict[str, str] = {}
    for entry in entries:
        token = entry["token"]
        if emulator.tenants.tenant_of(token):
            continue
        label = entry.get("tenant")
        tenant_id, _ = emulator.tenants.create_token(
            token,
            parse_scopes(entry.get("scopes", "read write")),
            name=entry.get("name", "fixture"),
            tenant_id=tenants.get(label) if label else None,
        )
        if label:
            tenants[label] = tenant_id
    log.info("%d tokens loaded from %s", len(entries), path.name)


@router.get("/whoami")
async def whoami(request: Request) -> Response:
    grant = grant_of(request)
    return raw({"tenant_id": grant.tenant.id, "scopes": sorted(grant.scopes)})


@router.get("/tenants/{tenant_id}")
async def inspect_tenant(request: Request, tenant_id: str) -> Response:
    emulator = _emulator(request)
    try:
        tenant = emulator.tenants.load(tenant_id)
    except KeyError as exc:
        raise NotFound("No such tenant.") from exc
    await actions.settle(emulator.store, emulator.clock, tenant)
    kinds = {
        kind: {"count": len(collection), "ids": [r.id for r in collection.ordered()]}
        for kind, collection in sorted(tenant.collections.items())
        if len(collection)
    }
    return raw({"tenant_id": tenant.id, "email": tenant.email, "kinds": kinds})
