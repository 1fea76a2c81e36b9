"""OAuth apps: the control-plane registration and the apps file read at start."""

from __future__ import annotations

from pathlib import Path

import httpx
import orjson
import pytest

from tests.conftest import Server
from tests.oauth.conftest import (
    StartEmulator,
    authorize_params,
    exchange,
    query_of,
    register,
)


def test_register_app_answers_credentials_once(server: Server) -> None:
    created = register(server, name="Fleet Console")

    listed = server.control("GET", "/oauth/apps").json()["apps"]

    assert len(created["client_id"]) == 64 and len(created["client_secret"]) == 64
    assert created["name"] == "Fleet Console" and created["public"] is False
    mine = [app for app in listed if app["client_id"] == created["client_id"]]
    assert mine and "client_secret" not in mine[0]


def test_register_app_with_chosen_credentials(server: Server) -> None:
    created = register(server, client_id="my-client-0001", client_secret="s3cret-value")

    assert (created["client_id"], created["client_secret"]) == (
        "my-client-0001",
        "s3cret-value",
    )


def test_register_public_app_has_no_secret(server: Server) -> None:
    created = register(server, public=True)

    assert created["public"] is True and created["client_secret"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"name": "No redirect"},
        {"redirect_uri": "http://127.0.0.1:9/cb"},
        {"name": "Relative", "redirect_uri": "/callback"},
        {"name": "", "redirect_uri": "http://127.0.0.1:9/cb"},
        {"name": "Bad id", "redirect_uri": "http://127.0.0.1:9/cb", "client_id": "a b"},
    ],
)
def test_register_app_with_bad_body_is_refused(
    server: Server, body: dict[str, str]
) -> None:
    before = len(server.control("GET", "/oauth/apps").json()["apps"])

    response = server.control("POST", "/oauth/apps", json=body)

    assert response.status_code == 422
    assert response.json()["id"] == "unprocessable_entity"
    assert len(server.control("GET", "/oauth/apps").json()["apps"]) == before


def test_apps_file_registers_apps_at_start(
    start_emulator: StartEmulator, tmp_path: Path
) -> None:
    apps_file = tmp_path / "apps.json"
    apps_file.write_bytes(
        orjson.dumps(
            [
                {
                    "name": "From File",
                    "redirect_uri": "http://127.0.0.1:9/file-cb",
                    "client_id": "file-client-1",
                    "client_secret": "file-secret-1",
                }
            ]
        )
    )
    emulator = start_emulator(oauth_apps_file=apps_file, oauth_auto_approve=True)
    app = {
        "client_id": "file-client-1",
        "client_secret": "file-secret-1",
        "redirect_uri": "http://127.0.0.1:9/file-cb",
    }

    redirected = httpx.get(
        f"{emulator.url}/v1/oauth/authorize", params=authorize_params(app)
    )
    answer = exchange(emulator, app, query_of(redirected.headers["location"])["code"])

    assert redirected.status_code == 302
    assert answer.status_code == 200 and answer.json()["token_type"] == "bearer"


def test_apps_file_entry_without_secret_stops_the_start(tmp_path: Path) -> None:
    from emulator.app import create_app
    from emulator.core.config import Settings

    apps_file = tmp_path / "apps.json"
    apps_file.write_bytes(
        orjson.dumps([{"name": "Half", "redirect_uri": "http://127.0.0.1:9/cb"}])
    )

    with pytest.raises(ValueError, match="client_id and client_secret"):
        create_app(Settings(in_memory=True, oauth_apps_file=apps_file))
