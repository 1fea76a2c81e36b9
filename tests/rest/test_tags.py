"""Tags: /v2/tags through pydo, and `ensure_tags` as other families call it.

Tagged resources belong to other families; `seed` puts them straight into the
account through the core's transaction, so these tests do not depend on how
far those families have got.
"""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pydo
import pytest
from starlette.requests import Request

from emulator.core.context import Ctx, Emulator
from emulator.core.errors import Unprocessable
from emulator.core.store import Record, Tx
from emulator.rest import tags


def emulator_of(server: Any) -> Emulator:
    return server.app.state.emulator


def seed(
    server: Any, token: str, kind: str, rid: str | int, data: dict[str, Any]
) -> None:
    """Put a resource of another family in the account of `token`."""
    emulator = emulator_of(server)
    tenant = emulator.resolve(token).tenant
    tx = Tx(emulator.store, tenant)
    tx.put(Record(kind, rid, {"id": rid, **data}))
    emulator.store.database.write_now(tx.apply())


def stored(server: Any, token: str, kind: str, rid: str | int) -> Record | None:
    return emulator_of(server).resolve(token).tenant.get(kind, rid)


def make_ctx(server: Any, token: str) -> Ctx:
    """A request context as a route of another family would hold it."""
    emulator = emulator_of(server)
    scope = {
        "type": "http",
        "method": "POST",
        "scheme": "http",
        "server": ("127.0.0.1", 8080),
        "path": "/v2/droplets",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1:8080")],
    }
    return Ctx(Request(scope), emulator, emulator.resolve(token))


def commit(ctx: Ctx) -> None:
    ctx.store.database.write_now(ctx.tx.apply())


def test_create_tag_answers_an_empty_summary(do: pydo.Client) -> None:
    created = do.tags.create(body={"name": "extra-awesome"})["tag"]

    assert created == {
        "name": "extra-awesome",
        "resources": {
            "count": 0,
            "droplets": {"count": 0},
            "images": {"count": 0},
            "volumes": {"count": 0},
            "volume_snapshots": {"count": 0},
            "databases": {"count": 0},
        },
    }
    assert do.tags.get("extra-awesome")["tag"] == created


def test_create_existing_tag_in_other_case_answers_the_canonical_one(
    do: pydo.Client,
) -> None:
    do.tags.create(body={"name": "PROD"})

    again = do.tags.create(body={"name": "prod"})["tag"]

    assert again["name"] == "PROD"
    assert [t["name"] for t in do.tags.list()["tags"]] == ["PROD"]


def test_get_tag_needs_its_canonical_capitalisation(api: httpx.Client) -> None:
    api.post("/v2/tags", json={"name": "PROD"})

    response = api.get("/v2/tags/prod")

    assert (response.status_code, response.json()["id"]) == (404, "not_found")
    assert api.get("/v2/tags/PROD").status_code == 200


def test_list_tags_pages(do: pydo.Client) -> None:
    for i in range(5):
        do.tags.create(body={"name": f"tag-{i}"})

    first = do.tags.list(per_page=2)
    last = do.tags.list(per_page=2, page=3)

    assert [t["name"] for t in first["tags"]] == ["tag-0", "tag-1"]
    assert [t["name"] for t in last["tags"]] == ["tag-4"]
    assert first["meta"]["total"] == last["meta"]["total"] == 5
    assert "page=3" in first["links"]["pages"]["last"]


