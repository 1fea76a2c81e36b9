"""Partner Network Connect: attachments, their keys and their life cycle."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pydo
import pytest

ATTACHMENT = {
    "name": "env.prod-partner-network-connect",
    "connection_bandwidth_in_mbps": 1000,
    "region": "nyc",
    "naas_provider": "megaport",
    "vpc_ids": ["c140286f-e6ce-4131-8b7b-df4590ce8d6a"],
    "bgp": {
        "local_router_ip": "169.254.0.1/29",
        "peer_router_ip": "169.254.0.6/29",
        "peer_router_asn": 64532,
        "auth_key": "0xsNnb1pwQlowdoMySEfWwk4I",
    },
}
PATH = "/v2/partner_network_connect/attachments"


def test_attachment_is_creating_until_the_clock_activates_it(
    do: pydo.Client, frozen_clock: Callable[[float], None]
) -> None:
    created = do.partner_attachments.create(body=ATTACHMENT)["partner_attachment"]

    frozen_clock(60)
    fetched = do.partner_attachments.get(created["id"])["partner_attachment"]

    assert created["state"] == "creating"
    assert fetched["state"] == "active"
    assert fetched["bgp"]["peer_asn"] == 64532 and "children" not in fetched


def test_patch_list_keys_and_delete(do: pydo.Client, api: httpx.Client) -> None:
    created = do.partner_attachments.create(body=ATTACHMENT)["partner_attachment"]

    patched = do.partner_attachments.patch(created["id"], body={"name": "renamed"})
    listed = do.partner_attachments.list()
    bgp_key = do.partner_attachments.get_bgp_auth_key(created["id"])["bgp_auth_key"]
    first_key = do.partner_attachments.get_service_key(created["id"])["service_key"]
    api.post(f"{PATH}/{created['id']}/service_key").raise_for_status()
    second_key = do.partner_attachments.get_service_key(created["id"])["service_key"]
    routes = do.partner_attachments.list_remote_routes(created["id"])
    deleted = api.delete(f"{PATH}/{created['id']}")

    assert patched["partner_attachment"]["name"] == "renamed"
    assert listed["meta"]["total"] == 1
    assert bgp_key["state"] == "CREATED" and bgp_key["value"]
    assert first_key["value"] != second_key["value"]
    assert routes["remote_routes"] == []
    assert deleted.status_code == 202
    assert deleted.json()["partner_attachment"]["state"] == "deleting"
    assert api.get(f"{PATH}/{created['id']}").status_code == 404


def test_child_attachment_is_listed_by_its_parent(do: pydo.Client) -> None:
    parent = do.partner_attachments.create(body=ATTACHMENT)["partner_attachment"]

    child = do.partner_attachments.create(
        body={**ATTACHMENT, "name": "child", "parent_uuid": parent["id"]}
    )["partner_attachment"]

    fetched = do.partner_attachments.get(parent["id"])["partner_attachment"]
    assert fetched["children"] == [child["id"]]
    assert child["parent_uuid"] == parent["id"]


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"connection_bandwidth_in_mbps": 1500}, "connection_bandwidth_in_mbps"),
        ({"region": "lon"}, "region"),
        ({"name": "spaces are bad"}, "name"),
        ({"vpc_ids": []}, "vpc_ids"),
        ({"parent_uuid": "d594cf8d-8c79-4bc5-aec1-6f9b211506b3"}, "parent"),
    ],
)
def test_invalid_attachment_is_refused_and_nothing_is_stored(
    api: httpx.Client, change: dict[str, Any], where: str
) -> None:
    refused = api.post(PATH, json={**ATTACHMENT, **change})

    assert refused.status_code == 422
    assert refused.json()["id"] == "unprocessable_entity"
    assert where in refused.json()["message"]
    assert api.get(PATH).json()["meta"]["total"] == 0


def test_unknown_attachment_is_404(api: httpx.Client) -> None:
    for path in ("", "/bgp_auth_key", "/service_key", "/remote_routes"):
        found = api.get(f"{PATH}/4de7ac8b-495b-4884-9a69-1050c6793cd6{path}")
        assert found.status_code == 404 and found.json()["id"] == "not_found"


def test_deleting_the_only_child_clears_the_parents_children(
    do: pydo.Client, api: httpx.Client
) -> None:
    parent = do.partner_attachments.create(body=ATTACHMENT)["partner_attachment"]
    body = {**ATTACHMENT, "name": "child", "parent_uuid": parent["id"]}
    child = do.partner_attachments.create(body=body)["partner_attachment"]

    api.delete(f"{PATH}/{child['id']}").raise_for_status()
    fetched = do.partner_attachments.get(parent["id"])["partner_attachment"]

    assert "children" not in fetched
    assert do.partner_attachments.list()["meta"]["total"] == 1
