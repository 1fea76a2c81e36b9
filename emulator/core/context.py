"""The process-wide `Emulator` and the per-request `Ctx` that routes receive.

A route names the scopes it needs and gets a `Ctx` with the caller's tenant:

    @router.get("/v2/droplets")
    async def list_droplets(ctx: Annotated[Ctx, Auth("droplet:read")]) -> Response:
        ...

`Auth` resolves the bearer token (401 when it is missing or unknown), checks the
scopes (403), completes the tenant's actions that are due, and records the
tenant for the access log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Depends, Request

from emulator.core import actions
from emulator.core.catalogue import Catalogue
from emulator.core.clock import Clock
from emulator.core.config import Settings
from emulator.core.errors import BadRequest, Forbidden, Unauthorized
from emulator.core.ratelimit import RateLimiter
from emulator.core.store import Store, Tenant, Tx
from emulator.core.tenants import Grant, Tenants


class Emulator:
    """Everything one running emulator shares across surfaces and requests."""

    def __init__(
        self,
        settings: Settings,
        *,
        store: Store,
        clock: Clock,
        tenants: Tenants,
        catalogue: Catalogue,
        ratelimiter: RateLimiter,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.tenants = tenants
        self.catalogue = catalogue
        self.ratelimiter = ratelimiter
        # Extra ways to turn a bearer token into a grant (OAuth's JWTs plug in here).
        # A resolver returns None for a token it does not recognise, and may raise
        # Unauthorized to refuse one outright (a revoked or tampered JWT must not
        # become a fresh account in permissive mode).
        self.token_resolvers: list[Any] = []
        # Called by the control plane's reset with a tenant id, or None for all:
        # surfaces with state outside the store (Spaces) forget it too.
        self.on_reset: list[Callable[[str | None], None]] = []

    def resolve(self, token: str) -> Grant | None:
        for resolver in self.token_resolvers:
            grant = resolver(token)
            if grant is not None:
                return grant
        return self.tenants.resolve(token)


class Ctx:
    """One request's view: its tenant, a transaction, and the shared pieces."""

    __slots__ = ("request", "emulator", "tenant", "grant", "tx")

    def __init__(self, request: Request, emulator: Emulator, grant: Grant) -> None:
        self.request = request
        self.emulator = emulator
        self.grant = grant
        self.tenant: Tenant = grant.tenant
        self.tx = Tx(emulator.store, grant.tenant)

    @property
    def store(self) -> Store:
        return self.emulator.store

    @property
    def clock(self) -> Clock:
        return self.emulator.clock

    @property
    def catalogue(self) -> Catalogue:
        return self.emulator.catalogue

    def query(self, name: str, *, choices: tuple[str, ...] | None = None) -> str | None:
        """A query parameter, for hot routes where declaring it costs too much."""
        value = self.request.query_params.get(name)
        if value is not None and choices is not None and value not in choices:
            raise BadRequest(f"{name} must be one of: {', '.join(choices)}")
        return value

    def require(self, *scopes: str) -> None:
        """Demand more scopes than the route's own (they depend on the body)."""
        if not self.grant.allows(scopes):
            raise Forbidden()

    async def commit(self) -> None:
        await self.tx.commit()


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def grant_of(request: Request) -> Grant:
    """The caller's grant, or 401 in DigitalOcean's words."""
    emulator: Emulator = request.app.state.emulator
    token = bearer_token(request)
    grant = emulator.resolve(token) if token else None
    if grant is None:
        raise Unauthorized()
    request.scope["state"]["tenant_id"] = grant.tenant.id
    return grant


class Auth:
    """Dependency: a `Ctx` for a caller holding any one of `scopes`."""

    def __init__(self, *scopes: str) -> None:
        self.scopes = scopes

    async def __call__(self, request: Request) -> Ctx:
        grant = grant_of(request)
        if self.scopes and not grant.allows(self.scopes):
            raise Forbidden()
        emulator: Emulator = request.app.state.emulator
        await actions.settle(emulator.store, emulator.clock, grant.tenant)
        return Ctx(request, emulator, grant)


def authorized(*scopes: str) -> Any:
    return Depends(Auth(*scopes))
