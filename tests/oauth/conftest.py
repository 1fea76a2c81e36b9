"""Fixtures for the OAuth surface: registered apps, a consent helper, special servers.

Each test registers its own app (with its own redirect URI) on the session
server, so tests share nothing. Servers with other OAuth settings (auto-approve,
an apps file, strict mode) are started by the tests that need them.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from emulator.core.config import Settings
from tests.conftest import Server, free_port, start_server

StartEmulator = Callable[..., Server]


@pytest.fixture(autouse=True)
def _plain_http_oauth(monkeypatch: pytest.MonkeyPatch) -> None:
    # oauthlib refuses http:// unless told this is a test.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


def register(server: Server, **extra: Any) -> dict[str, Any]:
    body = {
        "name": "Droplet Dashboard",
        "redirect_uri": f"http://127.0.0.1:9/callback/{secrets.token_hex(4)}",
        **extra,
    }
    response = server.control("POST", "/oauth/apps", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


@pytest.fixture
def oauth_app(server: Server) -> dict[str, Any]:
    """A confidential app: client_id, client_secret, redirect_uri."""
    return register(server)


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def fragment_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).fragment).items()}


def authorize_params(app: dict[str, Any], **extra: str) -> dict[str, str]:
    return {
        "client_id": app["client_id"],
        "redirect_uri": app["redirect_uri"],
        "response_type": "code",
        "scope": "read write",
        "state": "s-" + secrets.token_hex(4),
        **extra,
    }


def consent(
    server: Server, params: dict[str, str], decision: str = "approve", **form: str
) -> httpx.Response:
    """Show the consent page, then post its form back as the browser would."""
    page = httpx.get(f"{server.url}/v1/oauth/authorize", params=params, timeout=10)
    assert page.status_code == 200, page.text
    return httpx.post(
        f"{server.url}/v1/oauth/authorize",
        data={**params, "decision": decision, **form},
        timeout=10,
    )


@pytest.fixture
def approve(server: Server) -> Callable[..., str]:
    """Approve an authorize request; returns the code."""

    def run(app: dict[str, Any], **extra: str) -> str:
        params = authorize_params(app, **extra)
        answer = consent(server, params)
        assert answer.status_code == 302, answer.text
        found = query_of(answer.headers["location"])
        assert found["state"] == params["state"]
        return found["code"]

    return run


def exchange(
    server: Server, app: dict[str, Any], code: str, **extra: str
) -> httpx.Response:
    return httpx.post(
        f"{server.url}/v1/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "redirect_uri": app["redirect_uri"],
            **extra,
        },
        timeout=10,
    )


@pytest.fixture
def tokens(
    server: Server, oauth_app: dict[str, Any], approve: Callable[..., str]
) -> dict[str, Any]:
    """A token answer for a full-access grant to `oauth_app`."""
    answer = exchange(server, oauth_app, approve(oauth_app))
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


@pytest.fixture
def start_emulator() -> Iterator[StartEmulator]:
    """Start extra emulators with other settings; all are stopped after the test."""
    running: list[Any] = []

    def start(**settings: Any) -> Server:
        options = {"in_memory": True, "clock": "instant", **settings}
        config = Settings(port=free_port(), **options)
        uv, thread, app = start_server(config)
        running.append((uv, thread))
        return Server(f"http://127.0.0.1:{config.port}", config, app)

    yield start
    for uv, thread in running:
        uv.should_exit = True
        thread.join(10)
