"""Droplets: create, list, get, destroy, and the views of one droplet, through pydo."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

import httpx
import pydo
import pytest

from emulator.core.config import Settings
from emulator.core.errors import Conflict, NotFound
from tests.conftest import Server, free_port, start_server
from tests.helpers import refusal

FOREIGN_VPC = "760e09ef-dc84-11e8-981e-3cfdfeaae000"
FOREIGN_FINGERPRINT = "3b:16:e4:bf:8b:00:8b:b8:59:8c:a9:d3:f0:19:fa:45"
PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEDrcCe4BVFhVPwEbNTgp5kTUjZmlG3kT50CB+chS18G sammy@example.com"
DROPLET = {
    "name": "web-1",
    "region": "nyc3",
    "size": "s-1vcpu-1gb",
    "image": "ubuntu-22-04-x64",
}


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """An emulator in strict auth mode, and a client with a full-access token of it."""
    settings = Settings(
        port=free_port(),
        data_dir=tmp_path_factory.mktemp("strict"),
        in_memory=True,
        clock="instant",
        auth_mode="strict",
    )
    uvicorn_server, thread, _ = start_server(settings)
    url = f"http://127.0.0.1:{settings.port}"
    token = httpx.post(f"{url}/_emulator/tokens", json={"scopes": "read write"}).json()
    with httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {token['token']}"}, timeout=10
    ) as client:
        yield client
    uvicorn_server.should_exit = True
    thread.join(10)


def create(do: pydo.Client, **fields: Any) -> dict[str, Any]:
    return do.droplets.create(body={**DROPLET, **fields})["droplet"]


def active(do: pydo.Client, **fields: Any) -> dict[str, Any]:
    """A droplet whose create action has completed (the instant clock's next request)."""
    created = create(do, **fields)
    return do.droplets.get(created["id"])["droplet"]


NOT_FOUND = {"id": NotFound.id, "message": NotFound.message}


def error_of(answer: dict[str, Any]) -> dict[str, Any]:
    """pydo hands back the body of a documented 404 instead of raising."""
    return {key: answer[key] for key in ("id", "message")}


def kinds(server: Server, token: str) -> dict[str, int]:
    """How many objects of each kind the token's account holds."""
    who = server.control("GET", "/whoami", headers={"Authorization": f"Bearer {token}"})
    tenant = server.control("GET", f"/tenants/{who.json()['tenant_id']}").json()
    return {kind: found["count"] for kind, found in tenant["kinds"].items()}


def scoped(server: Server, token: str, scopes: list[str]) -> dict[str, str]:
    """Headers for another token of the same account holding only `scopes`."""
    who = server.control("GET", "/whoami", headers={"Authorization": f"Bearer {token}"})
    made = server.control(
        "POST", "/tokens", json={"scopes": scopes, "tenant_id": who.json()["tenant_id"]}
    )
    return {"Authorization": f"Bearer {made.json()['token']}"}


def test_create_droplet_answers_new_droplet_with_create_action_link(do):
    answer = do.droplets.create(body=DROPLET)

    droplet, links = answer["droplet"], answer["links"]
    assert droplet["status"] == "new"
    assert droplet["locked"] is False
    assert droplet["networks"] == {"v4": [], "v6": []}
    assert droplet["id"] > 400_000_000
    assert (droplet["memory"], droplet["vcpus"], droplet["disk"]) == (1024, 1, 25)
    assert droplet["size_slug"] == droplet["size"]["slug"] == "s-1vcpu-1gb"
    assert droplet["image"]["slug"] == "ubuntu-22-04-x64"
    assert droplet["region"]["slug"] == "nyc3"
    assert droplet["kernel"] is None
    assert links["actions"][0]["rel"] == "create"
    assert links["actions"][0]["href"].endswith(
        f"/v2/actions/{links['actions'][0]['id']}"
    )


def test_new_droplet_becomes_active_with_networks_when_its_action_completes(
    do, frozen_clock
):
    created = create(do, ipv6=True)

    before = do.droplets.get(created["id"])["droplet"]
    frozen_clock(5)
    after = do.droplets.get(created["id"])["droplet"]

    assert (before["status"], after["status"]) == ("new", "active")
    v4 = {network["type"]: network for network in after["networks"]["v4"]}
    assert ipaddress.ip_address(v4["public"]["ip_address"]).is_global
    assert ipaddress.ip_address(v4["private"]["ip_address"]).is_private
    assert after["networks"]["v6"][0]["netmask"] == 64
    assert "ipv6" in after["features"]


def test_create_action_completes_and_is_listed_for_the_droplet(do):
    answer = do.droplets.create(body=DROPLET)
    droplet_id = answer["droplet"]["id"]

    listed = do.droplet_actions.list(droplet_id)

    assert [a["id"] for a in listed["actions"]] == [answer["links"]["actions"][0]["id"]]
    assert listed["actions"][0]["type"] == "create"
    assert listed["actions"][0]["status"] == "completed"
    assert listed["actions"][0]["resource_id"] == droplet_id


def test_create_multiple_droplets_answers_a_list_with_one_action_each(do):
    names = ["sub-01.example.com", "sub-02.example.com", "sub-03.example.com"]

    fields = {k: v for k, v in DROPLET.items() if k != "name"}

    answer = do.droplets.create(body={**fields, "names": names})

    assert [d["name"] for d in answer["droplets"]] == names
    assert len({d["id"] for d in answer["droplets"]}) == 3
    assert [link["rel"] for link in answer["links"]["actions"]] == ["create"] * 3


def test_droplets_created_together_get_distinct_addresses_in_one_vpc(do):
    names = ["a-1", "a-2"]
    do.droplets.create(
        body={**{k: v for k, v in DROPLET.items() if k != "name"}, "names": names}
    )

    droplets = do.droplets.list()["droplets"]

    assert len({d["vpc_uuid"] for d in droplets}) == 1
    private = [
        n["ip_address"]
        for d in droplets
        for n in d["networks"]["v4"]
        if n["type"] == "private"
    ]
    public = [
        n["ip_address"]
        for d in droplets
        for n in d["networks"]["v4"]
        if n["type"] == "public"
    ]
    assert len(set(private)) == len(set(public)) == 2


def test_public_addresses_differ_across_accounts(do, make_client):
    other = make_client()

    mine, theirs = active(do), active(other)

    def public(droplet: dict[str, Any]) -> str:
        return next(
            n["ip_address"] for n in droplet["networks"]["v4"] if n["type"] == "public"
        )

    assert public(mine) != public(theirs)
    assert mine["id"] != theirs["id"]


def test_droplet_is_in_the_default_project_until_destroyed(do):
    droplet = create(do)
    urn = f"do:droplet:{droplet['id']}"

    during = do.projects.list_resources_default()["resources"]
    do.droplets.destroy(droplet["id"])
    after = do.projects.list_resources_default()["resources"]

    assert [r["urn"] for r in during] == [urn]
    assert after == []


def test_create_with_region_prefix_picks_a_region_that_matches(do):
    droplet = create(do, region="sfo")

    assert droplet["region"]["slug"].startswith("sfo")
    assert droplet["region"]["available"] is True


def test_create_without_region_picks_an_available_region_offering_the_size(do):
    fields = {k: v for k, v in DROPLET.items() if k != "region"}

    droplet = do.droplets.create(body=fields)["droplet"]

    assert droplet["region"]["available"] is True
    assert "s-1vcpu-1gb" in droplet["region"]["sizes"]


def test_create_with_tags_shows_them(do):
    droplet = create(do, tags=["env:prod", "web"])

    assert droplet["tags"] == ["env:prod", "web"]


def test_create_with_backups_sets_feature_window_and_policy(do):
    droplet = create(
        do, backups=True, backup_policy={"plan": "weekly", "weekday": "TUE", "hour": 8}
    )

    policy = do.droplets.get_backup_policy(droplet["id"])["policy"]

    assert "backups" in droplet["features"]
    assert droplet["next_backup_window"]["start"].endswith("T08:00:00Z")
    assert policy["backup_enabled"] is True
    assert policy["backup_policy"] == {
        "plan": "weekly",
        "weekday": "TUE",
        "hour": 8,
        "window_length_hours": 4,
        "retention_period_days": 28,
    }


def test_create_gpu_droplet_shows_gpu_info_and_lists_only_with_type_gpus(do):
    gpu = create(do, name="ml-1", region="tor1", size="gpu-h100x1-80gb")
    plain = create(do)

    default = do.droplets.list()["droplets"]
    gpus = do.droplets.list(type="gpus")["droplets"]

    assert gpu["gpu_info"]["model"] == "nvidia_h100"
    assert [d["id"] for d in default] == [plain["id"]]
    assert [d["id"] for d in gpus] == [gpu["id"]]


def test_create_with_unknown_region_is_refused_and_leaves_nothing(do, server, token):
    status, body = refusal(lambda: create(do, region="xyz9", tags=["left"]))

    assert status == 422
    assert body["id"] == "unprocessable_entity"
    assert body["message"] == "You specified an invalid region for Droplet creation."
    assert kinds(server, token) == {}


def test_create_in_unavailable_region_is_refused(do):
    status, body = refusal(lambda: create(do, region="nyc2"))

    assert (status, body["id"]) == (422, "unprocessable_entity")
    assert body["message"] == "Region is not available"


def test_create_with_unknown_size_is_refused(do):
    status, body = refusal(lambda: create(do, size="1024mb"))

    assert (status, body["id"]) == (422, "unprocessable_entity")
    assert body["message"] == "You specified an invalid size for Droplet creation."


def test_create_with_size_not_offered_in_region_is_refused(do):
    status, body = refusal(lambda: create(do, region="sfo2", size="s-1vcpu-1gb-amd"))

    assert (status, body["id"]) == (422, "unprocessable_entity")
    assert body["message"] == "Size is not available in this region."


def test_create_with_unknown_image_is_refused(do, server, token):
    status, body = refusal(lambda: create(do, image="no-such-os"))

    assert (status, body["id"]) == (422, "unprocessable_entity")
    assert "no-such-os" in body["message"]
    assert kinds(server, token) == {}


def test_create_with_invalid_name_is_refused(do):
    status, body = refusal(lambda: create(do, name="web_1"))

    assert (status, body["id"]) == (422, "unprocessable_entity")
    assert (
        body["message"]
        == "Only valid hostname characters are allowed. (a-z, A-Z, 0-9, . and -)"
    )


def test_create_with_more_than_ten_names_is_refused(do, server, token):
    body = {
        **{k: v for k, v in DROPLET.items() if k != "name"},
        "names": [f"n-{i}" for i in range(11)],
    }

    status, error = refusal(lambda: do.droplets.create(body=body))

    assert (status, error["id"]) == (422, "unprocessable_entity")
    assert "10" in error["message"]
    assert kinds(server, token) == {}


def test_create_without_name_is_refused(do):
    fields = {k: v for k, v in DROPLET.items() if k != "name"}

    status, body = refusal(lambda: do.droplets.create(body=fields))

    assert (status, body["id"]) == (422, "unprocessable_entity")
    assert body["message"] == "name is required."


def test_create_without_size_is_refused(api):
    fields = {k: v for k, v in DROPLET.items() if k != "size"}

    answer = api.post("/v2/droplets", json=fields)

    assert answer.status_code == 422
    assert answer.json()["id"] == "unprocessable_entity"
    assert "size" in answer.json()["message"]


@pytest.mark.parametrize(
    "field, value",
    [("backups", "yes"), ("size", 5), ("name", 7), ("tags", "web"), ("ipv6", 1)],
)
def test_create_with_wrong_types_is_refused(api, field, value):
    answer = api.post("/v2/droplets", json={**DROPLET, field: value})

    assert answer.status_code == 422
    assert answer.json()["id"] == "unprocessable_entity"
    assert field in answer.json()["message"]
    assert api.get("/v2/droplets").json()["meta"]["total"] == 0


def test_create_with_malformed_json_is_a_bad_request(api):
    answer = api.post(
        "/v2/droplets",
        content=b'{"name": ',
        headers={"Content-Type": "application/json"},
    )

    assert answer.status_code == 400
    assert answer.json()["id"] == "bad_request"


def test_create_with_keys_and_vpc_of_another_account_is_refused_in_strict_mode(strict):
    for field, value in (("ssh_keys", [289794]), ("vpc_uuid", FOREIGN_VPC)):
        answer = strict.post("/v2/droplets", json={**DROPLET, field: value})

        assert answer.status_code == 422, field
        assert answer.json()["id"] == "unprocessable_entity"
        assert (
            str(value[0] if field == "ssh_keys" else value) in answer.json()["message"]
        )
    assert strict.get("/v2/droplets").json()["meta"]["total"] == 0


def test_create_leaves_out_unknown_keys_and_vpc_in_permissive_mode(do):
    droplet = create(do, ssh_keys=[289794, FOREIGN_FINGERPRINT], vpc_uuid=FOREIGN_VPC)

    plain = create(do, name="web-2")

    assert droplet["status"] == "new"
    assert droplet["vpc_uuid"] == plain["vpc_uuid"] != FOREIGN_VPC


def test_create_with_keys_of_the_account_by_id_and_fingerprint(strict):
    key = strict.post(
        "/v2/account/keys", json={"name": "laptop", "public_key": PUBLIC_KEY}
    )
    ssh_key = key.json()["ssh_key"]

    answer = strict.post(
        "/v2/droplets",
        json={**DROPLET, "ssh_keys": [ssh_key["id"], ssh_key["fingerprint"]]},
    )

    assert key.status_code == 201
    assert answer.status_code == 202


def test_create_in_the_vpc_of_another_droplet_uses_its_region(do):
    first = create(do)

    second = do.droplets.create(
        body={
            "name": "web-2",
            "size": "s-1vcpu-1gb",
            "image": "ubuntu-22-04-x64",
            "vpc_uuid": first["vpc_uuid"],
        }
    )["droplet"]

    assert second["vpc_uuid"] == first["vpc_uuid"]
    assert second["region"]["slug"] == "nyc3"


def test_create_with_user_data_over_64_kib_is_refused(do):
    status, body = refusal(lambda: create(do, user_data="x" * (64 * 1024 + 1)))

    assert (status, body["id"]) == (422, "unprocessable_entity")
    assert "64 KiB" in body["message"]


def test_create_with_ipv6_but_no_public_networking_is_refused(do):
    status, body = refusal(lambda: create(do, ipv6=True, public_networking=False))

    assert (status, body["id"]) == (422, "unprocessable_entity")
    assert "public_networking" in body["message"]


def test_create_without_public_networking_has_only_a_private_address(do):
    droplet = active(do, public_networking=False)

    assert [n["type"] for n in droplet["networks"]["v4"]] == ["private"]
    assert droplet["networks"]["v6"] == []


def test_create_beyond_the_droplet_limit_is_refused(do):
    for batch in (10, 10, 5):
        fields = {k: v for k, v in DROPLET.items() if k != "name"}
        do.droplets.create(
            body={**fields, "names": [f"d-{batch}-{i}" for i in range(batch)]}
        )

    status, body = refusal(lambda: create(do))

    assert (status, body["id"]) == (422, "unprocessable_entity")
    assert (
        body["message"]
        == "creating this/these droplet(s) will exceed your droplet limit"
    )
    assert do.droplets.list()["meta"]["total"] == 25


def test_create_needs_tag_create_scope_for_tags(api, server, token):
    headers = scoped(server, token, ["droplet:create"])

    tagged = api.post(
        "/v2/droplets", json={**DROPLET, "tags": ["web"]}, headers=headers
    )
    plain = api.post("/v2/droplets", json=DROPLET, headers=headers)

    assert (tagged.status_code, tagged.json()["id"]) == (403, "forbidden")
    assert plain.status_code == 202


def test_list_droplets_pages_with_links_and_total(do):
    fields = {k: v for k, v in DROPLET.items() if k != "name"}
    do.droplets.create(body={**fields, "names": ["p-1", "p-2", "p-3"]})

    first = do.droplets.list(per_page=2, page=1)
    second = do.droplets.list(per_page=2, page=2)

    assert [d["name"] for d in first["droplets"]] == ["p-1", "p-2"]
    assert [d["name"] for d in second["droplets"]] == ["p-3"]
    assert first["meta"]["total"] == second["meta"]["total"] == 3
    assert "page=2" in first["links"]["pages"]["next"]
    assert "next" not in second["links"]["pages"]


def test_list_droplets_by_tag_returns_only_tagged(do):
    tagged = create(do, name="tagged", tags=["web"])
    create(do, name="untagged")

    listed = do.droplets.list(tag_name="web")["droplets"]

    assert [d["id"] for d in listed] == [tagged["id"]]


def test_list_droplets_by_name_is_exact_and_case_insensitive(do):
    wanted = create(do, name="Web-01")
    create(do, name="web-011")

    listed = do.droplets.list(name="web-01")["droplets"]

    assert [d["id"] for d in listed] == [wanted["id"]]


def test_list_by_tag_and_name_together_is_refused(do):
    status, body = refusal(lambda: do.droplets.list(tag_name="web", name="web-1"))

    assert (status, body["id"]) == (422, "unprocessable_entity")
    assert "tag_name" in body["message"]


def test_list_with_unknown_type_is_a_bad_request(api):
    answer = api.get("/v2/droplets", params={"type": "vms"})

    assert answer.status_code == 400
    assert answer.json()["id"] == "bad_request"


def test_list_by_tag_needs_tag_read_scope(api, server, token):
    headers = scoped(server, token, ["droplet:read"])

    by_tag = api.get("/v2/droplets", params={"tag_name": "web"}, headers=headers)
    plain = api.get("/v2/droplets", headers=headers)

    assert (by_tag.status_code, by_tag.json()["id"]) == (403, "forbidden")
    assert plain.status_code == 200


def test_get_droplet_of_another_account_is_not_found(do, make_client):
    droplet = create(do)

    answer = make_client().droplets.get(droplet["id"])

    assert error_of(answer) == NOT_FOUND


def test_get_droplet_with_non_numeric_id_is_not_found(api):
    answer = api.get("/v2/droplets/web-1")

    assert answer.status_code == 404
    assert answer.json()["id"] == "not_found"


def test_delete_droplet_then_get_is_not_found(do):
    droplet = active(do)

    do.droplets.destroy(droplet["id"])

    assert error_of(do.droplets.get(droplet["id"])) == NOT_FOUND
    assert error_of(do.droplets.destroy(droplet["id"])) == NOT_FOUND
    assert do.droplets.list()["meta"]["total"] == 0


def test_delete_droplet_still_being_created_is_allowed(api, frozen_clock):
    created = api.post("/v2/droplets", json=DROPLET).json()["droplet"]

    deleted = api.delete(f"/v2/droplets/{created['id']}")
    frozen_clock(5)

    assert (created["status"], deleted.status_code) == ("new", 204)
    assert api.get(f"/v2/droplets/{created['id']}").status_code == 404


def test_delete_unknown_droplet_is_not_found(do):
    answer = do.droplets.destroy(123)

    assert error_of(answer) == NOT_FOUND


def test_delete_droplets_by_tag_removes_only_tagged(do):
    create(do, name="doomed-1", tags=["env:test"])
    create(do, name="doomed-2", tags=["env:test"])
    kept = create(do, name="kept", tags=["env:prod"])

    do.droplets.destroy_by_tag(tag_name="env:test")

    assert [d["id"] for d in do.droplets.list()["droplets"]] == [kept["id"]]


def test_delete_by_tag_without_tag_name_is_refused(api):
    api.post("/v2/droplets", json=DROPLET)

    answer = api.delete("/v2/droplets")

    assert answer.status_code == 400
    assert answer.json()["id"] == "bad_request"
    assert api.get("/v2/droplets").json()["meta"]["total"] == 1


def test_backups_and_snapshots_of_a_new_droplet_are_empty(do):
    droplet = create(do)

    backups = do.droplets.list_backups(droplet["id"])
    snapshots = do.droplets.list_snapshots(droplet["id"])

    assert (backups["backups"], backups["meta"]["total"]) == ([], 0)
    assert (snapshots["snapshots"], snapshots["meta"]["total"]) == ([], 0)


def test_backup_policy_of_droplet_without_backups_is_disabled(do):
    droplet = create(do)

    policy = do.droplets.get_backup_policy(droplet["id"])["policy"]

    assert policy == {"droplet_id": droplet["id"], "backup_enabled": False}


def test_list_backup_policies_maps_every_droplet_by_id(do):
    with_backups = create(do, name="b-1", backups=True)
    without = create(do, name="b-2")

    policies = do.droplets.list_backup_policies()

    assert set(policies["policies"]) == {str(with_backups["id"]), str(without["id"])}
    assert (
        policies["policies"][str(with_backups["id"])]["backup_policy"]["plan"]
        == "daily"
    )
    assert policies["meta"]["total"] == 2


def test_list_supported_backup_policies_offers_daily_and_weekly(do):
    supported = do.droplets.list_supported_backup_policies()["supported_policies"]

    assert {p["name"]: p["retention_period_days"] for p in supported} == {
        "daily": 7,
        "weekly": 28,
    }


def test_list_kernels_pages_the_catalogue(do):
    droplet = create(do)

    kernels = do.droplets.list_kernels(droplet["id"], per_page=5)

    assert len(kernels["kernels"]) == 5
    assert kernels["meta"]["total"] == 12
    assert "next" in kernels["links"]["pages"]


def test_firewalls_neighbors_and_associated_resources_of_a_lone_droplet_are_empty(do):
    droplet = create(do)

    firewalls = do.droplets.list_firewalls(droplet["id"])
    neighbors = do.droplets.list_neighbors(droplet["id"])
    report = do.droplets.list_neighbors_ids()
    associated = do.droplets.list_associated_resources(droplet["id"])

    assert (firewalls["firewalls"], firewalls["meta"]["total"]) == ([], 0)
    assert neighbors == {"droplets": []}
    assert report == {"neighbor_ids": []}
    assert associated == {
        "reserved_ips": [],
        "floating_ips": [],
        "snapshots": [],
        "volumes": [],
        "volume_snapshots": [],
    }


def test_views_of_unknown_droplet_are_not_found(api):
    for view in (
        "backups",
        "backups/policy",
        "snapshots",
        "kernels",
        "firewalls",
        "neighbors",
    ):
        answer = api.get(f"/v2/droplets/999/{view}")

        assert answer.status_code == 404, view
        assert answer.json()["id"] == "not_found"


def test_destroy_dangerous_removes_droplet_and_reports_completion(do, frozen_clock):
    droplet = active(do)

    do.droplets.destroy_with_associated_resources_dangerous(
        droplet["id"], x_dangerous=True
    )
    pending = do.droplets.get_destroy_associated_resources_status(droplet["id"])
    frozen_clock(5)
    done = do.droplets.get_destroy_associated_resources_status(droplet["id"])

    assert error_of(do.droplets.get(droplet["id"])) == NOT_FOUND
    assert "completed_at" not in pending
    assert done["droplet"]["id"] == str(droplet["id"])
    assert done["droplet"]["destroyed_at"] == done["completed_at"]
    assert done["failures"] == 0


def test_destroy_dangerous_takes_the_droplets_snapshots_along(do, api):
    droplet = active(do)
    do.droplet_actions.post(droplet["id"], body={"type": "snapshot", "name": "snap"})
    snapshot_id = do.droplets.list_snapshots(droplet["id"])["snapshots"][0]["id"]

    listed = do.droplets.list_associated_resources(droplet["id"])
    do.droplets.destroy_with_associated_resources_dangerous(
        droplet["id"], x_dangerous=True
    )
    status = do.droplets.get_destroy_associated_resources_status(droplet["id"])

    assert [(s["id"], s["name"]) for s in listed["snapshots"]] == [
        (str(snapshot_id), "snap")
    ]
    assert [s["id"] for s in status["resources"]["snapshots"]] == [str(snapshot_id)]
    assert status["resources"]["snapshots"][0]["destroyed_at"] == status["completed_at"]
    assert api.get(f"/v2/images/{snapshot_id}").status_code == 404


def test_destroy_dangerous_without_the_header_is_refused(api):
    droplet = api.post("/v2/droplets", json=DROPLET).json()["droplet"]

    answer = api.delete(
        f"/v2/droplets/{droplet['id']}/destroy_with_associated_resources/dangerous",
        headers={"X-Dangerous": "false"},
    )

    assert answer.status_code == 400
    assert answer.json()["id"] == "bad_request"
    assert "X-Dangerous" in answer.json()["message"]
    assert api.get(f"/v2/droplets/{droplet['id']}").status_code == 200


def test_destroy_selective_with_nothing_chosen_removes_only_the_droplet(do):
    droplet = active(do)

    do.droplets.destroy_with_associated_resources_selective(droplet["id"], body={})
    status = do.droplets.get_destroy_associated_resources_status(droplet["id"])

    assert status["resources"]["snapshots"] == []
    assert status["completed_at"]
    assert do.droplets.list()["meta"]["total"] == 0


def test_destroy_selective_with_unassociated_resource_is_refused(do):
    droplet = active(do)

    status, body = refusal(
        lambda: do.droplets.destroy_with_associated_resources_selective(
            droplet["id"], body={"snapshots": ["61486916"]}
        )
    )

    assert (status, body["id"]) == (422, "unprocessable_entity")
    assert "61486916" in body["message"]
    assert do.droplets.get(droplet["id"])["droplet"]["id"] == droplet["id"]


def test_retry_while_a_destroy_is_in_progress_is_a_conflict(do, frozen_clock):
    droplet = create(do)
    frozen_clock(5)
    do.droplets.destroy_with_associated_resources_dangerous(
        droplet["id"], x_dangerous=True
    )

    during = do.droplets.destroy_retry_with_associated_resources(droplet["id"])
    frozen_clock(5)
    after = do.droplets.destroy_retry_with_associated_resources(droplet["id"])

    assert error_of(during) == {"id": Conflict.id, "message": Conflict.message}
    assert after is None


def test_destroy_with_associated_resources_needs_every_delete_scope(api, server, token):
    droplet = api.post("/v2/droplets", json=DROPLET).json()["droplet"]
    headers = scoped(server, token, ["droplet:delete", "droplet:read"])

    answer = api.delete(
        f"/v2/droplets/{droplet['id']}/destroy_with_associated_resources/dangerous",
        headers={**headers, "X-Dangerous": "true"},
    )

    assert (answer.status_code, answer.json()["id"]) == (403, "forbidden")
    assert api.get(f"/v2/droplets/{droplet['id']}").status_code == 200


def test_destroy_status_of_unknown_droplet_is_not_found(api):
    answer = api.get("/v2/droplets/999/destroy_with_associated_resources/status")

    assert answer.status_code == 404
    assert answer.json()["id"] == "not_found"


def test_unauthenticated_list_is_refused(server):
    answer = httpx.get(f"{server.url}/v2/droplets")

    assert answer.status_code == 401
    assert answer.json()["id"] == "unauthorized"
