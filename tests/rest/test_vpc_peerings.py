"""VPC Peerings: PROVISIONING then ACTIVE on the clock, both paths, refusals."""

from __future__ import annotations

from typing import Any

import pydo

from tests.helpers import assert_error
from tests.rest.test_vpcs import create_vpc


def two_vpcs(do: pydo.Client) -> tuple[dict[str, Any], dict[str, Any]]:
    return create_vpc(do, name="a"), create_vpc(do, name="b", region="sfo3")


def peer(
    do: pydo.Client, first: dict[str, Any], second: dict[str, Any]
) -> dict[str, Any]:
    body = {"name": "a-b", "vpc_ids": [first["id"], second["id"]]}
    return do.vpc_peerings.create(body=body)["vpc_peering"]


def test_peering_is_provisioning_then_active(do, frozen_clock):
    first, second = two_vpcs(do)

    created = peer(do, first, second)
    during = do.vpc_peerings.get(created["id"])["vpc_peering"]
    frozen_clock(5)
    after = do.vpc_peerings.get(created["id"])["vpc_peering"]

    assert created["status"] == during["status"] == "PROVISIONING"
    assert after["status"] == "ACTIVE"
    assert after["vpc_ids"] == [first["id"], second["id"]]


def test_list_filters_by_region_and_by_vpc(do):
    first, second = two_vpcs(do)
    third = create_vpc(do, name="c", region="ams3")
    ab = peer(do, first, second)
    do.vpc_peerings.create(body={"name": "b-c", "vpc_ids": [second["id"], third["id"]]})

    everything = do.vpc_peerings.list()
    in_nyc1 = do.vpc_peerings.list(region="nyc1")["vpc_peerings"]
    of_first = do.vpcs.list_peerings(first["id"])

    assert everything["meta"]["total"] == 2
    assert [p["id"] for p in in_nyc1] == [ab["id"]]
    assert [p["id"] for p in of_first["peerings"]] == [ab["id"]]
    assert of_first["peerings"][0]["status"] == "ACTIVE"


def test_peering_through_a_vpc_and_renaming_it(do):
    first, second = two_vpcs(do)

    created = do.vpcs.create_peerings(
        first["id"], body={"name": "via.vpc", "vpc_id": second["id"]}
    )["peering"]
    renamed = do.vpcs.patch_peerings(first["id"], created["id"], body={"name": "x"})
    patched = do.vpc_peerings.patch(created["id"], body={"name": "y"})["vpc_peering"]

    assert created["vpc_ids"] == [first["id"], second["id"]]
    assert renamed["peering"]["name"] == "x"
    assert patched["name"] == "y"


def test_delete_answers_deleting_and_the_peering_is_gone(do, api):
    created = peer(do, *two_vpcs(do))

    deleted = api.delete(f"/v2/vpc_peerings/{created['id']}")

    assert deleted.status_code == 202
    assert deleted.json()["vpc_peering"]["status"] == "DELETING"
    assert_error(api.get(f"/v2/vpc_peerings/{created['id']}"), 404, "not_found", "")


def test_bad_peerings_are_refused_and_create_nothing(do, api):
    first, second = two_vpcs(do)
    peer(do, first, second)
    cases = [
        ({"name": "x", "vpc_ids": [first["id"]]}, 422, "vpc_ids"),
        ({"name": "x", "vpc_ids": [first["id"], first["id"]]}, 422, "itself"),
        ({"name": "x", "vpc_ids": [first["id"], "nope"]}, 422, "VPC nope not found"),
        ({"name": "bad.name", "vpc_ids": [first["id"], second["id"]]}, 422, "name"),
        (
            {"name": "again", "vpc_ids": [second["id"], first["id"]]},
            409,
            "already peered",
        ),
    ]

    for body, status, words in cases:
        error_id = "conflict" if status == 409 else "unprocessable_entity"
        assert_error(api.post("/v2/vpc_peerings", json=body), status, error_id, words)
    assert_error(
        api.post("/v2/vpcs/nope/peerings", json={"name": "x", "vpc_id": first["id"]}),
        404,
        "not_found",
        "",
    )
    assert do.vpc_peerings.list()["meta"]["total"] == 1


def test_unknown_peering_is_404(do, api):
    vpc = create_vpc(do)

    for response in (
        api.get("/v2/vpc_peerings/nope"),
        api.patch("/v2/vpc_peerings/nope", json={"name": "x"}),
        api.delete("/v2/vpc_peerings/nope"),
        api.patch(f"/v2/vpcs/{vpc['id']}/peerings/nope", json={"name": "x"}),
    ):
        assert_error(response, 404, "not_found", "")
