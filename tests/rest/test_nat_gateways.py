"""VPC NAT Gateways: NEW then ACTIVE, addresses, filters, updates and refusals."""

from __future__ import annotations

import ipaddress
from typing import Any

import pydo

from tests.helpers import assert_error
from tests.rest.test_vpcs import create_vpc


def gateway_body(vpc: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "name": "gw",
        "type": "PUBLIC",
        "region": "nyc1",
        "size": 1,
        "vpcs": [{"vpc_uuid": vpc["id"], "default_gateway": True}],
        **fields,
    }


def create_gateway(
    do: pydo.Client, vpc: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    return do.vpcnatgateways.create(body=gateway_body(vpc, **fields))["vpc_nat_gateway"]


def test_gateway_is_new_then_active_with_its_addresses(do, frozen_clock):
    vpc = create_vpc(do, ip_range="10.20.0.0/24")

    created = create_gateway(do, vpc)
    frozen_clock(5)
    fetched = do.vpcnatgateways.get(created["id"])["vpc_nat_gateway"]

    assert created["state"] == "NEW"
    assert fetched["state"] == "ACTIVE"
    gateway_ip = ipaddress.IPv4Address(fetched["vpcs"][0]["gateway_ip"])
    assert gateway_ip in ipaddress.IPv4Network("10.20.0.0/24")
    assert fetched["egresses"]["public_gateways"][0]["ipv4"]
    assert fetched["udp_timeout_seconds"] == 30


def test_gateway_is_a_member_of_its_vpc(do, api):
    create_vpc(do, name="main")
    vpc = create_vpc(do, name="other")
    gateway = create_gateway(do, vpc)

    members = do.vpcs.list_members(vpc["id"])["members"]
    refused = api.delete(f"/v2/vpcs/{vpc['id']}")

    assert [m["name"] for m in members] == [gateway["name"]]
    assert_error(refused, 403, "forbidden", "members")


def test_list_filters_by_name_region_and_state(do):
    nyc = create_vpc(do)
    sfo = create_vpc(do, name="west", region="sfo3")
    create_gateway(do, nyc, name="east-gw")
    create_gateway(do, sfo, name="west-gw", region="sfo3")

    by_name = do.vpcnatgateways.list(name="west-gw")["vpc_nat_gateways"]
    by_region = do.vpcnatgateways.list(region="nyc1")["vpc_nat_gateways"]
    active = do.vpcnatgateways.list(state="ACTIVE")

    assert [g["region"] for g in by_name] == ["sfo3"]
    assert [g["name"] for g in by_region] == ["east-gw"]
    assert active["meta"]["total"] == 2


def test_update_changes_fields_and_keeps_gateway_addresses(do):
    vpc = create_vpc(do)
    created = create_gateway(do, vpc)

    updated = do.vpcnatgateways.update(
        created["id"], body={"name": "renamed", "size": 2, "udp_timeout_seconds": 60}
    )["vpc_nat_gateway"]

    assert (updated["name"], updated["size"]) == ("renamed", 2)
    assert updated["udp_timeout_seconds"] == 60
    assert updated["vpcs"] == created["vpcs"]


def test_delete_answers_202_and_the_gateway_is_gone(do, api):
    created = create_gateway(do, create_vpc(do))

    deleted = api.delete(f"/v2/vpc_nat_gateways/{created['id']}")

    assert deleted.status_code == 202
    assert_error(api.get(f"/v2/vpc_nat_gateways/{created['id']}"), 404, "not_found", "")


def test_bad_gateways_are_refused_and_create_nothing(do, api):
    vpc = create_vpc(do)
    elsewhere = create_vpc(do, name="west", region="sfo3")
    cases = [
        (gateway_body(vpc, type="PRIVATE"), "type"),
        (gateway_body(vpc, size=0), "size"),
        (gateway_body(vpc, region="xyz1"), "not available"),
        (gateway_body(vpc, vpcs=[]), "vpcs"),
        (gateway_body(vpc, vpcs=[{"vpc_uuid": "nope"}]), "VPC nope not found"),
        (
            gateway_body(vpc, vpcs=[{"vpc_uuid": elsewhere["id"]}]),
            "not in the gateway's region",
        ),
        ({"name": "gw"}, "type"),
    ]

    for body, words in cases:
        assert_error(
            api.post("/v2/vpc_nat_gateways", json=body),
            422,
            "unprocessable_entity",
            words,
        )
    assert do.vpcnatgateways.list()["meta"]["total"] == 0


def test_unknown_gateway_is_404(api):
    for response in (
        api.get("/v2/vpc_nat_gateways/nope"),
        api.put("/v2/vpc_nat_gateways/nope", json={"name": "x", "size": 1}),
        api.delete("/v2/vpc_nat_gateways/nope"),
    ):
        assert_error(response, 404, "not_found", "")
