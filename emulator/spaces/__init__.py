"""Spaces, the S3-compatible object store, served by moto behind a gateway of ours.

`install` puts the gateway (`gateway.py`) in front of the whole application, so
one port serves the REST API and S3 alike; `listeners` adds the optional
separate Spaces port (`--spaces-port`), where every request is S3. When moto
is loaded (on the first S3 request) the journal of accepted writes
(`journal.py`) is replayed into it, which is how buckets and objects outlive a
restart; the control plane's reset clears them through `Emulator.on_reset`.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from emulator.core.context import Emulator
from emulator.listeners import Listener
from emulator.spaces.gateway import Gateway, Spaces
from emulator.spaces.journal import Journal

log = logging.getLogger(__name__)


def install(api: FastAPI, emulator: Emulator) -> None:
    """Add the gateway in front of `api` and bring moto back to its journalled state."""
    settings = emulator.settings
    directory = None if settings.in_memory else settings.data_dir / "spaces"
    journal = Journal(emulator.store.database, directory)
    spaces = Spaces(emulator, journal)
    if spaces.buckets:
        log.info("spaces: %d buckets in the journal", len(spaces.buckets))
    api.state.spaces = spaces
    emulator.on_reset.append(spaces.reset)
    # Outermost, even outside the request edge that app.py adds after this: the
    # edge's REST rules (1 MiB bodies, trailing slashes, HEAD as GET, its own
    # CORS preflight, rate limits per bearer token) are not Spaces' rules.
    build_stack = api.build_middleware_stack

    def build_with_gateway() -> ASGIApp:
        return Gateway(build_stack(), spaces=spaces)

    api.build_middleware_stack = build_with_gateway  # type: ignore[method-assign]


class _SpacesPort:
    """The separate Spaces port: every request on it is S3, whatever its host."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope = {**scope, "spaces_port": True}
        await self.app(scope, receive, send)


def listeners(api: FastAPI, emulator: Emulator) -> list[Listener]:
    port: Any = emulator.settings.spaces_port
    if not port:
        return []
    return [Listener("spaces", emulator.settings.host, port, _SpacesPort(api))]
