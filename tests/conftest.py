"""A real emulator on a real socket for the whole session, and clients for it.

Isolation is by tenant, not by reset: every test gets its own bearer token, so
its own empty account. The server runs with the instant clock (actions complete
on the next request); `frozen_clock` freezes it for a test and restores it.
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pydo
import pytest
import uvicorn
from azure.core.pipeline.policies import HeadersPolicy

from emulator.app import create_app
from emulator.core.config import Settings


@dataclass
class Server:
    url: str
    settings: Settings
    app: Any

    def control(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(
            method, f"{self.url}/_emulator{path}", timeout=10, **kwargs
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    settings: Settings, app: Any = None
) -> tuple[uvicorn.Server, threading.Thread, Any]:
    """Run the emulator (or `app`, made by create_app) until `server.should_exit` is set."""
    app = app or create_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        access_log=False,
        **(
            {
                "ssl_certfile": str(settings.tls_cert),
                "ssl_keyfile": str(settings.tls_key),
            }
            if settings.tls
            else {}
        ),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the emulator did not start")
        time.sleep(0.01)
    return server, thread, app


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir: Path = tmp_path_factory.mktemp("emulator")
    settings = Settings(port=free_port(), data_dir=data_dir, clock="instant")
    uv, thread, app = start_server(settings)
    yield Server(f"http://127.0.0.1:{settings.port}", settings, app)
    uv.should_exit = True
    thread.join(10)


def new_token() -> str:
    return "dop_v1_" + secrets.token_hex(32)


@pytest.fixture
def token() -> str:
    return new_token()


def pydo_client(server: Server, token: str) -> pydo.Client:
    """pydo against plain HTTP: its bearer policy insists on HTTPS, so send the header ourselves."""
    return pydo.Client(
        token,
        endpoint=server.url,
        authentication_policy=HeadersPolicy({"Authorization": f"Bearer {token}"}),
        retry_total=0,
    )


@pytest.fixture
def do(server: Server, token: str) -> pydo.Client:
    """pydo for a fresh, empty account."""
    return pydo_client(server, token)


@pytest.fixture
def make_client(server: Server) -> Callable[[], pydo.Client]:
    """More pydo clients, each its own account."""
    return lambda: pydo_client(server, new_token())


@pytest.fixture
def api(server: Server, token: str) -> Iterator[httpx.Client]:
    """Plain HTTP for what pydo cannot send: bad bodies, odd headers."""
    with httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=10
    ) as client:
        yield client


@pytest.fixture
def frozen_clock(server: Server) -> Iterator[Callable[[float], None]]:
    """Freeze the clock for this test; call the fixture to advance it."""
    server.control("POST", "/clock", json={"mode": "frozen"}).raise_for_status()

    def advance(seconds: float) -> None:
        server.control("POST", "/clock", json={"advance": seconds}).raise_for_status()

    yield advance
    # Back to wall time too: later tests (and JWTs checked by real clocks) expect it.
    server.control(
        "POST", "/clock", json={"mode": "instant", "reset": True}
    ).raise_for_status()
