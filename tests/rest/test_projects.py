"""Projects and Project Resources through pydo; `assign_default` as families call it.

Resources of other families are put in the account with `seed` (see
test_tags.py), so these tests do not wait for those families.
"""

from __future__ import annotations

from typing import Any

import httpx
import pydo
import pytest

from emulator.core.errors import Unprocessable
from emulator.rest import projects
from tests.helpers import refusal
from tests.rest.test_tags import commit, make_ctx, seed

PROJECT = {
    "name": "my-web-api",
    "description": "My website API",
    "purpose": "Service or API",
    "environment": "Production",
}


def test_new_account_has_one_default_project(do: pydo.Client) -> None:
    listed = do.projects.list()
    account = do.account.get()["account"]

    (project,) = listed["projects"]
    assert project["is_default"] is True
    assert project["name"] == "first-project"
    assert project["purpose"] == "Just trying out DigitalOcean"
    assert project["environment"] == "Development"
    assert project["owner_uuid"] == account["uuid"]
    assert isinstance(project["owner_id"], int)
    assert do.projects.get_default()["project"] == project
    assert listed["meta"]["total"] == 1


def test_create_project_answers_201_with_its_fields(do: pydo.Client) -> None:
    created = do.projects.create(body=PROJECT)["project"]

    assert {k: created[k] for k in PROJECT} == PROJECT
    assert created["is_default"] is False
    assert created["created_at"] == created["updated_at"]
    assert do.projects.get(created["id"])["project"] == created


def test_create_project_with_custom_purpose_stores_it_as_other(do: pydo.Client) -> None:
    created = do.projects.create(body={"name": "p", "purpose": "my own thing"})[
        "project"
    ]

    assert created["purpose"] == "Other: my own thing"
    assert created["description"] == ""


def test_create_project_reads_environment_in_any_case(do: pydo.Client) -> None:
    created = do.projects.create(
        body={"name": "p", "purpose": "IoT", "environment": "staging"}
    )["project"]

    assert created["environment"] == "Staging"


def test_create_project_as_godo_sends_it_without_environment(api: httpx.Client) -> None:
    response = api.post(
        "/v2/projects",
        json={
            "name": "tf",
            "description": "",
            "purpose": "Web Application",
            "environment": "",
        },
    )

    assert response.status_code == 201
    assert response.json()["project"].get("environment", "") == ""


def test_create_project_with_a_taken_name_is_409(do: pydo.Client) -> None:
    do.projects.create(body=PROJECT)

    status, body = refusal(lambda: do.projects.create(body=PROJECT))

    assert (status, body["id"]) == (409, "conflict")
    assert "my-web-api" in body["message"]
    assert do.projects.list()["meta"]["total"] == 2


@pytest.mark.parametrize(
    "body",
    [
        {"purpose": "IoT"},
        {"name": "p"},
        {"name": "", "purpose": "IoT"},
        {"name": "x" * 176, "purpose": "IoT"},
        {"name": "p", "purpose": "IoT", "environment": "Testing"},
        {"name": "p", "purpose": "IoT", "description": "d" * 256},
        {"name": ["p"], "purpose": "IoT"},
    ],
)
def test_create_project_with_bad_fields_is_422(
    api: httpx.Client, body: dict[str, Any]
) -> None:
    before = api.get("/v2/projects").json()["meta"]["total"]

    response = api.post("/v2/projects", json=body)

    assert (response.status_code, response.json()["id"]) == (
        422,
        "unprocessable_entity",
    )
    assert api.get("/v2/projects").json()["meta"]["total"] == before


def test_list_projects_pages(do: pydo.Client) -> None:
    for i in range(4):
        do.projects.create(body={"name": f"p{i}", "purpose": "IoT"})

    first = do.projects.list(per_page=2)
    last = do.projects.list(per_page=2, page=3)

    assert [p["name"] for p in first["projects"]] == ["first-project", "p0"]
    assert [p["name"] for p in last["projects"]] == ["p3"]
    assert first["meta"]["total"] == 5
    assert "page=2" in first["links"]["pages"]["next"]


