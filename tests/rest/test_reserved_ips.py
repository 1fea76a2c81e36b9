"""Reserved IPs and Floating IPs: one set of objects under two names, assigned on the clock."""

from __future__ import annotations

from typing import Any

import pydo

from tests.helpers import assert_error
from tests.rest.test_droplets import active


def reserve(do: pydo.Client, region: str = "nyc3") -> dict[str, Any]:
    return do.reserved_ips.create(body={"region": region})["reserved_ip"]


def public_v4(do: pydo.Client, droplet: dict[str, Any]) -> list[str]:
    networks = do.droplets.get(droplet["id"])["droplet"]["networks"]["v4"]
    return [n["ip_address"] for n in networks if n["type"] == "public"]


def test_reserve_to_region_answers_an_unassigned_address(do):
    answer = do.reserved_ips.create(body={"region": "nyc3"})

    ip = answer["reserved_ip"]
    assert ip["ip"].startswith("45.55.")
    assert ip["droplet"] is None
    assert ip["region"]["slug"] == "nyc3"
    assert ip["locked"] is False
    assert answer["links"] == {}
    assert do.reserved_ips.get(ip["ip"])["reserved_ip"] == ip


def test_addresses_are_unique_across_accounts(do, make_client):
    first = reserve(do)

    second = reserve(make_client())

    assert first["ip"] != second["ip"]


def test_create_with_droplet_assigns_it_when_the_action_completes(do, frozen_clock):
    droplet = active(do)
    frozen_clock(5)

    answer = do.reserved_ips.create(body={"droplet_id": droplet["id"]})
    ip = answer["reserved_ip"]
    during = do.reserved_ips.get(ip["ip"])["reserved_ip"]
    frozen_clock(5)
    after = do.reserved_ips.get(ip["ip"])["reserved_ip"]

    assert ip["region"]["slug"] == droplet["region"]["slug"]
    assert (during["droplet"], during["locked"]) == (None, True)
    assert after["droplet"]["id"] == droplet["id"]
    assert after["locked"] is False
    assert answer["links"]["actions"][0]["rel"] == "assign_ip"
    assert answer["links"]["droplets"][0]["id"] == droplet["id"]
    assert ip["ip"] in public_v4(do, droplet)


def test_assign_then_unassign_moves_the_address_in_and_out_of_networks(do):
    droplet = active(do)
    ip = reserve(do)["ip"]

    assigned = do.reserved_ips_actions.post(
        ip, body={"type": "assign", "droplet_id": droplet["id"]}
    )["action"]
    held = public_v4(do, droplet)
    unassigned = do.reserved_ips_actions.post(ip, body={"type": "unassign"})["action"]

    assert (assigned["type"], assigned["resource_type"]) == ("assign_ip", "reserved_ip")
    assert unassigned["type"] == "unassign_ip"
    assert ip in held
    assert ip not in public_v4(do, droplet)
    assert do.reserved_ips.get(ip)["reserved_ip"]["droplet"] is None
    listed = do.reserved_ips_actions.list(ip)["actions"]
    assert [a["id"] for a in listed] == [assigned["id"], unassigned["id"]]
    assert (
        do.reserved_ips_actions.get(ip, assigned["id"])["action"]["status"]
        == "completed"
    )


def test_assigning_to_another_droplet_moves_the_address(do):
    first, second = active(do), active(do)
    ip = do.reserved_ips.create(body={"droplet_id": first["id"]})["reserved_ip"]["ip"]
    do.reserved_ips.get(ip)

    do.reserved_ips_actions.post(
        ip, body={"type": "assign", "droplet_id": second["id"]}
    )

    assert ip not in public_v4(do, first)
    assert ip in public_v4(do, second)


def test_floating_ips_are_the_same_objects_with_their_own_names(do, api):
    ip = reserve(do)["ip"]
    droplet = active(do)

    listed = api.get("/v2/floating_ips").json()
    fetched = api.get(f"/v2/floating_ips/{ip}").json()
    action = api.post(
        f"/v2/floating_ips/{ip}/actions",
        json={"type": "assign", "droplet_id": droplet["id"]},
    )
    history = api.get("/v2/actions").json()["actions"]
    renamed = api.get(
        "/v2/actions", headers={"Accept": "application/vnd.digitalocean.reserveip+json"}
    ).json()["actions"]

    assert [f["ip"] for f in listed["floating_ips"]] == [ip]
    assert fetched["floating_ip"]["ip"] == ip
    assert action.status_code == 201
    assert action.json()["action"]["resource_type"] == "floating_ip"
    assert history[0]["resource_type"] == "floating_ip"
    assert renamed[0]["resource_type"] == "reserved_ip"
    assert api.get(f"/v2/floating_ips/{ip}/actions").json()["meta"]["total"] == 1


def test_floating_ip_create_answers_202_with_floating_ip_key(api):
    created = api.post("/v2/floating_ips", json={"region": "sfo3"})

    assert created.status_code == 202
    assert created.json()["floating_ip"]["region"]["slug"] == "sfo3"


