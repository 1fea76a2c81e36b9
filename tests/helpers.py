"""Small helpers the test modules share: error assertions and scoped clients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from azure.core.exceptions import HttpResponseError


def assert_error(
    response: httpx.Response, status: int, error_id: str, words: str
) -> None:
    """A DigitalOcean error body with this status and id, whose message has `words`."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["id"] == error_id
    assert words in body["message"]


def refusal(call: Callable[[], Any]) -> tuple[int, dict[str, Any]]:
    """The status and error body of a pydo call that must fail."""
    with pytest.raises(HttpResponseError) as raised:
        call()
    return raised.value.status_code or 0, raised.value.response.json()


def scoped_client(server: Any, api: httpx.Client, scopes: list[str]) -> httpx.Client:
    """Plain HTTP for the same account as `api`, with a token holding only `scopes`."""
    tenant_id = api.get("/_emulator/whoami").json()["tenant_id"]
    made = server.control(
        "POST", "/tokens", json={"scopes": scopes, "tenant_id": tenant_id}
    )
    token = made.json()["token"]
    return httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {token}"}
    )
