"""Block Storage Actions: attach, detach and resize on the clock, by id and by name."""

from __future__ import annotations

from typing import Any

import pydo

from tests.helpers import assert_error
from tests.rest.test_droplets import active
from tests.rest.test_volumes import create_volume


def act(do: pydo.Client, volume: dict[str, Any], **body: Any) -> dict[str, Any]:
    return do.volume_actions.post_by_id(volume["id"], body=body)["action"]


def reload(do: pydo.Client, volume: dict[str, Any]) -> dict[str, Any]:
    return do.volumes.get(volume["id"])["volume"]


def droplet_of(do: pydo.Client, droplet: dict[str, Any]) -> dict[str, Any]:
    return do.droplets.get(droplet["id"])["droplet"]


def test_attach_is_in_progress_then_links_volume_and_droplet(do, frozen_clock):
    droplet, volume = active(do), create_volume(do)
    frozen_clock(5)

    action = act(
        do, volume, type="attach", droplet_id=droplet["id"], region="nyc3", tags=["db"]
    )
    during = reload(do, volume)
    frozen_clock(5)
    after = reload(do, volume)

    assert (action["type"], action["status"]) == ("attach_volume", "in-progress")
    assert action["resource_type"] == "volume"
    assert action["region_slug"] == "nyc3"
    assert (during["droplet_ids"], after["droplet_ids"]) == ([], [droplet["id"]])
    assert after["tags"] == ["db"]
    assert droplet_of(do, droplet)["volume_ids"] == [volume["id"]]
    done = do.volume_actions.get(volume["id"], action["id"])["action"]
    assert done["status"] == "completed"


def test_detach_unlinks_volume_and_droplet(do):
    droplet, volume = active(do), create_volume(do)
    act(do, volume, type="attach", droplet_id=droplet["id"])

    action = act(do, volume, type="detach", droplet_id=droplet["id"])

    assert action["type"] == "detach_volume"
    assert reload(do, volume)["droplet_ids"] == []
    assert droplet_of(do, droplet)["volume_ids"] == []


def test_attach_and_detach_by_name_use_volume_name_and_region(do):
    droplet = active(do)
    volume = create_volume(do, name="data")
    body = {"volume_name": "data", "region": "nyc3", "droplet_id": droplet["id"]}

    attached = do.volume_actions.post(body={**body, "type": "attach"})["action"]
    linked = reload(do, volume)["droplet_ids"]
    do.volume_actions.post(body={**body, "type": "detach"})

    assert attached["type"] == "attach_volume"
    assert linked == [droplet["id"]]
    assert reload(do, volume)["droplet_ids"] == []


def test_actions_of_a_volume_are_listed(do):
    droplet, volume = active(do), create_volume(do)
    first = act(do, volume, type="attach", droplet_id=droplet["id"])
    second = act(do, volume, type="resize", size_gigabytes=20)

    listed = do.volume_actions.list(volume["id"])

    assert [a["id"] for a in listed["actions"]] == [first["id"], second["id"]]
    assert listed["meta"]["total"] == 2


def test_attach_to_droplet_in_other_region_is_refused(do, api):
    droplet = active(do, region="sfo3")
    volume = create_volume(do)

    refused = api.post(
        f"/v2/volumes/{volume['id']}/actions",
        json={"type": "attach", "droplet_id": droplet["id"]},
    )

    assert_error(refused, 422, "unprocessable_entity", "same region")
    assert reload(do, volume)["droplet_ids"] == []
    assert do.volume_actions.list(volume["id"])["meta"]["total"] == 0


def test_attached_volume_cannot_attach_again_or_be_deleted(do, api):
    first, second = active(do), active(do)
    volume = create_volume(do)
    act(do, volume, type="attach", droplet_id=first["id"])

    again = api.post(
        f"/v2/volumes/{volume['id']}/actions",
        json={"type": "attach", "droplet_id": second["id"]},
    )
    deleted = api.delete(f"/v2/volumes/{volume['id']}")

    assert_error(again, 422, "unprocessable_entity", "already attached")
    assert_error(deleted, 409, "conflict", "detach it first")
    assert reload(do, volume)["droplet_ids"] == [first["id"]]