def test_delete_unassigned_address_then_it_is_gone(do, api):
    ip = reserve(do)["ip"]

    do.reserved_ips.delete(ip)

    assert_error(api.get(f"/v2/reserved_ips/{ip}"), 404, "not_found", "")
    assert do.reserved_ips.list()["meta"]["total"] == 0


def test_assigned_address_must_be_unassigned_before_delete(do, api):
    droplet = active(do)
    ip = do.reserved_ips.create(body={"droplet_id": droplet["id"]})["reserved_ip"]["ip"]
    do.reserved_ips.get(ip)

    refused = api.delete(f"/v2/reserved_ips/{ip}")

    assert_error(refused, 422, "unprocessable_entity", "unassign it")
    assert ip in public_v4(do, droplet)


def test_destroying_the_droplet_unassigns_its_address(do):
    droplet = active(do)
    ip = do.reserved_ips.create(body={"droplet_id": droplet["id"]})["reserved_ip"]["ip"]
    do.reserved_ips.get(ip)

    do.droplets.destroy(droplet["id"])

    assert do.reserved_ips.get(ip)["reserved_ip"]["droplet"] is None


def test_address_joins_the_given_project(do):
    project = do.projects.create(
        body={"name": "web", "purpose": "Web Application", "environment": "Production"}
    )["project"]

    ip = do.reserved_ips.create(body={"region": "nyc3", "project_id": project["id"]})

    resources = do.projects.list_resources(project["id"])["resources"]
    assert [r["urn"] for r in resources] == [f"do:floatingip:{ip['reserved_ip']['ip']}"]
    assert ip["reserved_ip"]["project_id"] == project["id"]


def test_bad_create_requests_are_refused_and_reserve_nothing(do, api):
    cases = [
        ({}, 422, "unprocessable_entity", "droplet_id or a region"),
        ({"region": "xyz1"}, 422, "unprocessable_entity", "not available"),
        ({"droplet_id": "abc"}, 422, "unprocessable_entity", "droplet_id"),
        ({"droplet_id": 1}, 404, "not_found", ""),
        (
            {"region": "nyc3", "project_id": "nope"},
            422,
            "unprocessable_entity",
            "project",
        ),
    ]

    for body, status, error_id, words in cases:
        assert_error(api.post("/v2/reserved_ips", json=body), status, error_id, words)
    assert do.reserved_ips.list()["meta"]["total"] == 0


def test_bad_actions_are_refused_without_change(do, api):
    droplet = active(do)
    elsewhere = active(do, region="sfo3")
    ip = reserve(do)["ip"]
    path = f"/v2/reserved_ips/{ip}/actions"
    cases = [
        ({"type": "explode"}, 422, "unprocessable_entity", "type"),
        ({"type": "assign"}, 422, "unprocessable_entity", "droplet_id is required"),
        ({"type": "assign", "droplet_id": 1}, 404, "not_found", ""),
        (
            {"type": "assign", "droplet_id": elsewhere["id"]},
            422,
            "unprocessable_entity",
            "same region",
        ),
        ({"type": "unassign"}, 422, "unprocessable_entity", "not assigned"),
    ]

    for body, status, error_id, words in cases:
        assert_error(api.post(path, json=body), status, error_id, words)
    assert_error(
        api.post("/v2/reserved_ips/1.2.3.4/actions", json={"type": "unassign"}),
        404,
        "not_found",
        "",
    )
    assert do.reserved_ips_actions.list(ip)["meta"]["total"] == 0
    assert ip not in public_v4(do, droplet)


def test_a_droplet_holds_one_reserved_ip(do, api):
    droplet = active(do)
    do.reserved_ips.create(body={"droplet_id": droplet["id"]})
    ip = reserve(do)["ip"]

    refused = api.post(
        f"/v2/reserved_ips/{ip}/actions",
        json={"type": "assign", "droplet_id": droplet["id"]},
    )

    assert_error(refused, 422, "unprocessable_entity", "already has a reserved IP")


def test_action_while_another_runs_is_refused(do, api, frozen_clock):
    droplet = active(do)
    ip = reserve(do)["ip"]
    do.reserved_ips_actions.post(
        ip, body={"type": "assign", "droplet_id": droplet["id"]}
    )

    refused = api.post(f"/v2/reserved_ips/{ip}/actions", json={"type": "unassign"})
    deleted = api.delete(f"/v2/reserved_ips/{ip}")
    frozen_clock(5)

    assert_error(refused, 422, "unprocessable_entity", "pending event")
    assert_error(deleted, 422, "unprocessable_entity", "pending event")


def test_account_holds_at_most_its_reserved_ip_limit(do, api):
    limit = do.account.get()["account"]["floating_ip_limit"]
    for _ in range(limit):
        reserve(do)

    refused = api.post("/v2/reserved_ips", json={"region": "nyc3"})

    assert_error(refused, 422, "unprocessable_entity", f"limit of {limit}")
    assert do.reserved_ips.list()["meta"]["total"] == limit