def test_replace_project_sets_every_field(do: pydo.Client) -> None:
    created = do.projects.create(body=PROJECT)["project"]
    body = {
        "name": "renamed",
        "description": "new",
        "purpose": "IoT",
        "environment": "Staging",
        "is_default": False,
    }

    updated = do.projects.update(created["id"], body=body)["project"]

    assert {k: updated[k] for k in body} == body
    assert updated["id"] == created["id"]


def test_replace_project_without_every_field_is_422(
    do: pydo.Client, api: httpx.Client
) -> None:
    created = do.projects.create(body=PROJECT)["project"]

    response = api.put(f"/v2/projects/{created['id']}", json={"name": "only"})

    assert (response.status_code, response.json()["id"]) == (
        422,
        "unprocessable_entity",
    )
    assert do.projects.get(created["id"])["project"]["name"] == "my-web-api"


def test_patch_project_as_godo_changes_only_what_is_set(
    do: pydo.Client, api: httpx.Client
) -> None:
    created = do.projects.create(body=PROJECT)["project"]

    response = api.patch(
        f"/v2/projects/{created['id']}",
        json={
            "name": "renamed",
            "description": None,
            "purpose": None,
            "environment": None,
            "is_default": None,
        },
    )

    assert response.status_code == 200
    assert response.json()["project"] == {
        **created,
        "name": "renamed",
        "updated_at": response.json()["project"]["updated_at"],
    }


def test_patch_project_is_default_takes_over_the_default(do: pydo.Client) -> None:
    old = do.projects.get_default()["project"]
    created = do.projects.create(body=PROJECT)["project"]

    do.projects.patch(created["id"], body={"is_default": True})

    assert do.projects.get_default()["project"]["id"] == created["id"]
    assert do.projects.get(old["id"])["project"]["is_default"] is False
    assert [p["is_default"] for p in do.projects.list()["projects"]] == [False, True]


def test_patch_default_project_off_keeps_it_default(do: pydo.Client) -> None:
    default = do.projects.get_default()["project"]

    patched = do.projects.patch_default(body={"name": "renamed", "is_default": False})[
        "project"
    ]

    assert patched["id"] == default["id"]
    assert patched["is_default"] is True
    assert patched["name"] == "renamed"


def test_update_default_project_replaces_its_fields(do: pydo.Client) -> None:
    body = {**PROJECT, "is_default": True}

    updated = do.projects.update_default(body=body)["project"]

    assert {k: updated[k] for k in body} == body


def test_patch_project_with_bad_environment_changes_nothing(
    do: pydo.Client, api: httpx.Client
) -> None:
    created = do.projects.create(body=PROJECT)["project"]

    response = api.patch(
        f"/v2/projects/{created['id']}", json={"name": "x", "environment": "Live"}
    )

    assert (response.status_code, response.json()["id"]) == (
        422,
        "unprocessable_entity",
    )
    assert do.projects.get(created["id"])["project"] == created


def test_delete_project_then_get_is_404(do: pydo.Client) -> None:
    created = do.projects.create(body=PROJECT)["project"]

    do.projects.delete(created["id"])

    assert do.projects.get(created["id"])["id"] == "not_found"
    assert do.projects.list()["meta"]["total"] == 1


def test_delete_default_project_is_refused(do: pydo.Client, api: httpx.Client) -> None:
    default = do.projects.get_default()["project"]

    response = api.delete(f"/v2/projects/{default['id']}")

    assert (response.status_code, response.json()["id"]) == (400, "bad_request")
    assert "default project" in response.json()["message"]
    assert do.projects.get_default()["project"] == default


