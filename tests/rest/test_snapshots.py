"""Snapshots: droplet (and volume) snapshots listed, read and deleted together.

Droplet snapshots come from the droplet `snapshot` action; the tests that need
one drive it through pydo as a user would. Snapshots without a droplet come
from converting an imported custom image.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from emulator.core.store import Record, Tx
from tests.helpers import assert_error, scoped_client

PUBLIC_ID = 112929454  # ubuntu-20-04-x64 in the catalogue
DROPLET = {
    "name": "web-01",
    "region": "nyc3",
    "size": "s-1vcpu-1gb",
    "image": "ubuntu-24-04-x64",
}
CUSTOM = {"name": "golden", "url": "https://example.com/golden.img", "region": "sfo3"}


def droplet_snapshot(
    do, name: str = "web-01-snap"
) -> tuple[dict[str, Any], dict[str, Any]]:
    """An active droplet and a snapshot of it, made by the droplet snapshot action."""
    droplet = do.droplets.create(body=DROPLET)["droplet"]
    do.droplets.get(droplet["id"])
    do.droplet_actions.post(droplet["id"], body={"type": "snapshot", "name": name})
    snapshot_id = do.droplets.get(droplet["id"])["droplet"]["snapshot_ids"][-1]
    return do.droplets.get(droplet["id"])["droplet"], do.images.get(snapshot_id)[
        "image"
    ]


def converted_snapshot(do) -> dict[str, Any]:
    """A snapshot with no droplet behind it: an imported custom image, converted."""
    image = do.images.create_custom(body=CUSTOM)["image"]
    do.image_actions.post(image["id"], body={"type": "convert"})
    return do.images.get(image["id"])["image"]


def plant_volume_snapshot(server, api: httpx.Client) -> dict[str, Any]:
    """A volume snapshot put straight into the account's store.

    The volumes family, which makes them through the API, is not written yet;
    this stands in for `POST /v2/volumes/{id}/snapshots` until it is.
    """
    emulator = server.app.state.emulator
    tenant_id = api.get("/_emulator/whoami").json()["tenant_id"]
    tenant = emulator.tenants.load(tenant_id)
    data = {
        "id": str(uuid.uuid4()),
        "name": "pvc-01-1595954862243",
        "created_at": "2019-09-28T23:14:30Z",
        "regions": ["nyc1"],
        "resource_id": str(uuid.uuid4()),
        "resource_type": "volume",
        "min_disk_size": 2,
        "size_gigabytes": 0.1008,
        "tags": ["k8s"],
    }
    tx = Tx(emulator.store, tenant)
    tx.put(Record("volume_snapshot", data["id"], data))
    emulator.store.database.write_now(tx.apply())
    return data


def test_list_snapshots_of_a_new_account_is_empty(do) -> None:
    listed = do.snapshots.list()

    assert listed == {"snapshots": [], "links": {}, "meta": {"total": 0}}


def test_droplet_snapshot_is_listed_in_the_snapshots_shape(do) -> None:
    droplet, image = droplet_snapshot(do)

    listed = do.snapshots.list()["snapshots"]

    assert listed == [
        {
            "id": str(image["id"]),
            "name": "web-01-snap",
            "created_at": image["created_at"],
            "regions": ["nyc3"],
            "min_disk_size": droplet["disk"],
            "size_gigabytes": image["size_gigabytes"],
            "resource_id": str(droplet["id"]),
            "resource_type": "droplet",
            "tags": [],
        }
    ]
    assert image["type"] == "snapshot"


def test_list_snapshots_by_resource_type(do) -> None:
    _, image = droplet_snapshot(do)

    droplets = do.snapshots.list(resource_type="droplet")["snapshots"]
    volumes = do.snapshots.list(resource_type="volume")["snapshots"]

    assert [s["id"] for s in droplets] == [str(image["id"])]
    assert volumes == []


def test_get_droplet_snapshot(do) -> None:
    droplet, image = droplet_snapshot(do)

    found = do.snapshots.get(str(image["id"]))["snapshot"]

    assert (found["id"], found["resource_id"]) == (str(image["id"]), str(droplet["id"]))


def test_delete_droplet_snapshot_removes_it_from_the_droplet(do) -> None:
    droplet, image = droplet_snapshot(do)

    do.snapshots.delete(str(image["id"]))

    assert do.snapshots.get(str(image["id"]))["id"] == "not_found"
    assert do.images.get(image["id"])["id"] == "not_found"
    assert image["id"] not in do.droplets.get(droplet["id"])["droplet"]["snapshot_ids"]


def test_delete_image_of_a_snapshot_removes_it_from_the_droplet(do) -> None:
    droplet, image = droplet_snapshot(do)

    do.images.delete(image["id"])

    assert do.droplets.get(droplet["id"])["droplet"]["snapshot_ids"] == []
    assert do.snapshots.list()["meta"]["total"] == 0


def test_converted_snapshot_is_listed_without_a_droplet(do) -> None:
    image = converted_snapshot(do)

    listed = do.snapshots.list(resource_type="droplet")["snapshots"]

    assert [(s["id"], s["resource_id"]) for s in listed] == [(str(image["id"]), "")]
    assert listed[0]["regions"] == ["sfo3"]


def test_list_snapshots_leaves_out_images_that_are_not_snapshots(do) -> None:
    do.images.create_custom(body=CUSTOM)

    assert do.snapshots.list()["meta"]["total"] == 0


def test_list_snapshots_pages(do, api) -> None:
    made = [converted_snapshot(do)["id"] for _ in range(3)]

    first = api.get("/v2/snapshots", params={"per_page": 2}).json()
    second = api.get("/v2/snapshots", params={"per_page": 2, "page": 2}).json()

    assert [s["id"] for s in first["snapshots"] + second["snapshots"]] == [
        str(i) for i in made
    ]
    assert first["meta"]["total"] == 3
    assert set(first["links"]["pages"]) == {"next", "last"}
    assert set(second["links"]["pages"]) == {"first", "prev"}


def test_list_snapshots_with_unknown_resource_type_is_400(api) -> None:
    response = api.get("/v2/snapshots", params={"resource_type": "image"})

    assert_error(response, 400, "bad_request", "resource_type")


def test_get_and_delete_converted_snapshot(do) -> None:
    image = converted_snapshot(do)

    found = do.snapshots.get(image["id"])["snapshot"]
    do.snapshots.delete(image["id"])

    assert found["name"] == "golden"
    assert do.snapshots.list()["meta"]["total"] == 0
    assert do.images.get(image["id"])["id"] == "not_found"


def test_snapshot_of_a_custom_image_is_400_not_a_snapshot(do, api) -> None:
    image = do.images.create_custom(body=CUSTOM)["image"]

    got = api.get(f"/v2/snapshots/{image['id']}")
    deleted = api.delete(f"/v2/snapshots/{image['id']}")

    assert_error(got, 400, "bad_request", "the resource is not a snapshot")
    assert_error(deleted, 400, "bad_request", "the resource is not a snapshot")
    assert do.images.get(image["id"])["image"]["id"] == image["id"]


def test_snapshot_of_a_public_image_is_400_not_a_snapshot(api) -> None:
    got = api.get(f"/v2/snapshots/{PUBLIC_ID}")
    deleted = api.delete(f"/v2/snapshots/{PUBLIC_ID}")

    assert_error(got, 400, "bad_request", "the resource is not a snapshot")
    assert_error(deleted, 400, "bad_request", "the resource is not a snapshot")


@pytest.mark.parametrize("ref", ["6372321", str(uuid.uuid4()), "abc"])
def test_unknown_snapshot_is_404(api, ref) -> None:
    for response in (
        api.get(f"/v2/snapshots/{ref}"),
        api.delete(f"/v2/snapshots/{ref}"),
    ):
        assert_error(response, 404, "not_found", "could not be found")


def test_another_accounts_snapshot_is_404_and_kept(do, api, make_client) -> None:
    other = make_client()
    theirs = converted_snapshot(other)

    got = api.get(f"/v2/snapshots/{theirs['id']}")
    deleted = api.delete(f"/v2/snapshots/{theirs['id']}")

    assert_error(got, 404, "not_found", "could not be found")
    assert_error(deleted, 404, "not_found", "could not be found")
    assert other.snapshots.get(theirs["id"])["snapshot"]["id"] == str(theirs["id"])


def test_delete_snapshot_twice_is_404(do, api) -> None:
    image = converted_snapshot(do)
    do.snapshots.delete(image["id"])

    response = api.delete(f"/v2/snapshots/{image['id']}")

    assert_error(response, 404, "not_found", "could not be found")


def test_volume_snapshots_are_listed_read_and_deleted_with_droplet_ones(
    server, do, api
) -> None:
    image = converted_snapshot(do)
    volume = plant_volume_snapshot(server, api)

    everything = do.snapshots.list()["snapshots"]
    volumes = do.snapshots.list(resource_type="volume")["snapshots"]
    droplets = do.snapshots.list(resource_type="droplet")["snapshots"]
    found = do.snapshots.get(volume["id"])["snapshot"]
    do.snapshots.delete(volume["id"])

    assert [s["id"] for s in everything] == [str(image["id"]), volume["id"]]
    assert volumes == [volume]
    assert [s["id"] for s in droplets] == [str(image["id"])]
    assert found == volume
    assert do.snapshots.get(volume["id"])["id"] == "not_found"
    assert [s["id"] for s in do.snapshots.list()["snapshots"]] == [str(image["id"])]


def test_snapshot_routes_take_snapshot_or_their_resource_scopes(
    server, do, api
) -> None:
    image = converted_snapshot(do)
    path = f"/v2/snapshots/{image['id']}"

    with scoped_client(server, api, ["block_storage_snapshot:read"]) as volume_reader:
        listed = volume_reader.get("/v2/snapshots")
        read = volume_reader.get(path)
    with scoped_client(server, api, ["image:delete"]) as image_deleter:
        deleted = image_deleter.delete(path)

    assert_error(listed, 403, "forbidden", "access")
    assert read.status_code == 200
    assert deleted.status_code == 204
