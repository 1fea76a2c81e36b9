"""Running the emulator: the main port, and the extra listeners surfaces ask for.

A surface (metadata, Spaces) may want a port of its own: the metadata service
on `169.254.169.254:80`, an optional separate Spaces port. Each is a `Listener`.
All of them run in one event loop and share one store. A listener that is
`required` (the main port) stops the start when it cannot bind; an optional one
is logged and left out, so an emulator without rights to a link-local address
still serves everything else.

    await serve_all(settings, app, [Listener("main", host, port, app, required=True)])
"""

from __future__ import annotations

import asyncio
import logging
import socket
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.types import ASGIApp

log = logging.getLogger(__name__)


@dataclass
class Listener:
    name: str
    host: str
    port: int
    app: ASGIApp
    required: bool = False
    ssl: dict[str, Any] = field(default_factory=dict)


def bind(listener: Listener) -> socket.socket | None:
    """An open socket for `listener`, or None (logged) when the address is refused."""
    family = socket.AF_INET6 if ":" in listener.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit it: an answer written as headers then body must
    # not wait for the client's delayed ACK (about 40 ms a small request).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((listener.host, listener.port))
    except OSError as exc:
        sock.close()
        if listener.required:
            raise SystemExit(
                f"do-emulator: cannot listen on {listener.host}:{listener.port}: {exc}"
            ) from exc
        log.warning(
            "%s: cannot listen on %s:%s (%s); it is not served",
            listener.name,
            listener.host,
            listener.port,
            exc.strerror or exc,
        )
        return None
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def server_for(listener: Listener, *, log_level: str) -> uvicorn.Server:
    config = uvicorn.Config(
        listener.app,
        access_log=False,
        log_level=log_level,
        server_header=False,
        # Clients keep connections alive; don't let them hold up a stop.
        timeout_graceful_shutdown=3,
        lifespan="on" if listener.required else "off",
        **listener.ssl,
    )
    return uvicorn.Server(config)


async def serve_all(listeners: list[Listener], *, log_level: str) -> None:
    """Serve every listener that can bind until the process is told to stop."""
    bound = [(listener, bind(listener)) for listener in listeners]
    servers = []
    for listener, sock in bound:
        if sock is None:
            continue
        log.info("%s listening on %s:%s", listener.name, listener.host, listener.port)
        server = server_for(listener, log_level=log_level)
        servers.append((server, sock))
    # uvicorn installs its signal handlers per server; the first one to see a
    # signal asks the others to stop too.
    tasks = [
        asyncio.create_task(server.serve(sockets=[sock])) for server, sock in servers
    ]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for server, _ in servers:
            server.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)