def test_delete_project_with_resources_is_412(
    server: Any, token: str, do: pydo.Client, api: httpx.Client
) -> None:
    created = do.projects.create(body=PROJECT)["project"]
    seed(server, token, "droplet", 7001, {"name": "web"})
    do.projects.assign_resources(created["id"], body={"resources": ["do:droplet:7001"]})

    response = api.delete(f"/v2/projects/{created['id']}")

    assert response.status_code == 412
    assert response.json() == {
        "id": "precondition_failed",
        "message": "cannot delete a project with resources. move or remove the resources first",
        "request_id": response.headers["x-request-id"],
    }
    assert do.projects.get(created["id"])["project"] == created


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_unknown_project_is_404(api: httpx.Client, method: str) -> None:
    response = api.request(
        method, "/v2/projects/4de7ac8b-495b-4884-9a69-1050c6793cd6", json={"name": "x"}
    )

    assert (response.status_code, response.json()["id"]) == (404, "not_found")


def test_assign_resources_moves_them_and_lists_them(
    server: Any, token: str, do: pydo.Client
) -> None:
    created = do.projects.create(body=PROJECT)["project"]
    seed(server, token, "droplet", 8001, {"name": "web"})
    seed(server, token, "domain", "example.com", {"name": "example.com"})

    assigned = do.projects.assign_resources(
        created["id"], body={"resources": ["do:droplet:8001", "do:domain:example.com"]}
    )["resources"]

    assert [(r["urn"], r["status"]) for r in assigned] == [
        ("do:droplet:8001", "ok"),
        ("do:domain:example.com", "ok"),
    ]
    assert assigned[0]["links"]["self"] == f"{server.url}/v2/droplets/8001"
    assert assigned[1]["links"]["self"] == f"{server.url}/v2/domains/example.com"
    listed = do.projects.list_resources(created["id"])
    assert listed["resources"] == assigned
    assert listed["meta"]["total"] == 2


def test_assign_resource_to_another_project_moves_it(
    server: Any, token: str, do: pydo.Client
) -> None:
    first = do.projects.create(body={"name": "one", "purpose": "IoT"})["project"]
    second = do.projects.create(body={"name": "two", "purpose": "IoT"})["project"]
    seed(server, token, "volume", "vol-1", {"name": "data"})
    do.projects.assign_resources(first["id"], body={"resources": ["do:volume:vol-1"]})

    do.projects.assign_resources(second["id"], body={"resources": ["do:volume:vol-1"]})

    assert do.projects.list_resources(first["id"])["resources"] == []
    assert [
        r["urn"] for r in do.projects.list_resources(second["id"])["resources"]
    ] == ["do:volume:vol-1"]


def test_assign_unknown_resource_answers_not_found_and_keeps_nothing(
    do: pydo.Client,
) -> None:
    created = do.projects.create(body=PROJECT)["project"]

    assigned = do.projects.assign_resources(
        created["id"], body={"resources": ["do:droplet:13457723"]}
    )["resources"]

    assert [(r["urn"], r["status"]) for r in assigned] == [
        ("do:droplet:13457723", "not_found")
    ]
    assert do.projects.list_resources(created["id"])["resources"] == []


def test_default_project_resources_can_be_listed_and_assigned(
    server: Any, token: str, do: pydo.Client
) -> None:
    created = do.projects.create(body=PROJECT)["project"]
    seed(server, token, "droplet", 9001, {"name": "web"})
    do.projects.assign_resources(created["id"], body={"resources": ["do:droplet:9001"]})

    do.projects.assign_resources_default(body={"resources": ["do:droplet:9001"]})

    assert [r["urn"] for r in do.projects.list_resources_default()["resources"]] == [
        "do:droplet:9001"
    ]
    assert do.projects.list_resources(created["id"])["meta"]["total"] == 0


