"""The consent page in a real headless Chromium: a person clicks Approve, or Deny.

Playwright (the Python package; its bundled driver, no browser download) drives
Debian's /usr/bin/chromium. The app's callback URL is answered inside the
browser by a route handler, as the app's own server would answer it. Skipped,
with the reason, where Playwright or Chromium is not installed (.ci/run installs
both).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.conftest import Server
from tests.oauth.conftest import authorize_params, exchange, query_of, register

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed"
)
if not shutil.which(CHROMIUM):
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    yield context.new_page()
    context.close()


def open_consent(
    page: Any, server: Server, app: dict[str, Any], **extra: str
) -> dict[str, str]:
    """Go to the authorize URL with the app's callback answered by the browser."""
    page.route(
        f"{app['redirect_uri']}**",
        lambda route: route.fulfill(
            status=200, content_type="text/html", body="<p id=done>back in the app</p>"
        ),
    )
    params = authorize_params(app, **extra)
    page.goto(f"{server.url}/v1/oauth/authorize?{urlencode(params)}")
    return params


def test_click_approve_returns_a_code_the_app_exchanges(
    server: Server, page: Any
) -> None:
    app = register(server, name="Chromium Dashboard")
    params = open_consent(page, server, app, scope="droplet:read tag:read")

    shown_name = page.text_content("#app-name")
    shown_scopes = page.inner_text("#scopes")
    page.click("button.approve")
    page.wait_for_selector("#done")
    found = query_of(page.url)
    issued = exchange(server, app, found["code"])
    account = httpx.get(
        f"{server.url}/v2/droplets",
        headers={"Authorization": f"Bearer {issued.json()['access_token']}"},
    )

    assert shown_name == "Chromium Dashboard"
    assert "droplet: read" in shown_scopes and "tag: read" in shown_scopes
    assert page.url.startswith(app["redirect_uri"] + "?")
    assert found["state"] == params["state"]
    assert issued.status_code == 200 and account.status_code == 200


def test_click_deny_returns_access_denied_and_no_code(
    server: Server, page: Any
) -> None:
    app = register(server, name="Chromium Dashboard")
    params = open_consent(page, server, app)

    page.click("button.deny")
    page.wait_for_selector("#done")
    found = query_of(page.url)

    assert found["error"] == "access_denied" and found["state"] == params["state"]
    assert "code" not in found


def test_signing_in_with_a_personal_access_token_in_the_browser(
    server: Server, page: Any, token: str
) -> None:
    app = register(server)
    mine = httpx.get(
        f"{server.url}/v2/account", headers={"Authorization": f"Bearer {token}"}
    ).json()["account"]
    open_consent(page, server, app)

    page.fill("#login_token", token)
    page.click("button.approve")
    page.wait_for_selector("#done")
    issued = exchange(server, app, query_of(page.url)["code"]).json()

    assert issued["info"]["uuid"] == mine["uuid"]


def test_unregistered_redirect_uri_stays_on_an_error_page(
    server: Server, page: Any
) -> None:
    app = register(server)
    params = authorize_params(app, redirect_uri="https://evil.example/steal")

    response = page.goto(f"{server.url}/v1/oauth/authorize?{urlencode(params)}")

    assert response.status == 400
    assert page.url.startswith(server.url)
    assert page.text_content("#error") == "The redirect uri included is not valid."
