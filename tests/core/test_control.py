"""The control plane: reset, tokens file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from emulator.core.config import Settings
from tests.conftest import Server, free_port, new_token, start_server


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[Server]:
    tokens = tmp_path / "tokens.json"
    tokens.write_text(
        json.dumps(
            [
                {
                    "token": "dop_v1_" + "a" * 64,
                    "scopes": "read write",
                    "tenant": "team",
                },
                {"token": "dop_v1_" + "b" * 64, "scopes": "read", "tenant": "team"},
            ]
        )
    )
    settings = Settings(
        port=free_port(),
        data_dir=tmp_path / "data",
        clock="instant",
        tokens_file=tokens,
    )
    uv, thread, app = start_server(settings)
    yield Server(f"http://127.0.0.1:{settings.port}", settings, app)
    uv.should_exit = True
    thread.join(10)


def tag_names(server: Server, token: str) -> list[str]:
    response = httpx.get(
        f"{server.url}/v2/tags", headers={"Authorization": f"Bearer {token}"}
    )
    return [t["name"] for t in response.json()["tags"]]


def make_tag(server: Server, token: str, name: str) -> None:
    response = httpx.post(
        f"{server.url}/v2/tags",
        json={"name": name},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.text


def test_tokens_file_entries_with_one_label_share_an_account(
    own_server: Server,
) -> None:
    make_tag(own_server, "dop_v1_" + "a" * 64, "from-file")

    assert tag_names(own_server, "dop_v1_" + "b" * 64) == ["from-file"]


def test_reset_of_one_tenant_leaves_the_others(own_server: Server) -> None:
    kept, cleared = new_token(), new_token()
    make_tag(own_server, kept, "kept")
    make_tag(own_server, cleared, "cleared")

    response = own_server.control("POST", "/reset", json={"token": cleared})

    assert response.status_code == 200
    assert tag_names(own_server, kept) == ["kept"]
    assert tag_names(own_server, cleared) == []


def test_reset_of_everything_empties_every_tenant(own_server: Server) -> None:
    token = new_token()
    make_tag(own_server, token, "gone")

    response = own_server.control("POST", "/reset")

    assert response.json() == {"reset": "all"}
    assert tag_names(own_server, token) == []


def test_reset_of_unknown_token_is_404(own_server: Server) -> None:
    response = own_server.control("POST", "/reset", json={"token": "nobody"})

    assert response.status_code == 404
    assert response.json()["id"] == "not_found"


def test_tokens_file_tokens_survive_a_reset(own_server: Server) -> None:
    own_server.control("POST", "/reset")

    response = httpx.get(
        f"{own_server.url}/_emulator/whoami",
        headers={"Authorization": "Bearer dop_v1_" + "b" * 64},
    )

    # Still the file's read-only token, not a fresh permissive one with full access.
    assert response.json()["scopes"] == ["*:read"]