def test_list_project_resources_pages(
    server: Any, token: str, do: pydo.Client, api: httpx.Client
) -> None:
    for i in range(3):
        seed(server, token, "droplet", 9100 + i, {"name": f"d{i}"})
    do.projects.assign_resources_default(
        body={"resources": [f"do:droplet:{9100 + i}" for i in range(3)]}
    )

    # pydo's list_resources_default takes no paging arguments; the API does.
    page = api.get("/v2/projects/default/resources?per_page=2&page=2").json()

    assert [r["urn"] for r in page["resources"]] == ["do:droplet:9102"]
    assert page["meta"]["total"] == 3
    assert "page=1" in page["links"]["pages"]["first"]


@pytest.mark.parametrize(
    ("urn", "status", "error_id"),
    [
        ("droplet:1", 422, "unprocessable_entity"),
        ("do:droplet", 422, "unprocessable_entity"),
        ("do:vpc:5a4981aa-9653-4bd1-bef5-d6bff52042e4", 501, "not_implemented"),
    ],
)
def test_assign_bad_urn_is_refused(
    server: Any, token: str, api: httpx.Client, urn: str, status: int, error_id: str
) -> None:
    seed(server, token, "droplet", 9200, {"name": "web"})

    response = api.post(
        "/v2/projects/default/resources", json={"resources": ["do:droplet:9200", urn]}
    )

    assert (response.status_code, response.json()["id"]) == (status, error_id)
    assert api.get("/v2/projects/default/resources").json()["meta"]["total"] == 0


def test_assign_resources_with_bad_body_is_422(api: httpx.Client) -> None:
    response = api.post(
        "/v2/projects/default/resources", json={"resources": [123, None]}
    )

    assert (response.status_code, response.json()["id"]) == (
        422,
        "unprocessable_entity",
    )


def test_assign_resources_to_unknown_project_is_404(api: httpx.Client) -> None:
    response = api.post(
        "/v2/projects/4de7ac8b-495b-4884-9a69-1050c6793cd6/resources",
        json={"resources": ["do:droplet:1"]},
    )

    assert (response.status_code, response.json()["id"]) == (404, "not_found")


def test_assign_default_creates_the_default_project_once(
    server: Any, token: str, do: pydo.Client
) -> None:
    ctx = make_ctx(server, token)

    projects.assign_default(ctx, "do:droplet:1")
    projects.assign_default(ctx, "do:droplet:2")
    commit(ctx)

    (default,) = do.projects.list()["projects"]
    urns = [r["urn"] for r in do.projects.list_resources(default["id"])["resources"]]
    assert urns == ["do:droplet:1", "do:droplet:2"]


def test_assign_default_to_a_named_project_and_unassign(
    server: Any, token: str, do: pydo.Client
) -> None:
    created = do.projects.create(body=PROJECT)["project"]
    ctx = make_ctx(server, token)
    projects.assign_default(ctx, "do:droplet:3", created["id"])
    commit(ctx)

    ctx = make_ctx(server, token)
    projects.unassign(ctx, "do:droplet:3")
    commit(ctx)

    assert do.projects.list_resources(created["id"])["resources"] == []


def test_assign_default_to_an_unknown_project_is_422(server: Any, token: str) -> None:
    ctx = make_ctx(server, token)

    with pytest.raises(Unprocessable):
        projects.assign_default(
            ctx, "do:droplet:4", "4de7ac8b-495b-4884-9a69-1050c6793cd6"
        )

    assert ctx.tx.is_empty


def test_new_droplet_lands_in_the_default_project_and_leaves_on_delete(
    server: Any, do: pydo.Client
) -> None:
    droplet = do.droplets.create(
        body={
            "name": "web-1",
            "region": "nyc3",
            "size": "s-1vcpu-1gb",
            "image": "ubuntu-22-04-x64",
        }
    )["droplet"]

    listed = do.projects.list_resources_default()["resources"]
    do.droplets.destroy(droplet["id"])

    assert [(r["urn"], r["links"]["self"]) for r in listed] == [
        (f"do:droplet:{droplet['id']}", f"{server.url}/v2/droplets/{droplet['id']}")
    ]
    assert do.projects.list_resources_default()["resources"] == []
