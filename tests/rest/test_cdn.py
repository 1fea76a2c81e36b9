"""CDN Endpoints: /v2/cdn/endpoints through pydo; origins are real buckets made with boto3."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pydo
import pytest

from tests.conftest import Server
from tests.helpers import assert_error, refusal
from tests.spaces.s3 import make_key, s3_client


@pytest.fixture
def origin(server: Server, api: httpx.Client) -> str:
    """The host of a new bucket of the account, in ams3."""
    name = "cdn-" + secrets.token_hex(6)
    s3 = s3_client(server.url, make_key(api), virtual_domain="ams3.localhost")
    s3.create_bucket(Bucket=name)
    return f"{name}.ams3.digitaloceanspaces.com"


def test_create_endpoint_derives_the_edge_host(do: pydo.Client, origin: str) -> None:
    created = do.cdn.create_endpoint(body={"origin": origin})["endpoint"]

    assert created["origin"] == origin
    assert created["endpoint"] == origin.replace(".ams3.", ".ams3.cdn.")
    assert created["ttl"] == 3600
    assert created["created_at"].endswith("Z")
    assert "custom_domain" not in created


def test_endpoint_life_cycle_list_get_update_delete(
    do: pydo.Client, origin: str
) -> None:
    created = do.cdn.create_endpoint(body={"origin": origin, "ttl": 600})["endpoint"]
    cdn_id = created["id"]

    listed = do.cdn.list_endpoints()
    fetched = do.cdn.get_endpoint(cdn_id)["endpoint"]
    updated = do.cdn.update_endpoints(cdn_id, body={"ttl": 86400})["endpoint"]
    do.cdn.delete_endpoint(cdn_id)

    assert [e["id"] for e in listed["endpoints"]] == [cdn_id]
    assert listed["meta"]["total"] == 1
    assert fetched == created
    assert updated["ttl"] == 86400
    # pydo hands back the 404 body of this operation instead of raising.
    assert do.cdn.get_endpoint(cdn_id)["id"] == "not_found"


def test_list_endpoints_pages(
    server: Server, api: httpx.Client, do: pydo.Client
) -> None:
    s3 = s3_client(server.url, make_key(api))
    for _ in range(3):
        name = "cdn-" + secrets.token_hex(6)
        s3.create_bucket(Bucket=name)
        do.cdn.create_endpoint(body={"origin": f"{name}.nyc3.digitaloceanspaces.com"})

    page = do.cdn.list_endpoints(per_page=2, page=2)

    assert len(page["endpoints"]) == 1
    assert page["meta"]["total"] == 3


def test_purge_cache_answers_no_content(
    api: httpx.Client, do: pydo.Client, origin: str
) -> None:
    cdn_id = do.cdn.create_endpoint(body={"origin": origin})["endpoint"]["id"]

    answer = api.request(
        "DELETE",
        f"/v2/cdn/endpoints/{cdn_id}/cache",
        json={"files": ["assets/*", "index.html"]},
    )

    assert answer.status_code == 204


def test_purge_cache_without_files_is_refused(
    api: httpx.Client, do: pydo.Client, origin: str
) -> None:
    cdn_id = do.cdn.create_endpoint(body={"origin": origin})["endpoint"]["id"]

    missing = api.request("DELETE", f"/v2/cdn/endpoints/{cdn_id}/cache", json={})
    empty = api.request(
        "DELETE", f"/v2/cdn/endpoints/{cdn_id}/cache", json={"files": []}
    )

    assert_error(missing, 422, "unprocessable_entity", "files")
    assert_error(empty, 422, "unprocessable_entity", "files")


def test_origin_that_is_not_a_bucket_of_the_account_is_refused(
    api: httpx.Client,
) -> None:
    for origin in (
        "no-such-bucket-zz.nyc3.digitaloceanspaces.com",
        "example.com",
        "assets.nyc3.cdn.digitaloceanspaces.com",
    ):
        answer = api.post("/v2/cdn/endpoints", json={"origin": origin})
        assert answer.status_code == 422, origin

    assert api.get("/v2/cdn/endpoints").json()["meta"]["total"] == 0


def test_origin_in_the_wrong_region_is_refused(api: httpx.Client, origin: str) -> None:
    answer = api.post(
        "/v2/cdn/endpoints", json={"origin": origin.replace(".ams3.", ".nyc3.")}
    )

    assert_error(answer, 422, "unprocessable_entity", "not a Space of this account")


def test_bucket_of_another_account_is_not_an_origin(
    origin: str, make_client: Any
) -> None:
    other = make_client()

    status, body = refusal(lambda: other.cdn.create_endpoint(body={"origin": origin}))

    assert status == 422
    assert "not a Space" in body["message"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"ttl": 61}, "ttl must be one of"),
        ({"ttl": "hour"}, "ttl"),
        ({"custom_domain": "static.example.com"}, "certificate_id is required"),
        (
            {
                "custom_domain": "static.example.com",
                "certificate_id": "892071a0-bb95-49bc-8021-3afd67a210bf",
            },
            "was not found",
        ),
    ],
)
def test_create_endpoint_with_bad_input_is_refused(
    api: httpx.Client, origin: str, body: dict[str, Any], words: str
) -> None:
    answer = api.post("/v2/cdn/endpoints", json={"origin": origin, **body})

    assert answer.status_code == 422, answer.text
    assert words in answer.json()["message"]
    assert api.get("/v2/cdn/endpoints").json()["meta"]["total"] == 0


def test_second_endpoint_for_one_origin_is_a_conflict(
    api: httpx.Client, origin: str
) -> None:
    api.post("/v2/cdn/endpoints", json={"origin": origin})

    answer = api.post("/v2/cdn/endpoints", json={"origin": origin})

    assert_error(answer, 409, "conflict", "already exists")


def test_update_with_bad_ttl_changes_nothing(api: httpx.Client, origin: str) -> None:
    cdn_id = api.post("/v2/cdn/endpoints", json={"origin": origin}).json()["endpoint"][
        "id"
    ]

    answer = api.put(f"/v2/cdn/endpoints/{cdn_id}", json={"ttl": 5})

    assert_error(answer, 422, "unprocessable_entity", "ttl must be one of")
    assert api.get(f"/v2/cdn/endpoints/{cdn_id}").json()["endpoint"]["ttl"] == 3600


def test_unknown_endpoint_is_not_found(api: httpx.Client) -> None:
    unknown = "19f06b6a-3ace-4315-b086-499a0e521b76"
    for answer in (
        api.get(f"/v2/cdn/endpoints/{unknown}"),
        api.put(f"/v2/cdn/endpoints/{unknown}", json={"ttl": 60}),
        api.delete(f"/v2/cdn/endpoints/{unknown}"),
        api.request(
            "DELETE", f"/v2/cdn/endpoints/{unknown}/cache", json={"files": ["a"]}
        ),
    ):
        assert_error(answer, 404, "not_found", "could not be found")
