"""Emulators whose metadata listener runs beside the main port, in one event loop.

The session `server` of tests/conftest.py serves only the main port. These
tests also need the listener, and both must share one loop (they share one
store), so `run_emulator` starts every listener of an app the way
`do-emulator serve` does, in a thread, and stops them after.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn

from emulator.app import create_app, listeners
from emulator.core.config import Settings
from emulator.listeners import Listener, bind, server_for
from tests.conftest import Server, free_port


@dataclass
class Running:
    server: Server
    listeners: list[Listener]
    servers: list[uvicorn.Server] = field(default_factory=list)
    thread: threading.Thread | None = None

    def stop(self) -> None:
        for server in self.servers:
            server.should_exit = True
        if self.thread is not None:
            self.thread.join(10)


def run_emulator(**overrides: Any) -> Running:
    """An emulator (in memory, instant clock unless overridden) serving all its listeners."""
    given: dict[str, Any] = {"in_memory": True, "clock": "instant", **overrides}
    settings = Settings(port=free_port(), **given)
    app = create_app(settings)
    chosen = listeners(app, settings)
    running = Running(
        Server(f"http://127.0.0.1:{settings.port}", settings, app), chosen
    )
    sockets = [bind(listener) for listener in chosen]
    if any(sock is None for sock in sockets):
        for sock in sockets:
            if sock is not None:
                sock.close()
        raise RuntimeError("a listener of the test emulator could not bind")
    running.servers = [server_for(item, log_level="warning") for item in chosen]

    async def serve() -> None:
        await asyncio.gather(
            *(
                server.serve(sockets=[sock])
                for server, sock in zip(running.servers, sockets, strict=True)
            )
        )

    running.thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    running.thread.start()
    deadline = time.monotonic() + 15
    while not all(server.started for server in running.servers):
        if time.monotonic() > deadline or not running.thread.is_alive():
            running.stop()
            raise RuntimeError("the test emulator did not start")
        time.sleep(0.01)
    return running


@pytest.fixture(scope="module")
def listening() -> Iterator[Running]:
    """An emulator whose metadata listener is on 127.0.0.2 (any 127/8 address is local)."""
    running = run_emulator(metadata_address=f"127.0.0.2:{free_port()}")
    yield running
    running.stop()
