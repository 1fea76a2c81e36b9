"""The bad-input corpus: every REST route, fed what clients get wrong, never a 500.

Each route gets malformed JSON, bodies of the wrong type, absurd path ids and
query values. Every answer must be a 4xx in DigitalOcean's error shape, and the
account must hold exactly what it held before.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from emulator import rest

BAD_IDS = [
    "abc",
    "-1",
    "0",
    "99999999999999999999999",
    "1.5",
    "%00",
    "x" * 300,
    "%E2%82%AC",
]
BAD_BODIES: list[bytes] = [
    b"{not json",
    b"[]",
    b'"a string"',
    b"12",
    b"null",
    b'{"name": 12, "region": [], "size": {}, "image": null, "tags": "x"}',
    b'{"type": 42, "resources": "all", "public_key": 7}',
    b'{"names": [' + b'"n",' * 50 + b'"n"]}',
    b"\xff\xfe\x00",
]
BAD_QUERIES = [
    "page=abc",
    "per_page=-5",
    "page=0",
    "per_page=99999",
    "tag_name=%00",
    "page=1e9",
]


# Routes that take no body, or one whose every field is optional: the corpus's
# bodies are valid requests there (ignored, or an empty update), so they may
# change state. They must still never answer a 5xx or an error of another shape.
BODY_IS_OPTIONAL = {
    ("POST", "/v2/security/scans"),
    ("PUT", "/v2/security/settings/plan"),
}


def routes() -> Iterator[tuple[str, str]]:
    def walk(items: list, prefix: str = "") -> Iterator[tuple[str, str]]:
        for route in items:
            if hasattr(route, "original_router"):
                yield from walk(
                    route.original_router.routes, prefix + route.include_context.prefix
                )
            else:
                for method in sorted(route.methods):
                    yield method, prefix + route.path

    yield from walk(rest.router.routes)


def fill(path: str, value: str) -> str:
    return re.sub(r"\{[^}]+\}", value, path)


def assert_error_shape(response: httpx.Response) -> None:
    # 501 is the honest mark of a family not emulated, never a failure of ours.
    if response.status_code == 501:
        assert response.json()["id"] == "not_implemented", response.text
        return
    assert response.status_code < 500, (
        response.request.method,
        response.request.url,
        response.text,
    )
    if response.status_code >= 400:
        body = response.json()
        assert isinstance(body.get("id"), str) and isinstance(
            body.get("message"), str
        ), body


def holdings(server, api: httpx.Client) -> dict:
    tenant = api.get(f"{server.url}/_emulator/whoami").json()["tenant_id"]
    kinds = server.control("GET", f"/tenants/{tenant}").json()["kinds"]
    # Listing projects creates the default one; that is not a change bad input made.
    return {k: v for k, v in kinds.items() if k not in ("project",)}


ROUTES = sorted(set(routes()))


def test_corpus_covers_the_compute_routes() -> None:
    paths = {path for _, path in ROUTES}

    assert {"/v2/droplets", "/v2/account/keys", "/v2/tags", "/v2/images"} <= paths


@pytest.mark.parametrize(
    ("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES]
)
def test_bad_input_gets_a_digitalocean_error_and_changes_nothing(
    server, api, method, path
) -> None:
    api.get("/v2/projects")
    before = holdings(server, api)

    for bad_id in BAD_IDS:
        assert_error_shape(api.request(method, fill(path, bad_id)))
    target = fill(path, "123456")
    for body in BAD_BODIES:
        response = api.request(
            method, target, content=body, headers={"Content-Type": "application/json"}
        )
        assert_error_shape(response)
    for query in BAD_QUERIES:
        assert_error_shape(api.request(method, f"{target}?{query}"))

    if (method, path) not in BODY_IS_OPTIONAL:
        assert holdings(server, api) == before


def test_malformed_json_is_400_bad_request(api) -> None:
    response = api.post(
        "/v2/account/keys",
        content=b"{nope",
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert response.json()["id"] == "bad_request"
    assert response.json()["request_id"] == response.headers["x-request-id"]


def test_wrong_types_are_422_unprocessable_entity(api) -> None:
    response = api.post("/v2/account/keys", json={"name": ["x"], "public_key": 5})

    assert response.status_code == 422
    assert response.json()["id"] == "unprocessable_entity"


def test_unknown_route_is_a_digitalocean_404(api) -> None:
    response = api.get("/v2/no-such-thing")

    assert response.status_code == 404
    assert response.json()["id"] == "not_found"


def test_wrong_method_is_a_digitalocean_405(api) -> None:
    response = api.patch("/v2/account")

    assert response.status_code == 405
    assert response.json()["id"] == "method_not_allowed"


def test_oversized_body_is_413_and_creates_nothing(server, api) -> None:
    before = holdings(server, api)
    blob = b'{"name": "k", "public_key": "' + b"A" * (2 * 1024 * 1024) + b'"}'

    response = api.post(
        "/v2/account/keys", content=blob, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 413
    assert response.json()["id"] == "request_entity_too_large"
    assert holdings(server, api) == before


def test_oversized_chunked_body_is_refused(api) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"name": "k", "public_key": "'
        for _ in range(40):
            yield b"A" * 65536
        yield b'"}'

    response = api.post(
        "/v2/account/keys",
        content=chunks(),
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 413
