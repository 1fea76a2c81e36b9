"""`create_app(settings)`: the ASGI application of one emulator.

One port serves every surface. Requests pass the edge middleware (request id,
rate-limit headers, access log) and reach the FastAPI app, whose routers are
the REST families under `/v2`, and the control plane under `/_emulator`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from emulator import control, metadata, oauth, rest, spaces
from emulator.core import actions, errors, resources
from emulator.core.catalogue import Catalogue
from emulator.core.clock import Clock
from emulator.core.config import Settings
from emulator.core.context import Emulator
from emulator.core.db import Database
from emulator.core.ratelimit import RateLimiter
from emulator.core.requests import RequestEdge
from emulator.core.routing import grouped
from emulator.core.store import Store
from emulator.core.tenants import Tenants
from emulator.listeners import Listener
from emulator.tls import certificate_paths

log = logging.getLogger(__name__)


def build_emulator(settings: Settings) -> Emulator:
    if not settings.in_memory and not settings.database_url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    resources.seed(settings.seed)
    database = Database(settings.sqlalchemy_url)
    store = Store(database)
    store.on_load.append(actions.rearm)
    store.on_change.append(actions.watch)
    clock = Clock(settings.clock, settings.action_delay)
    tenants = Tenants(store, clock, strict=settings.auth_mode == "strict")
    emulator = Emulator(
        settings,
        store=store,
        clock=clock,
        tenants=tenants,
        catalogue=Catalogue(settings.fixtures_dir),
        ratelimiter=RateLimiter(
            settings.rate_limit, enforce=settings.enforce_rate_limit
        ),
    )
    if settings.tokens_file:
        control.load_tokens_file(emulator, settings.tokens_file)
    return emulator


def create_app(settings: Settings) -> FastAPI:
    emulator = build_emulator(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        emulator.store.database.close()

    api = FastAPI(
        title="do-emulator",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
        # Clients such as curl -d send JSON as form data; the real API reads it anyway.
        strict_content_type=False,
    )
    api.state.emulator = emulator
    errors.install(api)
    # One group of routes per family, tried only for its own paths.
    api.router.routes.extend(grouped(rest.router.routes))
    if settings.control_plane:
        api.include_router(control.router)
    else:
        api.add_api_route("/_emulator/health", control.health)
    for surface in SURFACES:
        surface.install(api, emulator)
    api.add_middleware(
        RequestEdge,
        ratelimiter=emulator.ratelimiter,
        max_body_bytes=settings.max_body_bytes,
    )
    return api


# Surfaces beside REST. Each has `install(api, emulator)`, which adds its routes,
# middleware or token resolvers, and `listeners(api, emulator)`, the ports of
# its own it wants besides the main one.
SURFACES = (spaces, oauth, metadata)


def listeners(api: FastAPI, settings: Settings) -> list[Listener]:
    """The main port, then every surface's own listeners."""
    ssl: dict[str, str] = {}
    if settings.tls:
        cert, key = certificate_paths(settings)
        ssl = {"ssl_certfile": str(cert), "ssl_keyfile": str(key)}
    main = Listener("main", settings.host, settings.port, api, required=True, ssl=ssl)
    emulator: Emulator = api.state.emulator
    extra = [item for surface in SURFACES for item in surface.listeners(api, emulator)]
    return [main, *extra]
