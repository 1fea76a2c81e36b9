"""`/v1/oauth/token`: the code flow run by requests-oauthlib, refresh, and every refusal."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth2Session

from tests.conftest import Server
from tests.oauth.conftest import StartEmulator, exchange, query_of, register

INVALID_GRANT = "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."


def click_approve(
    server: Server, authorization_url: str, decision: str = "approve"
) -> str:
    """Load the consent page and submit its form as a browser would; the redirect."""
    page = httpx.get(authorization_url, timeout=10)
    assert page.status_code == 200, page.text
    fields = dict(
        re.findall(r'<input type=hidden name="([^"]+)" value="([^"]*)">', page.text)
    )
    fields = {k: v.replace("&amp;", "&") for k, v in fields.items()}
    answer = httpx.post(
        f"{server.url}/v1/oauth/authorize",
        data={**fields, "decision": decision},
        timeout=10,
    )
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def token_request(server: Server, **kwargs: Any) -> httpx.Response:
    return httpx.post(f"{server.url}/v1/oauth/token", timeout=10, **kwargs)


def bearer_get(server: Server, token: str, path: str = "/v2/account") -> httpx.Response:
    return httpx.get(
        f"{server.url}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )


def assert_oauth_error(response: httpx.Response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error and body["error_description"]
    assert "access_token" not in body


def pkce_pair(method: str = "S256") -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    if method == "plain":
        return verifier, verifier
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_code_flow_with_requests_oauthlib_and_http_basic(
    server: Server, oauth_app: dict[str, Any]
) -> None:
    session = OAuth2Session(
        oauth_app["client_id"],
        redirect_uri=oauth_app["redirect_uri"],
        scope=["read", "write"],
    )
    url, state = session.authorization_url(f"{server.url}/v1/oauth/authorize")

    location = click_approve(server, url)
    token = session.fetch_token(
        f"{server.url}/v1/oauth/token",
        authorization_response=location,
        auth=HTTPBasicAuth(oauth_app["client_id"], oauth_app["client_secret"]),
    )
    account = session.get(f"{server.url}/v2/account").json()["account"]

    assert query_of(location)["state"] == state
    assert token["access_token"].startswith("doo_v1_")
    assert token["refresh_token"].startswith("dor_v1_")
    assert (token["token_type"], token["expires_in"]) == ("bearer", 2592000)
    assert token["scope"] == ["read", "write"]
    assert set(token["info"]) == {"name", "email", "uuid", "team_uuid", "team_name"}
    assert account["uuid"] == token["info"]["uuid"]


def test_code_flow_with_pkce_s256_and_secret_in_body(
    server: Server, oauth_app: dict[str, Any]
) -> None:
    session = OAuth2Session(
        oauth_app["client_id"],
        redirect_uri=oauth_app["redirect_uri"],
        scope=["droplet:read", "ssh_key:read"],
        pkce="S256",
    )
    url, _ = session.authorization_url(f"{server.url}/v1/oauth/authorize")

    assert "code_challenge_method=S256" in url
    token = session.fetch_token(
        f"{server.url}/v1/oauth/token",
        authorization_response=click_approve(server, url),
        client_secret=oauth_app["client_secret"],
        include_client_id=True,
    )

    assert token["scope"] == ["droplet:read", "ssh_key:read"]
    assert session.get(f"{server.url}/v2/droplets").status_code == 200


def test_code_flow_with_pkce_plain(
    server: Server, oauth_app: dict[str, Any], approve: Callable[..., str]
) -> None:
    verifier, challenge = pkce_pair("plain")
    code = approve(oauth_app, code_challenge=challenge, code_challenge_method="plain")

    answer = exchange(server, oauth_app, code, code_verifier=verifier)

    assert answer.status_code == 200


def test_refresh_with_requests_oauthlib_rotates_both_tokens(
    server: Server, oauth_app: dict[str, Any], tokens: dict[str, Any]
) -> None:
    session = OAuth2Session(oauth_app["client_id"], token=tokens)

    fresh = session.refresh_token(
        f"{server.url}/v1/oauth/token",
        auth=HTTPBasicAuth(oauth_app["client_id"], oauth_app["client_secret"]),
    )
    replay = token_request(
        server,
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
    )

    assert fresh["access_token"] != tokens["access_token"]
    assert fresh["refresh_token"] != tokens["refresh_token"]
    assert fresh["info"]["uuid"] == tokens["info"]["uuid"]
    assert bearer_get(server, fresh["access_token"]).status_code == 200
    assert bearer_get(server, tokens["access_token"]).status_code == 401
    assert_oauth_error(replay, 400, "invalid_grant")


def test_refresh_with_only_the_refresh_token_in_the_query(
    server: Server, tokens: dict[str, Any]
) -> None:
    # DigitalOcean's docs: POST /v1/oauth/token?grant_type=refresh_token&refresh_token=...
    answer = token_request(
        server,
        params={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
        },
    )

    assert answer.status_code == 200 and answer.json()["scope"] == "read write"


def test_client_credentials_in_the_query_string(
    server: Server, oauth_app: dict[str, Any], approve: Callable[..., str]
) -> None:
    params = {
        "grant_type": "authorization_code",
        "code": approve(oauth_app),
        "client_id": oauth_app["client_id"],
        "client_secret": oauth_app["client_secret"],
        "redirect_uri": oauth_app["redirect_uri"],
    }

    answer = token_request(server, params=params)

    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"


def test_json_body_is_accepted(
    server: Server, oauth_app: dict[str, Any], approve: Callable[..., str]
) -> None:
    body = {
        "grant_type": "authorization_code",
        "code": approve(oauth_app),
        "client_id": oauth_app["client_id"],
        "client_secret": oauth_app["client_secret"],
        "redirect_uri": oauth_app["redirect_uri"],
    }

    assert token_request(server, json=body).status_code == 200


def test_public_client_exchanges_with_pkce_and_no_secret(
    server: Server, approve: Callable[..., str]
) -> None:
    app = register(server, public=True)
    verifier, challenge = pkce_pair()
    code = approve(app, code_challenge=challenge, code_challenge_method="S256")

    answer = token_request(
        server,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": app["client_id"],
            "redirect_uri": app["redirect_uri"],
            "code_verifier": verifier,
        },
    )

    assert answer.status_code == 200


def test_public_client_without_pkce_is_refused(
    server: Server, approve: Callable[..., str]
) -> None:
    app = register(server, public=True)
    code = approve(app)

    answer = token_request(
        server,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": app["client_id"],
            "redirect_uri": app["redirect_uri"],
        },
    )

    assert_oauth_error(answer, 400, "invalid_grant")


def test_access_token_is_a_jwt_verifiable_with_the_jwks(
    server: Server, tokens: dict[str, Any]
) -> None:
    keys = jwt.PyJWKClient(f"{server.url}/.well-known/jwks.json")
    raw = tokens["access_token"].removeprefix("doo_v1_")

    claims = jwt.decode(
        raw, keys.get_signing_key_from_jwt(raw).key, algorithms=["RS256"]
    )

    assert claims["sub"] == tokens["info"]["uuid"]
    assert claims["scope"] == "read write" and claims["typ"] == "access"
    assert claims["exp"] - claims["iat"] == 2592000


def test_server_metadata_lists_the_endpoints(server: Server) -> None:
    metadata = httpx.get(f"{server.url}/.well-known/oauth-authorization-server").json()

    assert metadata["token_endpoint"] == f"{server.url}/v1/oauth/token"
    assert metadata["jwks_uri"] == f"{server.url}/.well-known/jwks.json"
    assert "S256" in metadata["code_challenge_methods_supported"]


def test_reused_code_is_refused_and_revokes_its_tokens(
    server: Server, oauth_app: dict[str, Any], approve: Callable[..., str]
) -> None:
    code = approve(oauth_app)
    first = exchange(server, oauth_app, code).json()

    replay = exchange(server, oauth_app, code)

    assert_oauth_error(replay, 400, "invalid_grant")
    assert replay.json()["error_description"] == INVALID_GRANT
    assert bearer_get(server, first["access_token"]).status_code == 401


def test_wrong_redirect_uri_is_refused_and_keeps_the_code(
    server: Server, oauth_app: dict[str, Any], approve: Callable[..., str]
) -> None:
    code = approve(oauth_app)

    wrong = exchange(
        server, oauth_app, code, redirect_uri="http://127.0.0.1:9/elsewhere"
    )
    right = exchange(server, oauth_app, code)

    assert_oauth_error(wrong, 400, "invalid_grant")
    assert right.status_code == 200


@pytest.mark.parametrize("verifier", ["wrong-" + "v" * 50, None])
def test_wrong_or_missing_pkce_verifier_is_refused(
    server: Server,
    oauth_app: dict[str, Any],
    approve: Callable[..., str],
    verifier: str | None,
) -> None:
    right, challenge = pkce_pair()
    code = approve(oauth_app, code_challenge=challenge, code_challenge_method="S256")

    extra = {"code_verifier": verifier} if verifier else {}
    refused = exchange(server, oauth_app, code, **extra)
    accepted = exchange(server, oauth_app, code, code_verifier=right)

    assert_oauth_error(refused, 400, "invalid_grant")
    assert accepted.status_code == 200


def test_verifier_for_a_code_without_challenge_is_refused(
    server: Server, oauth_app: dict[str, Any], approve: Callable[..., str]
) -> None:
    answer = exchange(server, oauth_app, approve(oauth_app), code_verifier="v" * 43)

    assert_oauth_error(answer, 400, "invalid_grant")


def test_wrong_secret_in_the_body_is_refused(
    server: Server, oauth_app: dict[str, Any], approve: Callable[..., str]
) -> None:
    code = approve(oauth_app)

    wrong = exchange(server, oauth_app, code, client_secret="not-the-secret")
    right = exchange(server, oauth_app, code)

    assert_oauth_error(wrong, 401, "invalid_client")
    assert right.status_code == 200


def test_wrong_secret_in_http_basic_is_refused(
    server: Server, oauth_app: dict[str, Any], approve: Callable[..., str]
) -> None:
    data = {
        "grant_type": "authorization_code",
        "code": approve(oauth_app),
        "redirect_uri": oauth_app["redirect_uri"],
    }

    answer = token_request(server, data=data, auth=(oauth_app["client_id"], "nope"))

    assert_oauth_error(answer, 401, "invalid_client")
    assert answer.headers["www-authenticate"].startswith("Basic")


@pytest.mark.parametrize(
    "header", ["Basic !!!", "Basic " + base64.b64encode(b"no-colon").decode()]
)
def test_malformed_http_basic_is_refused(server: Server, header: str) -> None:
    answer = token_request(
        server,
        data={"grant_type": "authorization_code", "code": "x"},
        headers={"Authorization": header},
    )

    assert_oauth_error(answer, 401, "invalid_client")


def test_unknown_client_is_refused(
    server: Server, oauth_app: dict[str, Any], approve: Callable[..., str]
) -> None:
    answer = exchange(server, oauth_app, approve(oauth_app), client_id="who-is-this")

    assert_oauth_error(answer, 401, "invalid_client")


def test_code_of_another_client_is_refused(
    server: Server, oauth_app: dict[str, Any], approve: Callable[..., str]
) -> None:
    other = register(server, redirect_uri=oauth_app["redirect_uri"])
    code = approve(oauth_app)

    stolen = exchange(server, other, code)

    assert_oauth_error(stolen, 400, "invalid_grant")
    assert exchange(server, oauth_app, code).status_code == 200


def test_expired_code_is_refused(start_emulator: StartEmulator) -> None:
    emulator = start_emulator(clock="frozen")
    app = register(emulator)
    page = httpx.post(
        f"{emulator.url}/v1/oauth/authorize",
        data={
            "client_id": app["client_id"],
            "redirect_uri": app["redirect_uri"],
            "response_type": "code",
            "decision": "approve",
        },
    )
    code = query_of(page.headers["location"])["code"]

    emulator.control("POST", "/clock", json={"advance": 601}).raise_for_status()
    answer = exchange(emulator, app, code)

    assert_oauth_error(answer, 400, "invalid_grant")


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, "invalid_request"),
        ({"grant_type": "authorization_code"}, "invalid_request"),
        ({"grant_type": "client_credentials"}, "unsupported_grant_type"),
        (
            {"grant_type": "password", "username": "a", "password": "b"},
            "unsupported_grant_type",
        ),
        ({"grant_type": "refresh_token"}, "invalid_request"),
    ],
)
def test_malformed_token_requests_are_refused(
    server: Server, oauth_app: dict[str, Any], data: dict[str, str], error: str
) -> None:
    auth = (oauth_app["client_id"], oauth_app["client_secret"])

    answer = token_request(server, data=data, auth=auth)

    assert_oauth_error(answer, 400, error)


def test_parameter_given_twice_with_different_values_is_refused(
    server: Server, oauth_app: dict[str, Any], approve: Callable[..., str]
) -> None:
    code = approve(oauth_app)

    answer = token_request(
        server,
        params={"code": "something-else"},
        data={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": oauth_app["client_id"],
            "client_secret": oauth_app["client_secret"],
            "redirect_uri": oauth_app["redirect_uri"],
        },
    )

    assert_oauth_error(answer, 400, "invalid_request")
    assert exchange(server, oauth_app, code).status_code == 200


@pytest.mark.parametrize("kind", ["access", "tampered", "other-client"])
def test_bad_refresh_tokens_are_refused(
    server: Server, tokens: dict[str, Any], kind: str
) -> None:
    data = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    auth = None
    if kind == "access":
        data["refresh_token"] = tokens["access_token"]
    elif kind == "tampered":
        data["refresh_token"] = tokens["refresh_token"][:-4] + "AAAA"
    else:
        other = register(server)
        auth = (other["client_id"], other["client_secret"])

    answer = token_request(server, data=data, auth=auth)

    assert_oauth_error(answer, 400, "invalid_grant")
    assert bearer_get(server, tokens["access_token"]).status_code == 200


def test_refresh_with_wrong_secret_is_refused(
    server: Server, oauth_app: dict[str, Any], tokens: dict[str, Any]
) -> None:
    answer = token_request(
        server,
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(oauth_app["client_id"], "wrong"),
    )

    assert_oauth_error(answer, 401, "invalid_client")
    assert bearer_get(server, tokens["access_token"]).status_code == 200


def test_refresh_endpoint_rotates_like_the_token_endpoint(
    server: Server, tokens: dict[str, Any]
) -> None:
    answer = httpx.post(
        f"{server.url}/v1/oauth/refresh",
        params={"refresh_token": tokens["refresh_token"]},
    )
    replay = httpx.post(
        f"{server.url}/v1/oauth/refresh",
        params={"refresh_token": tokens["refresh_token"]},
    )

    assert answer.status_code == 200
    assert answer.json()["refresh_token"] != tokens["refresh_token"]
    assert_oauth_error(replay, 400, "invalid_grant")


def test_refresh_endpoint_refuses_a_code_grant(
    server: Server, oauth_app: dict[str, Any], approve: Callable[..., str]
) -> None:
    code = approve(oauth_app)

    answer = httpx.post(
        f"{server.url}/v1/oauth/refresh",
        data={"grant_type": "authorization_code", "code": code},
        auth=(oauth_app["client_id"], oauth_app["client_secret"]),
    )

    assert_oauth_error(answer, 400, "unsupported_grant_type")
    assert exchange(server, oauth_app, code).status_code == 200
