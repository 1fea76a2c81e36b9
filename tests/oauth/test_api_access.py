"""OAuth tokens on the REST API: scopes, revoke, forgeries, expiry, restarts."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import jwt
import orjson
import pytest
from azure.core.exceptions import HttpResponseError

from emulator.core.config import Settings
from tests.conftest import Server, free_port, new_token, pydo_client, start_server
from tests.oauth.conftest import (
    StartEmulator,
    authorize_params,
    consent,
    exchange,
    query_of,
    register,
)

SSH_KEY = {
    "name": "laptop",
    "public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOvcyU4wWZdBIPOVBWvsqhVm6K4gKUtTz5xjA4fdMLVD sammy@laptop",
}
UNAUTHORIZED = {"id": "unauthorized", "message": "Unable to authenticate you."}


def grant(server: Server, app: dict[str, Any], **params: str) -> dict[str, Any]:
    answer = consent(server, authorize_params(app, **params))
    code = query_of(answer.headers["location"])["code"]
    issued = exchange(server, app, code)
    assert issued.status_code == 200, issued.text
    return dict(issued.json())


def call(
    server: Server,
    token: str,
    method: str = "GET",
    path: str = "/v2/account",
    **kwargs: Any,
) -> httpx.Response:
    return httpx.request(
        method,
        f"{server.url}{path}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
        **kwargs,
    )


def assert_unauthorized(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    body = response.json()
    assert {"id": body["id"], "message": body["message"]} == UNAUTHORIZED


def revoke(server: Server, bearer: str, target: str) -> httpx.Response:
    return httpx.post(
        f"{server.url}/v1/oauth/revoke",
        params={"token": target},
        headers={"Authorization": f"Bearer {bearer}"},
        timeout=10,
    )


def test_pydo_with_an_oauth_token_acts_for_the_approving_account(
    server: Server, oauth_app: dict[str, Any]
) -> None:
    personal = new_token()
    issued = grant(
        server, oauth_app, login_hint=call(server, personal).json()["account"]["email"]
    )
    do = pydo_client(server, issued["access_token"])

    created = do.ssh_keys.create(body=SSH_KEY)["ssh_key"]
    seen_by_owner = pydo_client(server, personal).ssh_keys.list()["ssh_keys"]

    assert [key["id"] for key in seen_by_owner] == [created["id"]]


def test_read_scope_token_reads_but_cannot_write(
    server: Server, oauth_app: dict[str, Any]
) -> None:
    issued = grant(server, oauth_app, scope="read")

    listed = call(server, issued["access_token"], path="/v2/account/keys")
    created = call(
        server, issued["access_token"], "POST", "/v2/account/keys", json=SSH_KEY
    )
    after = call(server, issued["access_token"], path="/v2/account/keys")

    assert listed.status_code == 200
    assert created.status_code == 403 and created.json()["id"] == "forbidden"
    assert after.json()["ssh_keys"] == []


def test_custom_scopes_are_enforced_per_operation(
    server: Server, oauth_app: dict[str, Any]
) -> None:
    issued = grant(server, oauth_app, scope="ssh_key:read ssh_key:create")
    token = issued["access_token"]

    created = call(server, token, "POST", "/v2/account/keys", json=SSH_KEY)
    listed = call(server, token, path="/v2/account/keys")
    droplets = call(server, token, path="/v2/droplets")
    removed = call(
        server, token, "DELETE", f"/v2/account/keys/{created.json()['ssh_key']['id']}"
    )

    assert (created.status_code, listed.status_code) == (201, 200)
    assert droplets.status_code == 403 and removed.status_code == 403
    assert len(call(server, token, path="/v2/account/keys").json()["ssh_keys"]) == 1


def test_revoke_stops_the_access_token_and_its_refresh_token(
    server: Server, tokens: dict[str, Any]
) -> None:
    answer = revoke(server, tokens["access_token"], tokens["access_token"])
    refreshed = httpx.post(
        f"{server.url}/v1/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
    )

    assert (answer.status_code, answer.json()) == (200, {})
    assert_unauthorized(call(server, tokens["access_token"]))
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"


def test_revoking_the_refresh_token_stops_its_access_token(
    server: Server, tokens: dict[str, Any]
) -> None:
    answer = revoke(server, tokens["access_token"], tokens["refresh_token"])

    assert answer.status_code == 200
    assert_unauthorized(call(server, tokens["access_token"]))


def test_revoke_twice_and_unknown_tokens_answer_ok(
    server: Server, tokens: dict[str, Any]
) -> None:
    revoke(server, tokens["access_token"], tokens["access_token"])

    again = revoke(server, tokens["access_token"], tokens["access_token"])
    unknown = revoke(server, new_token(), "doo_v1_" + "0" * 64)

    assert (again.status_code, unknown.status_code) == (200, 200)


def test_revoke_with_client_credentials_in_the_form(
    server: Server, oauth_app: dict[str, Any], tokens: dict[str, Any]
) -> None:
    answer = httpx.post(
        f"{server.url}/v1/oauth/revoke",
        data={
            "token": tokens["access_token"],
            "client_id": oauth_app["client_id"],
            "client_secret": oauth_app["client_secret"],
        },
    )

    assert answer.status_code == 200
    assert_unauthorized(call(server, tokens["access_token"]))


def test_revoke_without_credentials_or_token_is_refused(
    server: Server, tokens: dict[str, Any]
) -> None:
    anonymous = httpx.post(
        f"{server.url}/v1/oauth/revoke", data={"token": tokens["access_token"]}
    )
    empty = revoke(server, tokens["access_token"], "")

    assert (
        anonymous.status_code == 401 and anonymous.json()["error"] == "invalid_client"
    )
    assert empty.status_code == 400 and empty.json()["error"] == "invalid_request"
    assert call(server, tokens["access_token"]).status_code == 200


def _segments(token: str) -> list[str]:
    return token.removeprefix("doo_v1_").split(".")


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(data)).rstrip(b"=").decode()


def _payload(token: str) -> dict[str, Any]:
    return dict(
        jwt.decode(token.removeprefix("doo_v1_"), options={"verify_signature": False})
    )


@pytest.mark.parametrize(
    "forgery", ["payload", "signature", "alg-none", "hs256", "refresh-as-access"]
)
def test_forged_tokens_are_unauthorized(
    server: Server, server_public_pem: bytes, tokens: dict[str, Any], forgery: str
) -> None:
    header, payload, signature = _segments(tokens["access_token"])
    claims = _payload(tokens["access_token"])
    if forgery == "payload":
        forged = f"{header}.{_b64({**claims, 'scope': 'write'})}.{signature}"
    elif forgery == "signature":
        forged = f"{header}.{payload}.{signature[:-6]}AAAAAA"
    elif forgery == "alg-none":
        forged = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}."
    elif forgery == "hs256":
        forged = _hs256(claims, server_public_pem)
    else:
        forged = tokens["refresh_token"].removeprefix("dor_v1_")

    answer = call(server, "doo_v1_" + forged)

    assert_unauthorized(answer)


def _hs256(claims: dict[str, Any], key: bytes) -> str:
    """HS256 keyed with the public key: the classic algorithm-confusion forgery."""
    import hashlib
    import hmac

    signing_input = f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64(claims)}"
    mac = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


@pytest.fixture
def server_public_pem(server: Server) -> bytes:
    from cryptography.hazmat.primitives import serialization

    key = server.app.state.oauth.key.public_key
    return bytes(
        key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def test_refresh_token_is_not_a_bearer_token(
    server: Server, tokens: dict[str, Any]
) -> None:
    assert_unauthorized(call(server, tokens["refresh_token"]))


def test_prefixed_token_that_is_no_jwt_stays_a_permissive_account(
    server: Server,
) -> None:
    # Test suites name their accounts freely; only prefixed JWTs are OAuth's.
    assert call(server, "doo_v1_" + "ab" * 32).status_code == 200


def test_expired_access_token_is_unauthorized(start_emulator: StartEmulator) -> None:
    emulator = start_emulator(clock="frozen")
    issued = grant(emulator, register(emulator))

    emulator.control("POST", "/clock", json={"advance": 2592000 - 5}).raise_for_status()
    still = call(emulator, issued["access_token"])
    emulator.control("POST", "/clock", json={"advance": 10}).raise_for_status()

    assert still.status_code == 200
    assert_unauthorized(call(emulator, issued["access_token"]))


def test_strict_mode_accepts_oauth_tokens(start_emulator: StartEmulator) -> None:
    emulator = start_emulator(auth_mode="strict")
    issued = grant(emulator, register(emulator), scope="read")

    assert call(emulator, issued["access_token"]).status_code == 200
    assert_unauthorized(call(emulator, new_token()))


def test_tokens_apps_and_revocations_survive_a_restart(tmp_path: Path) -> None:
    def boot() -> tuple[Server, Callable[[], None]]:
        settings = Settings(port=free_port(), data_dir=tmp_path, clock="instant")
        uv, thread, app = start_server(settings)

        def stop() -> None:
            uv.should_exit = True
            thread.join(10)

        return Server(f"http://127.0.0.1:{settings.port}", settings, app), stop

    first, stop = boot()
    app = register(first)
    kept, dropped = grant(first, app), grant(first, app)
    revoke(first, dropped["access_token"], dropped["access_token"])
    kid = httpx.get(f"{first.url}/.well-known/jwks.json").json()["keys"][0]["kid"]
    stop()

    second, stop = boot()
    try:
        assert call(second, kept["access_token"]).status_code == 200
        assert_unauthorized(call(second, dropped["access_token"]))
        assert (
            httpx.get(f"{second.url}/.well-known/jwks.json").json()["keys"][0]["kid"]
            == kid
        )
        assert grant(second, app)["info"]["uuid"] == kept["info"]["uuid"]
        assert (tmp_path / "oauth" / "signing-key.pem").stat().st_mode & 0o777 == 0o600
    finally:
        stop()


def test_pydo_error_for_revoked_token(server: Server, tokens: dict[str, Any]) -> None:
    revoke(server, tokens["access_token"], tokens["access_token"])

    with pytest.raises(HttpResponseError) as raised:
        pydo_client(server, tokens["access_token"]).account.get()

    assert raised.value.status_code == 401


def test_reset_of_the_emulator_ends_oauth_tokens_and_keeps_apps(
    start_emulator: StartEmulator,
) -> None:
    emulator = start_emulator()
    app = register(emulator)
    before = grant(emulator, app)

    emulator.control("POST", "/reset").raise_for_status()
    after = grant(emulator, app)

    assert_unauthorized(call(emulator, before["access_token"]))
    assert call(emulator, after["access_token"]).status_code == 200
    assert after["info"]["uuid"] != before["info"]["uuid"]
