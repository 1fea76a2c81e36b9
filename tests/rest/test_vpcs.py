"""VPCs: the default per region, ranges, updates, members and what blocks a delete."""

from __future__ import annotations

from typing import Any

import pydo

from tests.helpers import assert_error
from tests.rest.test_droplets import create


def create_vpc(do: pydo.Client, **fields: Any) -> dict[str, Any]:
    body = {"name": "env.prod-vpc", "region": "nyc1", **fields}
    return do.vpcs.create(body=body)["vpc"]


def test_first_vpc_of_a_region_is_its_default(do):
    first = create_vpc(do, name="first", ip_range="10.10.10.0/24")
    second = create_vpc(do, name="second")
    elsewhere = create_vpc(do, name="third", region="sfo3")

    assert (first["default"], second["default"], elsewhere["default"]) == (
        True,
        False,
        True,
    )
    assert first["ip_range"] == "10.10.10.0/24"
    assert second["ip_range"].endswith("/20")
    assert first["urn"] == f"do:vpc:{first['id']}"
    assert do.vpcs.get(first["id"])["vpc"] == first


def test_droplet_without_vpc_lands_in_the_region_s_default(do):
    droplet = create(do, region="nyc1")

    vpcs = do.vpcs.list()["vpcs"]

    assert [(v["name"], v["default"]) for v in vpcs] == [("default-nyc1", True)]
    assert droplet["vpc_uuid"] == vpcs[0]["id"]


def test_list_vpcs_pages(do):
    for n in range(3):
        create_vpc(do, name=f"v{n}")

    page = do.vpcs.list(per_page=2, page=2)

    assert [v["name"] for v in page["vpcs"]] == ["v2"]
    assert page["meta"]["total"] == 3


def test_put_and_patch_rename_and_describe(do):
    vpc = create_vpc(do)

    put = do.vpcs.update(vpc["id"], body={"name": "renamed", "description": "main"})[
        "vpc"
    ]
    patched = do.vpcs.patch(vpc["id"], body={"description": "still main"})["vpc"]

    assert (put["name"], put["description"]) == ("renamed", "main")
    assert (patched["name"], patched["description"]) == ("renamed", "still main")
    assert patched["default"] is True


def test_setting_default_moves_the_flag_within_the_region(do):
    old = create_vpc(do, name="old")
    new = create_vpc(do, name="new")

    do.vpcs.patch(new["id"], body={"default": True})

    assert do.vpcs.get(new["id"])["vpc"]["default"] is True
    assert do.vpcs.get(old["id"])["vpc"]["default"] is False


def test_default_cannot_be_unset(do, api):
    vpc = create_vpc(do)

    refused = api.patch(f"/v2/vpcs/{vpc['id']}", json={"default": False})

    assert_error(refused, 422, "unprocessable_entity", "cannot be unset")
    assert do.vpcs.get(vpc["id"])["vpc"]["default"] is True


def test_default_vpc_cannot_be_deleted(do, api):
    vpc = create_vpc(do)

    refused = api.delete(f"/v2/vpcs/{vpc['id']}")

    assert_error(refused, 403, "forbidden", "default VPC")
    assert do.vpcs.list()["meta"]["total"] == 1


def test_vpc_with_members_cannot_be_deleted_until_they_go(do, api):
    create_vpc(do, name="main")
    vpc = create_vpc(do, name="other")
    droplet = create(do, region="nyc1", vpc_uuid=vpc["id"])

    refused = api.delete(f"/v2/vpcs/{vpc['id']}")
    do.droplets.destroy(droplet["id"])
    do.vpcs.delete(vpc["id"])

    assert_error(refused, 403, "forbidden", "members")
    assert_error(api.get(f"/v2/vpcs/{vpc['id']}"), 404, "not_found", "")


def test_members_lists_droplets_and_filters_by_resource_type(do):
    vpc = create_vpc(do)
    droplet = create(do, region="nyc1", vpc_uuid=vpc["id"])
    create(do, region="sfo3")

    everything = do.vpcs.list_members(vpc["id"])
    droplets = do.vpcs.list_members(vpc["id"], resource_type="droplet")["members"]
    balancers = do.vpcs.list_members(vpc["id"], resource_type="load_balancer")[
        "members"
    ]

    assert [m["urn"] for m in everything["members"]] == [f"do:droplet:{droplet['id']}"]
    assert everything["members"][0]["name"] == droplet["name"]
    assert everything["meta"]["total"] == 1
    assert [m["urn"] for m in droplets] == [f"do:droplet:{droplet['id']}"]
    assert balancers == []


def test_bad_ranges_and_names_are_refused_and_create_nothing(do, api):
    create_vpc(do, name="taken", ip_range="10.10.0.0/16")
    cases = [
        ({"ip_range": "10.10.5.0/24"}, "overlaps"),
        ({"ip_range": "8.8.8.0/24"}, "RFC 1918"),
        ({"ip_range": "10.0.0.0/12"}, "/28"),
        ({"ip_range": "10.20.0.0/29"}, "/28"),
        ({"ip_range": "10.20.0.1/24"}, "CIDR"),
        ({"ip_range": "banana"}, "CIDR"),
        ({"name": "taken"}, "already exists"),
        ({"name": "bad name!"}, "name"),
        ({"region": "xyz1"}, "not available"),
        ({"name": 5}, "name"),
    ]

    for fields, words in cases:
        body = {"name": "fresh", "region": "nyc1", **fields}
        assert_error(
            api.post("/v2/vpcs", json=body), 422, "unprocessable_entity", words
        )
    assert do.vpcs.list()["meta"]["total"] == 1


def test_rename_to_a_taken_name_is_refused(do, api):
    create_vpc(do, name="one")
    two = create_vpc(do, name="two")

    refused = api.put(f"/v2/vpcs/{two['id']}", json={"name": "one"})

    assert_error(refused, 422, "unprocessable_entity", "already exists")
    assert do.vpcs.get(two["id"])["vpc"]["name"] == "two"


def test_unknown_vpc_is_404(api):
    for response in (
        api.get("/v2/vpcs/nope"),
        api.put("/v2/vpcs/nope", json={"name": "x"}),
        api.delete("/v2/vpcs/nope"),
        api.get("/v2/vpcs/nope/members"),
    ):
        assert_error(response, 404, "not_found", "")
