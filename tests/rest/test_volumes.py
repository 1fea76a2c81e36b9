"""Block Storage: volumes' life cycle, names per region, filters, snapshots, bad input."""

from __future__ import annotations

from typing import Any

import httpx
import pydo

from tests.helpers import assert_error

VOLUME = {
    "size_gigabytes": 10,
    "name": "ext4-example",
    "description": "Block store for examples",
    "region": "nyc3",
    "filesystem_type": "ext4",
    "filesystem_label": "ext4_volume_01",
}


def create_volume(do: pydo.Client, **fields: Any) -> dict[str, Any]:
    return do.volumes.create(body={**VOLUME, **fields})["volume"]


def volume_count(api: httpx.Client) -> int:
    return int(api.get("/v2/volumes").json()["meta"]["total"])


def test_create_volume_answers_the_volume_in_its_region(do):
    volume = create_volume(do, tags=["db"])

    fetched = do.volumes.get(volume["id"])["volume"]

    assert fetched == volume
    assert volume["region"]["slug"] == "nyc3"
    assert volume["droplet_ids"] == []
    assert (volume["size_gigabytes"], volume["filesystem_type"]) == (10, "ext4")
    assert volume["tags"] == ["db"]
    assert do.tags.get("db")["tag"]["resources"]["volumes"]["count"] == 1


def test_new_volume_joins_the_default_project(do):
    volume = create_volume(do)

    resources = do.projects.list_resources_default()["resources"]

    assert f"do:volume:{volume['id']}" in [r["urn"] for r in resources]


def test_list_volumes_pages_and_filters_by_name_and_region(do):
    for name, region in [("a", "nyc3"), ("b", "nyc3"), ("a", "sfo3")]:
        create_volume(do, name=name, region=region)

    page = do.volumes.list(per_page=2)
    by_name = do.volumes.list(name="a")["volumes"]
    by_both = do.volumes.list(name="a", region="sfo3")["volumes"]

    assert page["meta"]["total"] == 3 and len(page["volumes"]) == 2
    assert "next" in page["links"]["pages"]
    assert [v["region"]["slug"] for v in by_name] == ["nyc3", "sfo3"]
    assert [(v["name"], v["region"]["slug"]) for v in by_both] == [("a", "sfo3")]


def test_volume_name_is_unique_per_region_only(do, api):
    create_volume(do, name="data")

    same_region = api.post("/v2/volumes", json={**VOLUME, "name": "data"})
    other_region = api.post(
        "/v2/volumes", json={**VOLUME, "name": "data", "region": "sfo3"}
    )

    assert_error(same_region, 409, "conflict", "already exists")
    assert other_region.status_code == 201
    assert volume_count(api) == 2


def test_delete_volume_by_name_removes_only_that_region_s_volume(do, api):
    create_volume(do, name="data", region="nyc3")
    kept = create_volume(do, name="data", region="sfo3")

    do.volumes.delete_by_name(name="data", region="nyc3")

    assert [v["id"] for v in do.volumes.list()["volumes"]] == [kept["id"]]


def test_delete_volume_by_unknown_name_or_without_name_is_refused(api):
    unknown = api.delete("/v2/volumes", params={"name": "nope", "region": "nyc3"})
    missing = api.delete("/v2/volumes", params={"region": "nyc3"})

    assert_error(unknown, 404, "not_found", "could not be found")
    assert_error(missing, 400, "bad_request", "name and region")


def test_deleted_volume_is_gone(do, api):
    volume = create_volume(do)

    do.volumes.delete(volume["id"])

    assert_error(api.get(f"/v2/volumes/{volume['id']}"), 404, "not_found", "")
    assert_error(api.delete(f"/v2/volumes/{volume['id']}"), 404, "not_found", "")