def test_delete_tag_then_get_is_404(do: pydo.Client) -> None:
    do.tags.create(body={"name": "short-lived"})

    do.tags.delete("short-lived")

    assert do.tags.get("short-lived")["id"] == "not_found"
    assert do.tags.list()["tags"] == []


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("has space", 'tag-name \\"has space\\" contains invalid characters'),
        ("здорово", 'tag-name \\"здорово\\" contains invalid characters'),
        ("x" * 256, "tag-name is longer than 255 characters"),
        ("", "tag-name must not be empty"),
    ],
)
def test_create_invalid_tag_is_400_with_root_causes(
    api: httpx.Client, name: str, problem: str
) -> None:
    response = api.post("/v2/tags", json={"name": name})

    body = response.json()
    assert response.status_code == 400
    assert body["error"] == f'Error validating resource tag: "{problem}"'
    assert body["messages"] is None
    assert body["root_causes"] == [
        f"rpc error: code = InvalidArgument desc = {body['error']}"
    ]
    assert (body["id"], body["message"]) == ("bad_request", body["error"])
    assert api.get("/v2/tags").json()["meta"]["total"] == 0


def test_create_tag_with_wrong_type_is_refused(api: httpx.Client) -> None:
    response = api.post("/v2/tags", json={"name": 42})

    assert (response.status_code, response.json()["id"]) == (
        422,
        "unprocessable_entity",
    )
    assert api.get("/v2/tags").json()["meta"]["total"] == 0


def test_tag_resources_updates_their_tags_and_the_summary(
    server: Any, token: str, do: pydo.Client
) -> None:
    do.tags.create(body={"name": "web"})
    seed(server, token, "droplet", 1001, {"name": "a", "tags": ["db"]})
    seed(server, token, "droplet", 1002, {"name": "b", "tags": []})
    seed(server, token, "volume", "v-1", {"name": "data", "tags": []})

    do.tags.assign_resources(
        "web",
        body={
            "resources": [
                {"resource_id": "1001", "resource_type": "droplet"},
                {"resource_id": 1002, "resource_type": "droplet"},
                {"resource_id": "v-1", "resource_type": "volume"},
            ]
        },
    )

    summary = do.tags.get("web")["tag"]["resources"]
    assert summary["count"] == 3
    assert summary["droplets"] == {
        "count": 2,
        "last_tagged_uri": f"{server.url}/v2/droplets/1002",
    }
    assert summary["volumes"]["last_tagged_uri"] == f"{server.url}/v2/volumes/v-1"
    assert summary["last_tagged_uri"] == f"{server.url}/v2/volumes/v-1"
    assert stored(server, token, "droplet", 1001)["tags"] == ["db", "web"]


def test_tag_resources_twice_keeps_one_tag(
    server: Any, token: str, do: pydo.Client
) -> None:
    do.tags.create(body={"name": "web"})
    seed(server, token, "droplet", 2001, {"tags": []})
    body = {"resources": [{"resource_id": "2001", "resource_type": "droplet"}]}

    do.tags.assign_resources("web", body=body)
    do.tags.assign_resources("web", body=body)

    assert stored(server, token, "droplet", 2001)["tags"] == ["web"]


def test_untag_resources_removes_only_that_tag(
    server: Any, token: str, do: pydo.Client
) -> None:
    do.tags.create(body={"name": "web"})
    seed(server, token, "image", 3001, {"tags": ["web", "keep"]})

    do.tags.unassign_resources(
        "web", body={"resources": [{"resource_id": "3001", "resource_type": "image"}]}
    )

    assert stored(server, token, "image", 3001)["tags"] == ["keep"]
    assert do.tags.get("web")["tag"]["resources"]["count"] == 0


def test_delete_tag_removes_it_from_every_resource(
    server: Any, token: str, do: pydo.Client
) -> None:
    do.tags.create(body={"name": "web"})
    seed(server, token, "droplet", 4001, {"tags": ["web", "db"]})
    seed(server, token, "volume_snapshot", "s-1", {"tags": ["web"]})

    do.tags.delete("web")

    assert stored(server, token, "droplet", 4001)["tags"] == ["db"]
    assert stored(server, token, "volume_snapshot", "s-1")["tags"] == []


