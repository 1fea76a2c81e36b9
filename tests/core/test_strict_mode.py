"""Strict mode: only known tokens, and each operation's scope enforced."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from emulator.core.config import Settings
from tests.conftest import Server, free_port, new_token, start_server


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    settings = Settings(
        port=free_port(),
        data_dir=tmp_path_factory.mktemp("strict"),
        auth_mode="strict",
        clock="instant",
    )
    uv, thread, app = start_server(settings)
    yield Server(f"http://127.0.0.1:{settings.port}", settings, app)
    uv.should_exit = True
    thread.join(10)


def make_token(server: Server, scopes: str | list[str], **extra: object) -> str:
    response = server.control(
        "POST", "/tokens", json={"name": "t", "scopes": scopes, **extra}
    )
    assert response.status_code == 201, response.text
    return response.json()["token"]


def call(
    server: Server, method: str, path: str, token: str | None, **kwargs: object
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.request(
        method, f"{server.url}{path}", headers=headers, timeout=10, **kwargs
    )


def test_unknown_token_is_401(strict: Server) -> None:
    response = call(strict, "GET", "/v2/account", new_token())

    assert response.status_code == 401
    assert response.json()["id"] == "unauthorized"


def test_created_token_has_the_pat_prefix(strict: Server) -> None:
    assert make_token(strict, "read write").startswith("dop_v1_")


def test_full_access_token_reads_and_writes(strict: Server) -> None:
    token = make_token(strict, "read write")

    assert call(strict, "GET", "/v2/account", token).status_code == 200
    created = call(strict, "POST", "/v2/tags", token, json={"name": "strict-ok"})
    assert created.status_code == 201, created.text


def test_read_only_token_cannot_write(strict: Server) -> None:
    token = make_token(strict, "read")

    listed = call(strict, "GET", "/v2/tags", token)
    refused = call(strict, "POST", "/v2/tags", token, json={"name": "nope"})

    assert listed.status_code == 200
    assert refused.status_code == 403
    assert refused.json()["id"] == "forbidden"
    assert call(strict, "GET", "/v2/tags", token).json()["tags"] == []


def test_custom_scopes_allow_only_what_they_name(strict: Server) -> None:
    token = make_token(strict, ["tag:read", "tag:create"])

    assert (
        call(strict, "POST", "/v2/tags", token, json={"name": "custom"}).status_code
        == 201
    )
    assert call(strict, "GET", "/v2/tags", token).status_code == 200
    assert call(strict, "GET", "/v2/account", token).status_code == 403
    assert call(strict, "DELETE", "/v2/tags/custom", token).status_code == 403


def test_tokens_of_one_tenant_share_its_state(strict: Server) -> None:
    first = make_token(strict, "read write")
    tenant = call(strict, "GET", "/_emulator/whoami", first).json()["tenant_id"]
    second = make_token(strict, "read", tenant_id=tenant)

    call(strict, "POST", "/v2/tags", first, json={"name": "shared"})

    names = [t["name"] for t in call(strict, "GET", "/v2/tags", second).json()["tags"]]
    assert names == ["shared"]


def test_revoked_token_stops_working(strict: Server) -> None:
    token = make_token(strict, "read write")

    strict.control("DELETE", "/tokens", json={"token": token})

    assert call(strict, "GET", "/v2/account", token).status_code == 401


def test_expired_token_is_401(strict: Server) -> None:
    token = make_token(strict, "read write", expires_in=60)
    assert call(strict, "GET", "/v2/account", token).status_code == 200

    strict.control("POST", "/clock", json={"advance": 61})

    assert call(strict, "GET", "/v2/account", token).status_code == 401


def test_unknown_scope_word_is_refused(strict: Server) -> None:
    response = strict.control(
        "POST", "/tokens", json={"scopes": ["droplet:read", "bogus"]}
    )

    assert response.status_code == 422
    assert response.json()["id"] == "unprocessable_entity"