def test_a_droplet_holds_at_most_fifteen_volumes(do, api):
    droplet = active(do)
    for n in range(15):
        act(
            do, create_volume(do, name=f"v{n}"), type="attach", droplet_id=droplet["id"]
        )
    extra = create_volume(do, name="extra")

    refused = api.post(
        f"/v2/volumes/{extra['id']}/actions",
        json={"type": "attach", "droplet_id": droplet["id"]},
    )

    assert_error(refused, 422, "unprocessable_entity", "at most 15")
    assert len(droplet_of(do, droplet)["volume_ids"]) == 15


def test_action_while_another_runs_is_refused(do, api, frozen_clock):
    droplet, volume = active(do), create_volume(do)
    act(do, volume, type="attach", droplet_id=droplet["id"])

    refused = api.post(
        f"/v2/volumes/{volume['id']}/actions",
        json={"type": "resize", "size_gigabytes": 50},
    )
    frozen_clock(5)

    assert_error(refused, 422, "unprocessable_entity", "pending action")
    assert reload(do, volume)["size_gigabytes"] == 10


def test_resize_only_grows(do, api):
    volume = create_volume(do)

    smaller = api.post(
        f"/v2/volumes/{volume['id']}/actions",
        json={"type": "resize", "size_gigabytes": 5},
    )
    same = api.post(
        f"/v2/volumes/{volume['id']}/actions",
        json={"type": "resize", "size_gigabytes": 10},
    )
    grown = act(do, volume, type="resize", size_gigabytes=100, region="nyc3")

    assert_error(smaller, 422, "unprocessable_entity", "upwards")
    assert_error(same, 422, "unprocessable_entity", "upwards")
    assert grown["type"] == "resize"
    assert reload(do, volume)["size_gigabytes"] == 100


def test_detach_from_a_droplet_it_is_not_on_is_refused(do, api):
    droplet, volume = active(do), create_volume(do)

    refused = api.post(
        f"/v2/volumes/{volume['id']}/actions",
        json={"type": "detach", "droplet_id": droplet["id"]},
    )

    assert_error(refused, 422, "unprocessable_entity", "Attachment not found")


def test_bad_action_requests_are_refused_without_change(do, api):
    droplet, volume = active(do), create_volume(do)
    path = f"/v2/volumes/{volume['id']}/actions"
    cases = [
        ({"type": "explode"}, 422, "unprocessable_entity", "type"),
        ({"type": "attach"}, 422, "unprocessable_entity", "droplet_id is required"),
        (
            {"type": "attach", "droplet_id": "x"},
            422,
            "unprocessable_entity",
            "droplet_id",
        ),
        ({"type": "attach", "droplet_id": 1}, 404, "not_found", ""),
        (
            {"type": "attach", "droplet_id": droplet["id"], "region": "sfo3"},
            422,
            "unprocessable_entity",
            "not in region sfo3",
        ),
        ({"type": "resize"}, 422, "unprocessable_entity", "size_gigabytes is required"),
        (
            {"type": "resize", "size_gigabytes": 99999},
            422,
            "unprocessable_entity",
            "at most",
        ),
    ]

    for body, status, error_id, words in cases:
        assert_error(api.post(path, json=body), status, error_id, words)
    assert_error(
        api.post(
            "/v2/volumes/nope/actions", json={"type": "resize", "size_gigabytes": 20}
        ),
        404,
        "not_found",
        "",
    )
    assert_error(
        api.post(
            "/v2/volumes/actions",
            json={
                "type": "attach",
                "volume_name": "nope",
                "region": "nyc3",
                "droplet_id": droplet["id"],
            },
        ),
        404,
        "not_found",
        "",
    )
    assert do.volume_actions.list(volume["id"])["meta"]["total"] == 0
    assert reload(do, volume) == volume


def test_deleting_a_droplet_detaches_its_volumes(do):
    droplet, volume = active(do), create_volume(do)
    act(do, volume, type="attach", droplet_id=droplet["id"])

    do.droplets.destroy(droplet["id"])
    do.volumes.delete(volume["id"])

    assert do.volumes.list()["meta"]["total"] == 0


def test_unknown_action_of_a_volume_is_404(do, api):
    volume = create_volume(do)

    assert_error(
        api.get(f"/v2/volumes/{volume['id']}/actions/123"), 404, "not_found", ""
    )