def test_tag_unknown_resource_is_404_and_tags_nothing(
    server: Any, token: str, api: httpx.Client
) -> None:
    api.post("/v2/tags", json={"name": "web"})
    seed(server, token, "droplet", 5001, {"tags": []})

    response = api.post(
        "/v2/tags/web/resources",
        json={
            "resources": [
                {"resource_id": "5001", "resource_type": "droplet"},
                {"resource_id": "9999999", "resource_type": "droplet"},
            ]
        },
    )

    assert (response.status_code, response.json()["id"]) == (404, "not_found")
    assert stored(server, token, "droplet", 5001)["tags"] == []


def test_tag_resource_of_another_account_is_404(server: Any, api: httpx.Client) -> None:
    api.post("/v2/tags", json={"name": "web"})
    other = "dop_v1_" + secrets.token_hex(32)
    seed(server, other, "droplet", 6001, {"tags": []})

    response = api.post(
        "/v2/tags/web/resources",
        json={"resources": [{"resource_id": "6001", "resource_type": "droplet"}]},
    )

    assert response.status_code == 404
    assert stored(server, other, "droplet", 6001)["tags"] == []


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"resources": "droplet"},
        {"resources": [{"resource_type": "droplet"}]},
        {"resources": [{"resource_id": "1", "resource_type": "kettle"}]},
    ],
)
def test_tag_resources_with_bad_body_is_422(
    api: httpx.Client, body: dict[str, Any]
) -> None:
    api.post("/v2/tags", json={"name": "web"})

    response = api.post("/v2/tags/web/resources", json=body)

    assert (response.status_code, response.json()["id"]) == (
        422,
        "unprocessable_entity",
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v2/tags/nope"),
        ("DELETE", "/v2/tags/nope"),
        ("POST", "/v2/tags/nope/resources"),
        ("DELETE", "/v2/tags/nope/resources"),
    ],
)
def test_unknown_tag_is_404(api: httpx.Client, method: str, path: str) -> None:
    body = {"resources": []} if path.endswith("resources") else None

    response = api.request(method, path, json=body)

    assert response.status_code == 404
    assert (
        response.json()["message"]
        == "The resource you were accessing could not be found."
    )


def test_ensure_tags_creates_missing_tags_once_in_canonical_case(
    server: Any, token: str, do: pydo.Client
) -> None:
    do.tags.create(body={"name": "PROD"})
    ctx = make_ctx(server, token)

    names = tags.ensure_tags(ctx, ["prod", "web", "Web", "web", "PROD"])
    commit(ctx)

    assert names == ["PROD", "web"]
    assert [t["name"] for t in do.tags.list()["tags"]] == ["PROD", "web"]


def test_ensure_tags_refuses_an_invalid_name_and_creates_nothing(
    server: Any, token: str, do: pydo.Client
) -> None:
    ctx = make_ctx(server, token)

    with pytest.raises(Unprocessable) as caught:
        tags.ensure_tags(ctx, ["fine", "not fine"])

    assert 'tag-name "not fine" contains invalid characters' in str(caught.value)
    assert ctx.tx.is_empty
    assert do.tags.list()["tags"] == []


DROPLET = {
    "name": "web-1",
    "region": "nyc3",
    "size": "s-1vcpu-1gb",
    "image": "ubuntu-22-04-x64",
}


def test_droplet_created_with_tags_is_counted_and_untagged_on_delete(
    server: Any, do: pydo.Client
) -> None:
    do.tags.create(body={"name": "PROD"})
    droplet = do.droplets.create(body={**DROPLET, "tags": ["prod", "web"]})["droplet"]

    summary = do.tags.get("web")["tag"]["resources"]
    do.tags.delete("PROD")

    assert droplet["tags"] == ["PROD", "web"]
    assert summary["droplets"] == {
        "count": 1,
        "last_tagged_uri": f"{server.url}/v2/droplets/{droplet['id']}",
    }
    assert do.droplets.get(droplet["id"])["droplet"]["tags"] == ["web"]
