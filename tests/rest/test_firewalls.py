"""Firewalls: /v2/firewalls through pydo, bad input through plain HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pydo
import pytest

from tests.helpers import assert_error, refusal, scoped_client

DROPLET = {
    "name": "web-1",
    "region": "nyc3",
    "size": "s-1vcpu-1gb",
    "image": "ubuntu-22-04-x64",
}
SSH_IN = {"protocol": "tcp", "ports": "22", "sources": {"addresses": ["0.0.0.0/0"]}}
WEB_OUT = {
    "protocol": "tcp",
    "ports": "all",
    "destinations": {"addresses": ["0.0.0.0/0", "::/0"]},
}


def firewall(**fields: Any) -> dict[str, Any]:
    return {
        "name": "fw",
        "inbound_rules": [SSH_IN],
        "outbound_rules": [WEB_OUT],
        **fields,
    }


def test_create_firewall_waits_then_succeeds(
    do: pydo.Client, frozen_clock: Callable[[float], None]
) -> None:
    droplet_id = do.droplets.create(body=DROPLET)["droplet"]["id"]

    created = do.firewalls.create(body=firewall(droplet_ids=[droplet_id]))["firewall"]
    waiting = do.firewalls.get(created["id"])["firewall"]
    frozen_clock(60)
    done = do.firewalls.get(created["id"])["firewall"]

    assert created["status"] == waiting["status"] == "waiting"
    assert created["pending_changes"] == [
        {"droplet_id": droplet_id, "removing": False, "status": "waiting"}
    ]
    assert (done["status"], done["pending_changes"]) == ("succeeded", [])
    assert done["outbound_rules"][0]["ports"] == "0"
    assert done["inbound_rules"] == [SSH_IN]


def test_list_firewalls_pages(do: pydo.Client) -> None:
    for n in range(3):
        do.firewalls.create(body=firewall(name=f"fw-{n}"))

    listed = do.firewalls.list(per_page=2)

    assert [f["name"] for f in listed["firewalls"]] == ["fw-0", "fw-1"]
    assert listed["meta"]["total"] == 3
    assert "next" in listed["links"]["pages"]


def test_droplet_tagged_later_is_covered(do: pydo.Client) -> None:
    created = do.firewalls.create(body=firewall(tags=["web"]))["firewall"]
    droplet_id = do.droplets.create(body=DROPLET)["droplet"]["id"]

    do.tags.assign_resources(
        "web",
        body={
            "resources": [{"resource_id": str(droplet_id), "resource_type": "droplet"}]
        },
    )
    applied = do.droplets.list_firewalls(droplet_id)["firewalls"]

    assert [f["id"] for f in applied] == [created["id"]]


def test_add_and_remove_droplets_tags_and_rules(do: pydo.Client) -> None:
    droplet_id = do.droplets.create(body=DROPLET)["droplet"]["id"]
    fw_id = do.firewalls.create(body=firewall())["firewall"]["id"]
    rule = {"protocol": "udp", "ports": "53", "sources": {"tags": ["dns"]}}

    do.firewalls.assign_droplets(fw_id, body={"droplet_ids": [droplet_id]})
    do.firewalls.add_tags(fw_id, body={"tags": ["frontend"]})
    do.firewalls.add_rules(fw_id, body={"inbound_rules": [rule]})
    added = do.firewalls.get(fw_id)["firewall"]
    do.firewalls.delete_droplets(fw_id, body={"droplet_ids": [droplet_id]})
    do.firewalls.delete_tags(fw_id, body={"tags": ["frontend"]})
    do.firewalls.delete_rules(fw_id, body={"inbound_rules": [rule]})
    removed = do.firewalls.get(fw_id)["firewall"]

    assert (added["droplet_ids"], added["tags"]) == ([droplet_id], ["frontend"])
    assert added["inbound_rules"] == [SSH_IN, rule]
    assert (removed["droplet_ids"], removed["tags"]) == ([], [])
    assert removed["inbound_rules"] == [SSH_IN]


def test_update_firewall_replaces_everything(do: pydo.Client) -> None:
    fw_id = do.firewalls.create(body=firewall(tags=["a"]))["firewall"]["id"]

    updated = do.firewalls.update(
        fw_id, body={"name": "renamed", "inbound_rules": [SSH_IN]}
    )["firewall"]

    assert updated["name"] == "renamed"
    assert (updated["tags"], updated["outbound_rules"]) == ([], [])


def test_destroyed_droplet_leaves_the_firewall(do: pydo.Client) -> None:
    droplet_id = do.droplets.create(body=DROPLET)["droplet"]["id"]
    fw_id = do.firewalls.create(body=firewall(droplet_ids=[droplet_id]))["firewall"][
        "id"
    ]

    do.droplets.destroy(droplet_id)

    assert do.firewalls.get(fw_id)["firewall"]["droplet_ids"] == []


def test_delete_firewall_then_404(do: pydo.Client, api: httpx.Client) -> None:
    fw_id = do.firewalls.create(body=firewall())["firewall"]["id"]

    do.firewalls.delete(fw_id)

    assert_error(api.get(f"/v2/firewalls/{fw_id}"), 404, "not_found", "")
    assert do.firewalls.list()["meta"]["total"] == 0


def test_duplicate_name_is_409(do: pydo.Client) -> None:
    do.firewalls.create(body=firewall())

    status, body = refusal(lambda: do.firewalls.create(body=firewall()))

    assert (status, body["id"], body["message"]) == (409, "conflict", "duplicate name")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (firewall(name="-bad"), "name must start"),
        (firewall(name="has space"), "name must start"),
        (firewall(inbound_rules=[{**SSH_IN, "protocol": "gre"}]), "protocol"),
        (firewall(inbound_rules=[{**SSH_IN, "ports": "70000"}]), "ports"),
        (firewall(inbound_rules=[{**SSH_IN, "ports": "90-80"}]), "low to high"),
        (firewall(inbound_rules=[{**SSH_IN, "ports": None}]), "ports is required"),
        (firewall(inbound_rules=[{**SSH_IN, "sources": {}}]), "at least one"),
        (
            firewall(inbound_rules=[{**SSH_IN, "sources": {"addresses": ["1.2.3"]}}]),
            "invalid address",
        ),
        (firewall(droplet_ids=list(range(1, 12))), "at most 10"),
        (firewall(droplet_ids=["x"]), "droplet_ids"),
        (firewall(tags=["bad tag"]), "tag"),
        ({"inbound_rules": []}, "name"),
    ],
)
def test_create_invalid_firewall_is_refused_and_stores_nothing(
    api: httpx.Client, body: dict[str, Any], words: str
) -> None:
    refused = api.post("/v2/firewalls", json=body)

    assert_error(refused, 422, "unprocessable_entity", words)
    assert api.get("/v2/firewalls").json()["meta"]["total"] == 0
    assert api.get("/v2/tags").json()["meta"]["total"] == 0


def test_invalid_rule_change_leaves_firewall_unchanged(
    do: pydo.Client, api: httpx.Client
) -> None:
    created = do.firewalls.create(body=firewall())["firewall"]
    before = do.firewalls.get(created["id"])["firewall"]

    refused = api.post(
        f"/v2/firewalls/{created['id']}/rules",
        json={"inbound_rules": [{**SSH_IN, "protocol": "gre"}]},
    )

    assert_error(refused, 422, "unprocessable_entity", "protocol")
    assert do.firewalls.get(created["id"])["firewall"] == before


def test_unknown_firewall_is_404(api: httpx.Client) -> None:
    missing = "/v2/firewalls/bb4b2611-3d72-467b-8602-280330ecd65c"

    assert_error(api.get(missing), 404, "not_found", "")
    assert_error(api.delete(missing), 404, "not_found", "")
    assert_error(
        api.post(f"{missing}/droplets", json={"droplet_ids": [1]}), 404, "not_found", ""
    )


def test_create_firewall_without_rules_is_refused(api: httpx.Client) -> None:
    refused = api.post("/v2/firewalls", json={"name": "empty", "droplet_ids": []})

    assert_error(
        refused, 422, "unprocessable_entity", "at least one inbound or outbound"
    )
    assert api.get("/v2/firewalls").json()["meta"]["total"] == 0


def test_update_needs_read_access_to_what_the_firewall_names(
    server: Any, api: httpx.Client
) -> None:
    fw_id = api.post("/v2/firewalls", json=firewall()).json()["firewall"]["id"]
    scopes = ["firewall:read", "firewall:update"]

    with scoped_client(server, api, scopes) as limited:
        plain = limited.put(f"/v2/firewalls/{fw_id}", json=firewall(name="plain"))
        named = limited.put(
            f"/v2/firewalls/{fw_id}", json=firewall(name="named", droplet_ids=[1])
        )

    assert plain.status_code == 200, plain.text
    assert_error(named, 403, "forbidden", "")
    assert api.get(f"/v2/firewalls/{fw_id}").json()["firewall"]["name"] == "plain"
