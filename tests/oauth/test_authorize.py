"""`/v1/oauth/authorize`: the consent page, approve and deny, and what never redirects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.conftest import Server, new_token
from tests.oauth.conftest import (
    StartEmulator,
    authorize_params,
    consent,
    exchange,
    fragment_of,
    query_of,
    register,
)


def authorize(server: Server, params: dict[str, str]) -> httpx.Response:
    return httpx.get(f"{server.url}/v1/oauth/authorize", params=params, timeout=10)


def test_consent_page_names_the_app_and_its_scopes(
    server: Server, oauth_app: dict[str, Any]
) -> None:
    params = authorize_params(oauth_app, scope="droplet:read droplet:create")

    page = authorize(server, params)

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["x-frame-options"] == "DENY"
    assert "Droplet Dashboard" in page.text
    assert "droplet: read" in page.text and "droplet: create" in page.text
    assert "value=approve" in page.text and "value=deny" in page.text


def test_consent_page_escapes_the_app_name(server: Server) -> None:
    app = register(server, name="<script>alert(1)</script>")

    page = authorize(server, authorize_params(app))

    assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text


def test_approve_redirects_with_code_and_state(
    server: Server, oauth_app: dict[str, Any]
) -> None:
    params = authorize_params(oauth_app)

    answer = consent(server, params)

    location = answer.headers["location"]
    assert answer.status_code == 302
    assert location.startswith(oauth_app["redirect_uri"] + "?")
    found = query_of(location)
    assert found["state"] == params["state"] and len(found["code"]) == 64


def test_deny_redirects_with_access_denied(
    server: Server, oauth_app: dict[str, Any]
) -> None:
    params = authorize_params(oauth_app)

    answer = consent(server, params, decision="deny")

    found = query_of(answer.headers["location"])
    assert answer.status_code == 302
    assert found == {
        "error": "access_denied",
        "error_description": "The resource owner or authorization server denied the request.",
        "state": params["state"],
    }


def test_token_response_type_puts_the_token_in_the_fragment(
    server: Server, oauth_app: dict[str, Any]
) -> None:
    params = authorize_params(oauth_app, response_type="token", scope="read")

    answer = consent(server, params)
    found = fragment_of(answer.headers["location"])
    account = httpx.get(
        f"{server.url}/v2/account",
        headers={"Authorization": f"Bearer {found['access_token']}"},
    )

    assert found["access_token"].startswith("doo_v1_")
    assert (found["token_type"], found["expires_in"], found["state"]) == (
        "bearer",
        "2592000",
        params["state"],
    )
    assert "refresh_token" not in found
    assert account.status_code == 200


def test_redirect_uri_with_query_keeps_it(server: Server) -> None:
    app = register(server, redirect_uri="http://127.0.0.1:9/cb?tenant=blue")

    answer = consent(server, authorize_params(app))

    assert answer.headers["location"].startswith("http://127.0.0.1:9/cb?tenant=blue&")


def test_unknown_client_shows_error_page_without_redirect(
    server: Server, oauth_app: dict[str, Any]
) -> None:
    params = authorize_params(oauth_app, client_id="no-such-client")

    page = authorize(server, params)

    assert page.status_code == 401 and "location" not in page.headers
    assert "An error has occurred" in page.text and "unknown client" in page.text


@pytest.mark.parametrize(
    "redirect_uri",
    ["https://evil.example/steal", "http://127.0.0.1:9/callback/other", ""],
)
def test_unregistered_redirect_uri_shows_error_page_without_redirect(
    server: Server, oauth_app: dict[str, Any], redirect_uri: str
) -> None:
    params = authorize_params(oauth_app, redirect_uri=redirect_uri)

    page = authorize(server, params)
    posted = httpx.post(
        f"{server.url}/v1/oauth/authorize", data={**params, "decision": "approve"}
    )

    for answer in (page, posted):
        assert answer.status_code == 400 and "location" not in answer.headers
        assert "The redirect uri included is not valid." in answer.text


@pytest.mark.parametrize("scope", ["droplet:fly", "admin", "droplet:*", "read;drop"])
def test_unknown_scope_shows_error_page_without_redirect(
    server: Server, oauth_app: dict[str, Any], scope: str
) -> None:
    page = authorize(server, authorize_params(oauth_app, scope=scope))

    assert page.status_code == 400 and "location" not in page.headers
    assert "The requested scope is invalid, unknown, or malformed." in page.text


def test_unsupported_response_type_redirects_with_error(
    server: Server, oauth_app: dict[str, Any]
) -> None:
    params = authorize_params(oauth_app, response_type="id_token")

    answer = authorize(server, params)

    found = query_of(answer.headers["location"])
    assert answer.status_code == 302
    assert (found["error"], found["state"]) == (
        "unsupported_response_type",
        params["state"],
    )


@pytest.mark.parametrize(
    "pkce",
    [
        {"code_challenge": "x" * 43, "code_challenge_method": "S512"},
        {"code_challenge": "too-short", "code_challenge_method": "S256"},
        {"code_challenge_method": "S256"},
    ],
)
def test_bad_pkce_parameters_redirect_with_invalid_request(
    server: Server, oauth_app: dict[str, Any], pkce: dict[str, str]
) -> None:
    answer = authorize(server, authorize_params(oauth_app, **pkce))

    assert answer.status_code == 302
    assert query_of(answer.headers["location"])["error"] == "invalid_request"


def test_tampered_form_decision_is_refused(
    server: Server, oauth_app: dict[str, Any]
) -> None:
    params = authorize_params(oauth_app)

    answer = consent(server, params, decision="maybe")

    assert answer.status_code == 400 and "location" not in answer.headers


def test_demo_account_approves_when_nobody_signs_in(
    server: Server, oauth_app: dict[str, Any], approve: Callable[..., str]
) -> None:
    first = exchange(server, oauth_app, approve(oauth_app)).json()
    second = exchange(server, oauth_app, approve(oauth_app)).json()

    assert first["info"]["email"] == "sammy@example.com"
    assert first["info"]["uuid"] == second["info"]["uuid"]


def test_personal_access_token_on_the_form_picks_the_account(
    server: Server, oauth_app: dict[str, Any]
) -> None:
    personal = new_token()
    mine = httpx.get(
        f"{server.url}/v2/account", headers={"Authorization": f"Bearer {personal}"}
    ).json()["account"]
    params = authorize_params(oauth_app)

    answer = consent(server, params, login_token=personal)
    issued = exchange(server, oauth_app, query_of(answer.headers["location"])["code"])

    assert issued.json()["info"]["uuid"] == mine["uuid"]


def test_invalid_personal_access_token_on_the_form_shows_the_page_again(
    start_emulator: StartEmulator,
) -> None:
    strict = start_emulator(auth_mode="strict")
    app = register(strict)
    params = authorize_params(app)

    answer = consent(strict, params, login_token="dop_v1_" + "0" * 64)

    assert answer.status_code == 400 and "location" not in answer.headers
    assert "That personal access token is not valid." in answer.text


def test_login_hint_names_the_approving_account(
    server: Server, oauth_app: dict[str, Any]
) -> None:
    personal = new_token()
    mine = httpx.get(
        f"{server.url}/v2/account", headers={"Authorization": f"Bearer {personal}"}
    ).json()["account"]
    params = authorize_params(oauth_app, login_hint=mine["email"])

    page = authorize(server, params)
    answer = consent(server, params)
    issued = exchange(server, oauth_app, query_of(answer.headers["location"])["code"])

    assert f"Signed in as <b id=account>{mine['email']}</b>" in page.text
    assert issued.json()["info"]["uuid"] == mine["uuid"]


def test_unknown_login_hint_is_ignored(
    server: Server, oauth_app: dict[str, Any]
) -> None:
    # The real service takes no login_hint; apps that send one must still work.
    params = authorize_params(oauth_app, login_hint="somebody@gmail.com")

    page = authorize(server, params)
    answer = consent(server, params)
    issued = exchange(server, oauth_app, query_of(answer.headers["location"])["code"])

    assert page.status_code == 200 and "Not signed in" in page.text
    assert issued.json()["info"]["email"] == "sammy@example.com"


def test_prompt_none_without_a_session_answers_login_required(
    server: Server, oauth_app: dict[str, Any]
) -> None:
    answer = authorize(server, authorize_params(oauth_app, prompt="none"))

    assert query_of(answer.headers["location"])["error"] == "login_required"


def test_auto_approve_skips_the_consent_page(start_emulator: StartEmulator) -> None:
    emulator = start_emulator(oauth_auto_approve=True)
    app = register(emulator)

    answer = authorize(emulator, authorize_params(app))
    issued = exchange(emulator, app, query_of(answer.headers["location"])["code"])

    assert answer.status_code == 302
    assert issued.status_code == 200
    assert issued.json()["info"]["email"] == "sammy@example.com"


def test_auto_approve_with_prompt_none_redirects_with_a_code(
    start_emulator: StartEmulator,
) -> None:
    emulator = start_emulator(oauth_auto_approve=True)
    app = register(emulator)

    answer = authorize(emulator, authorize_params(app, prompt="none"))

    assert "code" in query_of(answer.headers["location"])
