"""What every answer carries, and the tolerance real clients rely on."""

from __future__ import annotations

import uuid

import httpx


def test_every_answer_has_request_id_and_rate_limit_headers(api, server) -> None:
    for response in (
        api.get("/v2/account"),
        api.get("/v2/nowhere"),
        httpx.get(f"{server.url}/v2/account"),
    ):
        uuid.UUID(response.headers["x-request-id"])
        assert int(response.headers["ratelimit-limit"]) == 5000
        assert 0 <= int(response.headers["ratelimit-remaining"]) < 5000
        assert int(response.headers["ratelimit-reset"]) > 0


def test_rate_limit_remaining_counts_down_per_token(api, server) -> None:
    first = int(api.get("/v2/account").headers["ratelimit-remaining"])
    second = int(api.get("/v2/account").headers["ratelimit-remaining"])
    other = httpx.get(
        f"{server.url}/v2/account", headers={"Authorization": "Bearer other-token-xyz"}
    )

    assert second == first - 1
    assert int(other.headers["ratelimit-remaining"]) == 4999


def test_missing_token_is_401_in_digitalocean_shape(server) -> None:
    response = httpx.get(f"{server.url}/v2/account")

    assert response.status_code == 401
    assert response.json()["id"] == "unauthorized"
    assert response.json()["message"] == "Unable to authenticate you."


def test_trailing_slash_is_ignored(api) -> None:
    assert api.get("/v2/account/").status_code == 200


def test_head_answers_headers_without_body(api) -> None:
    response = api.head("/v2/account")

    assert response.status_code == 200
    assert response.content == b""
    assert "ratelimit-remaining" in response.headers


def test_get_with_null_body_is_accepted(api) -> None:
    response = api.request(
        "GET",
        "/v2/account",
        content=b"null",
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 200


def test_cors_preflight_is_answered(api) -> None:
    response = api.options(
        "/v2/droplets",
        headers={
            "Origin": "https://example.com",
            "Access-Control-Request-Method": "POST",
        },
    )

    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "https://example.com"


def test_pagination_links_are_absolute_and_total_is_counted(api) -> None:
    body = api.get("/v2/sizes", params={"per_page": 5, "page": 2}).json()

    pages = body["links"]["pages"]
    assert set(pages) == {"first", "prev", "next", "last"}
    assert pages["next"].startswith(str(api.base_url).rstrip("/") + "/v2/sizes?")
    assert "page=3" in pages["next"] and "per_page=5" in pages["next"]
    assert body["meta"]["total"] > 10
    assert len(body["sizes"]) == 5


def test_per_page_above_200_is_clamped(api) -> None:
    body = api.get("/v2/sizes", params={"per_page": 1000}).json()

    assert len(body["sizes"]) == min(body["meta"]["total"], 200)


def test_single_page_has_empty_links(api) -> None:
    body = api.get("/v2/regions", params={"per_page": 200}).json()

    assert body["links"] == {}


def test_enforced_rate_limit_answers_429_in_digitalocean_shape(tmp_path) -> None:
    from emulator.core.config import Settings
    from tests.conftest import free_port, start_server

    settings = Settings(
        port=free_port(), in_memory=True, rate_limit=3, enforce_rate_limit=True
    )
    uv, thread, _ = start_server(settings)
    try:
        url = f"http://127.0.0.1:{settings.port}/v2/account"
        headers = {"Authorization": "Bearer limited"}
        answers = [httpx.get(url, headers=headers) for _ in range(4)]
    finally:
        uv.should_exit = True
        thread.join(10)

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[-1].json()["id"] == "too_many_requests"
    assert answers[-1].headers["ratelimit-remaining"] == "0"
    assert int(answers[-1].headers["retry-after"]) >= 1


def test_access_log_hides_secrets_in_the_query(server, caplog) -> None:
    import logging

    with caplog.at_level(logging.INFO, logger="emulator.access"):
        httpx.post(
            f"{server.url}/v1/oauth/token?grant_type=x&client_secret=s3cret&code=abc"
        )

    lines = [r.getMessage() for r in caplog.records if r.name == "emulator.access"]
    assert any("client_secret=***" in line and "code=***" in line for line in lines)
    assert not any("s3cret" in line for line in lines)


def test_json_sent_as_a_form_is_read_as_json(api) -> None:
    response = api.post(
        "/v2/tags",
        content=b'{"name": "curl-d"}',
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 201, response.text
    assert response.json()["tag"]["name"] == "curl-d"


def test_families_not_emulated_answer_501_in_digitalocean_shape(api) -> None:
    for path in ("/v2/apps", "/v2/kubernetes/clusters/abc/node_pools", "/v2/databases"):
        response = api.get(path)

        assert response.status_code == 501, path
        assert response.json()["id"] == "not_implemented"
        assert "not emulated" in response.json()["message"]


def test_families_not_emulated_still_need_a_token(server) -> None:
    assert httpx.get(f"{server.url}/v2/apps").status_code == 401
