"""Reserved IPv6: region-scoped addresses assigned to droplets on the clock."""

from __future__ import annotations

from typing import Any

import pydo

from tests.helpers import assert_error
from tests.rest.test_droplets import active


def reserve(do: pydo.Client, region: str = "nyc3") -> str:
    return str(
        do.reserved_ipv6.create(body={"region_slug": region})["reserved_ipv6"]["ip"]
    )


def public_v6(do: pydo.Client, droplet: dict[str, Any]) -> list[str]:
    networks = do.droplets.get(droplet["id"])["droplet"]["networks"]["v6"]
    return [n["ip_address"] for n in networks]


def test_reserve_get_list_and_delete(do, api):
    created = do.reserved_ipv6.create(body={"region_slug": "nyc3"})["reserved_ipv6"]

    fetched = do.reserved_ipv6.get(created["ip"])["reserved_ipv6"]
    listed = do.reserved_ipv6.list()
    do.reserved_ipv6.delete(created["ip"])

    assert (created["region_slug"], created["droplet"]) == ("nyc3", None)
    assert created["reserved_at"]
    assert fetched == created
    assert [r["ip"] for r in listed["reserved_ipv6s"]] == [created["ip"]]
    assert listed["meta"]["total"] == 1
    assert_error(api.get(f"/v2/reserved_ipv6/{created['ip']}"), 404, "not_found", "")


def test_addresses_differ_between_regions_and_accounts(do, make_client):
    first, second = reserve(do), reserve(do, "sfo3")

    third = reserve(make_client())

    assert len({first, second, third}) == 3


def test_assign_and_unassign_move_the_address_in_and_out_of_networks(do, frozen_clock):
    droplet = active(do, ipv6=True)
    ip = reserve(do)

    action = do.reserved_ipv6_actions.post(
        ip, body={"type": "assign", "droplet_id": droplet["id"]}
    )["action"]
    frozen_clock(5)
    held = public_v6(do, droplet)
    assigned = do.reserved_ipv6.get(ip)["reserved_ipv6"]
    do.reserved_ipv6_actions.post(ip, body={"type": "unassign"})
    frozen_clock(5)

    assert (action["status"], action["resource_type"]) == (
        "in-progress",
        "reserved_ipv6",
    )
    assert ip in held
    assert assigned["droplet"]["id"] == droplet["id"]
    assert ip not in public_v6(do, droplet)
    assert do.reserved_ipv6.get(ip)["reserved_ipv6"]["droplet"] is None


def test_assigned_address_cannot_be_deleted(do, api):
    droplet = active(do, ipv6=True)
    ip = reserve(do)
    do.reserved_ipv6_actions.post(
        ip, body={"type": "assign", "droplet_id": droplet["id"]}
    )

    refused = api.delete(f"/v2/reserved_ipv6/{ip}")

    assert_error(refused, 422, "unprocessable_entity", "unassign it")
    assert do.reserved_ipv6.list()["meta"]["total"] == 1


def test_bad_requests_are_refused_without_change(do, api):
    without_v6 = active(do)
    elsewhere = active(do, region="sfo3", ipv6=True)
    ip = reserve(do)
    path = f"/v2/reserved_ipv6/{ip}/actions"
    cases = [
        ({"type": "assign"}, 422, "unprocessable_entity", "droplet_id is required"),
        ({"type": "assign", "droplet_id": 1}, 404, "not_found", ""),
        (
            {"type": "assign", "droplet_id": without_v6["id"]},
            422,
            "unprocessable_entity",
            "IPv6 must be enabled",
        ),
        (
            {"type": "assign", "droplet_id": elsewhere["id"]},
            422,
            "unprocessable_entity",
            "same region",
        ),
        ({"type": "unassign"}, 422, "unprocessable_entity", "not assigned"),
        ({"type": "move"}, 422, "unprocessable_entity", "type"),
    ]

    for body, status, error_id, words in cases:
        assert_error(api.post(path, json=body), status, error_id, words)
    assert_error(
        api.post("/v2/reserved_ipv6", json={}),
        422,
        "unprocessable_entity",
        "region_slug",
    )
    assert_error(
        api.post("/v2/reserved_ipv6", json={"region_slug": "xyz1"}),
        422,
        "unprocessable_entity",
        "not available",
    )
    assert_error(api.get("/v2/reserved_ipv6/not-an-address"), 404, "not_found", "")
    assert do.reserved_ipv6.list()["meta"]["total"] == 1
    assert do.reserved_ipv6.get(ip)["reserved_ipv6"]["droplet"] is None
