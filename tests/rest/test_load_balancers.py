"""Load Balancers: /v2/load_balancers through pydo, bad input through plain HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pydo
import pytest

from tests.helpers import assert_error, refusal

DROPLET = {
    "name": "web-1",
    "region": "nyc3",
    "size": "s-1vcpu-1gb",
    "image": "ubuntu-22-04-x64",
}
HTTP = {
    "entry_protocol": "http",
    "entry_port": 80,
    "target_protocol": "http",
    "target_port": 80,
}
HTTPS = {
    "entry_protocol": "https",
    "entry_port": 443,
    "target_protocol": "https",
    "target_port": 443,
    "tls_passthrough": True,
}


def balancer(**fields: Any) -> dict[str, Any]:
    return {"name": "lb", "region": "nyc3", "forwarding_rules": [HTTP], **fields}


def test_create_load_balancer_is_new_then_active(
    do: pydo.Client, frozen_clock: Callable[[float], None]
) -> None:
    created = do.load_balancers.create(body=balancer())["load_balancer"]
    early = do.load_balancers.get(created["id"])["load_balancer"]
    frozen_clock(60)
    later = do.load_balancers.get(created["id"])["load_balancer"]

    assert (created["status"], early["status"], later["status"]) == (
        "new",
        "new",
        "active",
    )
    assert created["region"]["slug"] == "nyc3"
    assert created["health_check"] == {
        "protocol": "http",
        "port": 80,
        "path": "/",
        "check_interval_seconds": 10,
        "response_timeout_seconds": 5,
        "healthy_threshold": 5,
        "unhealthy_threshold": 3,
    }
    assert created["sticky_sessions"] == {"type": "none"}
    assert (created["size_unit"], created["algorithm"]) == (1, "round_robin")
    assert created["forwarding_rules"] == [
        {**HTTP, "certificate_id": "", "tls_passthrough": False}
    ]


def test_load_balancer_gets_default_vpc_ip_and_project(do: pydo.Client) -> None:
    droplet = do.droplets.create(body=DROPLET)["droplet"]

    first = do.load_balancers.create(body=balancer())["load_balancer"]
    second = do.load_balancers.create(body=balancer(name="lb2"))["load_balancer"]
    members = do.projects.list_resources_default()["resources"]

    assert first["vpc_uuid"] == droplet["vpc_uuid"]
    assert first["ip"] != second["ip"]
    assert f"do:loadbalancer:{first['id']}" in [m["urn"] for m in members]


def test_update_while_new_is_refused(
    do: pydo.Client, frozen_clock: Callable[[float], None]
) -> None:
    created = do.load_balancers.create(body=balancer())["load_balancer"]

    status, body = refusal(
        lambda: do.load_balancers.update(created["id"], body=balancer(name="x"))
    )

    assert (status, body["id"]) == (403, "forbidden")
    assert "previous actions" in body["message"]


def test_update_replaces_settings(do: pydo.Client) -> None:
    lb_id = do.load_balancers.create(body=balancer())["load_balancer"]["id"]
    sticky = {"type": "cookies", "cookie_name": "S", "cookie_ttl_seconds": 60}

    updated = do.load_balancers.update(
        lb_id,
        body=balancer(name="renamed", forwarding_rules=[HTTPS], sticky_sessions=sticky),
    )["load_balancer"]

    assert updated["name"] == "renamed"
    assert [r["entry_port"] for r in updated["forwarding_rules"]] == [443]
    assert updated["sticky_sessions"] == sticky


def test_add_and_remove_droplets_and_forwarding_rules(do: pydo.Client) -> None:
    droplet_id = do.droplets.create(body=DROPLET)["droplet"]["id"]
    lb_id = do.load_balancers.create(body=balancer())["load_balancer"]["id"]

    do.load_balancers.add_droplets(lb_id, body={"droplet_ids": [droplet_id]})
    do.load_balancers.add_forwarding_rules(lb_id, body={"forwarding_rules": [HTTPS]})
    added = do.load_balancers.get(lb_id)["load_balancer"]
    do.load_balancers.remove_droplets(lb_id, body={"droplet_ids": [droplet_id]})
    do.load_balancers.remove_forwarding_rules(lb_id, body={"forwarding_rules": [HTTPS]})
    removed = do.load_balancers.get(lb_id)["load_balancer"]

    assert added["droplet_ids"] == [droplet_id]
    assert [r["entry_port"] for r in added["forwarding_rules"]] == [80, 443]
    assert removed["droplet_ids"] == []
    assert [r["entry_port"] for r in removed["forwarding_rules"]] == [80]


def test_tag_backends_include_droplets_tagged_later(do: pydo.Client) -> None:
    lb_id = do.load_balancers.create(body=balancer(tag="web"))["load_balancer"]["id"]
    droplet_id = do.droplets.create(body={**DROPLET, "tags": ["web"]})["droplet"]["id"]

    fetched = do.load_balancers.get(lb_id)["load_balancer"]

    assert (fetched["tag"], fetched["droplet_ids"]) == ("web", [droplet_id])


def test_destroyed_droplet_leaves_the_load_balancer(do: pydo.Client) -> None:
    droplet_id = do.droplets.create(body=DROPLET)["droplet"]["id"]
    lb_id = do.load_balancers.create(body=balancer(droplet_ids=[droplet_id]))[
        "load_balancer"
    ]["id"]

    do.droplets.destroy(droplet_id)

    assert do.load_balancers.get(lb_id)["load_balancer"]["droplet_ids"] == []


def test_list_pages_and_delete_then_404(do: pydo.Client, api: httpx.Client) -> None:
    ids = [
        do.load_balancers.create(body=balancer(name=f"lb{n}"))["load_balancer"]["id"]
        for n in range(3)
    ]

    listed = do.load_balancers.list(per_page=2)
    do.load_balancers.delete(ids[0])
    do.load_balancers.delete_cache(ids[1])

    assert [lb["id"] for lb in listed["load_balancers"]] == ids[:2]
    assert listed["meta"]["total"] == 3
    assert_error(api.get(f"/v2/load_balancers/{ids[0]}"), 404, "not_found", "")
    assert do.load_balancers.list()["meta"]["total"] == 2


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (balancer(droplet_ids=[1], tag="web"), "not both"),
        (balancer(region="atlantis"), "region"),
        (balancer(region=None), "region"),
        (balancer(forwarding_rules=[]), "forwarding_rules"),
        (
            balancer(forwarding_rules=[{**HTTP, "entry_protocol": "ftp"}]),
            "entry_protocol",
        ),
        (balancer(forwarding_rules=[{**HTTP, "target_port": 0}]), "target_port"),
        (
            balancer(forwarding_rules=[{**HTTP, "certificate_id": "nope"}]),
            "certificate",
        ),
        (balancer(health_check={"protocol": "icmp"}), "health_check"),
        (balancer(http_idle_timeout_seconds=5), "http_idle_timeout_seconds"),
        (balancer(size_unit=0), "size_unit"),
        (balancer(firewall={"allow": ["1.2.3.4"]}), "ip:"),
        (balancer(vpc_uuid="c33931f2-a26a-4e61-b85c-4e95a2ec431b"), "vpc"),
        (balancer(droplet_ids=["x"]), "droplet_ids"),
        (balancer(droplet_ids=[999999999]), "droplet 999999999 not found"),
        (balancer(project_id="9cc10173-e9ea-4176-9dbc-a4cee4c4ff30"), "project"),
        ({"region": "nyc3", "forwarding_rules": [HTTP]}, "name"),
    ],
)
def test_create_invalid_load_balancer_is_refused_and_stores_nothing(
    api: httpx.Client, body: dict[str, Any], words: str
) -> None:
    refused = api.post("/v2/load_balancers", json=body)

    assert_error(refused, 422, "unprocessable_entity", words)
    assert api.get("/v2/load_balancers").json()["meta"]["total"] == 0


def test_droplet_of_another_region_is_refused(
    do: pydo.Client, api: httpx.Client
) -> None:
    droplet_id = do.droplets.create(body={**DROPLET, "region": "sfo3"})["droplet"]["id"]

    refused = api.post("/v2/load_balancers", json=balancer(droplet_ids=[droplet_id]))

    assert_error(refused, 422, "unprocessable_entity", "must be in its region, nyc3")
    assert api.get("/v2/load_balancers").json()["meta"]["total"] == 0


def test_load_balancer_joins_the_project_named(do: pydo.Client) -> None:
    project = do.projects.create(body={"name": "web", "purpose": "Website"})["project"]

    created = do.load_balancers.create(body=balancer(project_id=project["id"]))
    members = do.projects.list_resources(project["id"])["resources"]

    assert created["load_balancer"]["project_id"] == project["id"]
    assert [m["urn"] for m in members] == [
        f"do:loadbalancer:{created['load_balancer']['id']}"
    ]


def test_update_cannot_move_region_or_vpc(do: pydo.Client, api: httpx.Client) -> None:
    created = do.load_balancers.create(body=balancer())["load_balancer"]
    do.load_balancers.get(created["id"])
    path = f"/v2/load_balancers/{created['id']}"

    moved = api.put(path, json=balancer(region="sfo3"))
    other_vpc = api.put(
        path, json=balancer(vpc_uuid="c33931f2-a26a-4e61-b85c-4e95a2ec431b")
    )

    assert_error(moved, 422, "unprocessable_entity", "region")
    assert_error(other_vpc, 422, "unprocessable_entity", "VPC")
    assert api.get(path).json()["load_balancer"]["vpc_uuid"] == created["vpc_uuid"]


def test_global_load_balancer_is_not_emulated(api: httpx.Client) -> None:
    refused = api.post("/v2/load_balancers", json=balancer(type="GLOBAL"))

    assert_error(refused, 501, "not_implemented", "global")


def test_add_droplets_to_tagged_load_balancer_is_refused(
    do: pydo.Client, api: httpx.Client
) -> None:
    lb_id = do.load_balancers.create(body=balancer(tag="web"))["load_balancer"]["id"]
    do.load_balancers.get(lb_id)

    refused = api.post(
        f"/v2/load_balancers/{lb_id}/droplets", json={"droplet_ids": [1]}
    )
    empty = api.post(f"/v2/load_balancers/{lb_id}/droplets", json={"droplet_ids": []})

    assert_error(refused, 422, "unprocessable_entity", "not both")
    assert_error(empty, 422, "unprocessable_entity", "need to provide")
    assert do.load_balancers.get(lb_id)["load_balancer"]["droplet_ids"] == []


def test_unknown_load_balancer_is_404(api: httpx.Client) -> None:
    missing = "/v2/load_balancers/4de7ac8b-495b-4884-9a69-1050c6793cd6"

    assert_error(api.get(missing), 404, "not_found", "")
    assert_error(api.delete(missing), 404, "not_found", "")
    assert_error(api.put(missing, json=balancer()), 404, "not_found", "")


def test_null_fields_get_the_defaults(api: httpx.Client) -> None:
    body = balancer(health_check=None, sticky_sessions=None, size_unit=None, tag=None)

    created = api.post("/v2/load_balancers", json=body)

    assert created.status_code == 202, created.text
    shown = created.json()["load_balancer"]
    assert (shown["sticky_sessions"], shown["size_unit"], shown["tag"]) == (
        {"type": "none"},
        1,
        "",
    )
    assert shown["health_check"]["path"] == "/"


def test_load_balancer_in_a_vpc_of_the_account(do: pydo.Client) -> None:
    vpc = do.vpcs.create(body={"name": "backend", "region": "nyc3"})["vpc"]

    created = do.load_balancers.create(body=balancer(vpc_uuid=vpc["id"]))

    assert created["load_balancer"]["vpc_uuid"] == vpc["id"]