def test_create_volume_with_bad_input_is_refused_and_stores_nothing(api):
    cases = [
        ({**VOLUME, "name": "Upper"}, 422, "lowercase"),
        ({**VOLUME, "name": "1st"}, 422, "begin with a letter"),
        ({**VOLUME, "size_gigabytes": 0}, 422, "between 1 and 16384"),
        ({**VOLUME, "size_gigabytes": 16385}, 422, "between 1 and 16384"),
        ({**VOLUME, "size_gigabytes": "ten"}, 422, "size_gigabytes"),
        ({**VOLUME, "region": "xyz1"}, 422, "not available"),
        ({**VOLUME, "filesystem_type": "ntfs"}, 422, "ext4, xfs"),
        ({**VOLUME, "filesystem_type": "xfs", "filesystem_label": "a" * 13}, 422, "12"),
        ({**VOLUME, "snapshot_id": "nope"}, 422, "snapshot nope not found"),
        ({**VOLUME, "tags": ["bad tag"]}, 422, "tags may contain"),
        ({"name": "x", "region": "nyc3"}, 422, "size_gigabytes"),
    ]

    for body, status, words in cases:
        assert_error(
            api.post("/v2/volumes", json=body), status, "unprocessable_entity", words
        )
    assert volume_count(api) == 0
    assert api.get("/v2/tags").json()["tags"] == []


def test_get_unknown_volume_is_404(api):
    assert_error(api.get("/v2/volumes/not-a-volume"), 404, "not_found", "")


def test_volume_snapshot_life_cycle(do, api):
    volume = create_volume(do)

    snapshot = do.volume_snapshots.create(
        volume["id"], body={"name": "snap-1", "tags": ["nightly"]}
    )["snapshot"]
    listed = do.volume_snapshots.list(volume["id"])
    fetched = do.volume_snapshots.get_by_id(snapshot["id"])["snapshot"]
    everywhere = do.snapshots.list(resource_type="volume")["snapshots"]
    do.volume_snapshots.delete_by_id(snapshot["id"])

    assert snapshot["resource_id"] == volume["id"]
    assert snapshot["resource_type"] == "volume"
    assert (snapshot["regions"], snapshot["min_disk_size"]) == (["nyc3"], 10)
    assert snapshot["tags"] == ["nightly"]
    assert [s["id"] for s in listed["snapshots"]] == [snapshot["id"]]
    assert listed["meta"]["total"] == 1
    assert fetched == snapshot
    assert [s["id"] for s in everywhere] == [snapshot["id"]]
    assert_error(
        api.get(f"/v2/volumes/snapshots/{snapshot['id']}"), 404, "not_found", ""
    )


def test_volume_from_a_snapshot_needs_at_least_its_size(do, api):
    volume = create_volume(do, size_gigabytes=20)
    snapshot = do.volume_snapshots.create(volume["id"], body={"name": "s"})["snapshot"]

    small = api.post(
        "/v2/volumes",
        json={
            **VOLUME,
            "name": "copy",
            "size_gigabytes": 10,
            "snapshot_id": snapshot["id"],
        },
    )
    restored = create_volume(
        do, name="copy", size_gigabytes=20, snapshot_id=snapshot["id"]
    )

    assert_error(small, 422, "unprocessable_entity", "at least 20")
    assert restored["size_gigabytes"] == 20


def test_snapshot_of_unknown_volume_or_without_name_is_refused(do, api):
    volume = create_volume(do)

    unknown = api.post("/v2/volumes/nope/snapshots", json={"name": "s"})
    nameless = api.post(f"/v2/volumes/{volume['id']}/snapshots", json={})

    assert_error(unknown, 404, "not_found", "")
    assert_error(nameless, 422, "unprocessable_entity", "name")
    assert do.volume_snapshots.list(volume["id"])["meta"]["total"] == 0


def test_volumes_of_one_account_are_invisible_to_another(do, make_client):
    create_volume(do)

    other = make_client()

    assert other.volumes.list()["volumes"] == []


def test_account_holds_at_most_its_volume_limit(do, api):
    limit = do.account.get()["account"]["volume_limit"]
    for n in range(limit):
        api.post("/v2/volumes", json={**VOLUME, "name": f"v{n}"}).raise_for_status()

    refused = api.post("/v2/volumes", json={**VOLUME, "name": "one-more"})

    assert_error(refused, 422, "unprocessable_entity", f"limit of {limit}")
    assert volume_count(api) == limit
