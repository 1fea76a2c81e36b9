"""NFS: shares, share actions on the clock, snapshots and access points."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pydo
import pytest

SHARE = {"name": "sammy-share", "size_gib": 100, "region": "atl1", "vpc_ids": ["vpc-a"]}
POLICY = {
    "anonuid": 65534,
    "anongid": 65534,
    "protocols": ["NFS4"],
    "squash_config": "ROOT_SQUASH",
    "identity_enforcement_enabled": False,
}


def _share(do: pydo.Client, **fields: Any) -> dict[str, Any]:
    return do.nfs.create(body={**SHARE, **fields})["share"]


def _action(api: httpx.Client, share_id: str, body: dict[str, Any]) -> httpx.Response:
    return api.post(f"/v2/nfs/{share_id}/actions", json=body)


def test_share_is_creating_until_the_clock_activates_it(
    do: pydo.Client, frozen_clock: Callable[[float], None]
) -> None:
    created = _share(do)

    frozen_clock(60)
    fetched = do.nfs.get(created["id"])["share"]
    points = do.nfs.list_access_points(created["id"])["access_points"]

    assert created["status"] == "CREATING" and fetched["status"] == "ACTIVE"
    assert fetched["performance_tier"] == "PERFORMANCE_TIER_STANDARD"
    assert [(p["path"], p["is_default"], p["status"]) for p in points] == [
        ("/", True, "ACCESS_POINT_ACTIVE")
    ]


def test_list_filters_by_region_and_delete_removes(
    do: pydo.Client, api: httpx.Client
) -> None:
    kept = _share(do)
    _share(do, name="other", region="nyc3")

    atl = do.nfs.list(region="atl1")["shares"]
    deleted = api.delete(f"/v2/nfs/{kept['id']}")

    assert [s["id"] for s in atl] == [kept["id"]]
    assert deleted.status_code == 204
    assert api.get(f"/v2/nfs/{kept['id']}").status_code == 404


def test_resize_attach_and_tier_apply_when_their_actions_complete(
    do: pydo.Client, api: httpx.Client, frozen_clock: Callable[[float], None]
) -> None:
    share = _share(do)
    frozen_clock(60)

    resize = _action(api, share["id"], {"type": "resize", "params": {"size_gib": 200}})
    attach = _action(
        api, share["id"], {"type": "attach", "params": {"vpc_id": "vpc-b"}}
    )
    before = do.nfs.get(share["id"])["share"]
    frozen_clock(60)
    after = do.nfs.get(share["id"])["share"]

    assert resize.status_code == 201
    assert resize.json()["action"]["type"] == "RESIZE_SHARE"
    assert attach.json()["action"]["status"] == "IN_PROGRESS"
    assert (before["size_gib"], after["size_gib"]) == (100, 200)
    assert after["vpc_ids"] == ["vpc-a", "vpc-b"]


def test_snapshot_action_makes_a_snapshot(do: pydo.Client, api: httpx.Client) -> None:
    share = _share(do)
    do.nfs.list()  # the instant clock completes the create

    taken = _action(api, share["id"], {"type": "snapshot", "params": {"name": "daily"}})
    snapshots = do.nfs.list_snapshot(share_id=share["id"])["snapshots"]
    deleted = api.delete(f"/v2/nfs/snapshots/{snapshots[0]['id']}")

    assert taken.status_code == 201
    assert [(s["name"], s["status"], s["size_gib"]) for s in snapshots] == [
        ("daily", "ACTIVE", 100)
    ]
    assert deleted.status_code == 204
    assert do.nfs.list_snapshot()["meta"]["total"] == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"type": "resize"}, "params.size_gib is required"),
        ({"type": "resize", "params": {"size_gib": 50}}, "can only grow"),
        ({"type": "detach", "params": {"vpc_id": "vpc-z"}}, "not attached"),
        ({"type": "attach", "params": {"vpc_id": "vpc-a"}}, "already attached"),
        ({"type": "snapshot", "params": {}}, "params.name is required"),
        (
            {"type": "reassign", "params": {"old_vpc_id": "vpc-z", "new_vpc_id": "b"}},
            "not attached",
        ),
    ],
)
def test_invalid_action_is_refused_and_changes_nothing(
    do: pydo.Client, api: httpx.Client, body: dict[str, Any], message: str
) -> None:
    share = _share(do)
    do.nfs.list()

    refused = _action(api, share["id"], body)

    assert refused.status_code == 422 and message in refused.json()["message"]
    assert do.nfs.get(share["id"])["share"] == {**share, "status": "ACTIVE"}
    assert do.nfs.list_snapshot()["meta"]["total"] == 0


def test_action_on_a_share_still_creating_is_refused(
    do: pydo.Client, api: httpx.Client, frozen_clock: Callable[[float], None]
) -> None:
    share = _share(do)

    refused = _action(api, share["id"], {"type": "resize", "params": {"size_gib": 200}})

    assert refused.status_code == 400 and refused.json()["id"] == "bad_request"


def test_access_point_life_cycle(do: pydo.Client, api: httpx.Client) -> None:
    share = _share(do)
    do.nfs.list()
    body = {
        "name": "other-vpc",
        "path": "/other",
        "vpc_id": "vpc-b",
        "access_policy": POLICY,
    }

    made = do.nfs.create_access_point(share["id"], body=body)
    fetched = do.nfs.get_access_point(made["access_point"]["id"])["access_point"]
    clash = api.post(f"/v2/nfs/shares/{share['id']}/access_points", json=body)
    deleted = do.nfs.delete_access_point(fetched["id"])
    again = api.delete(f"/v2/nfs/access_points/{fetched['id']}")

    assert made["access_point"]["status"] == "ACCESS_POINT_CREATING"
    assert made["action"]["type"] == "CREATE_ACCESS_POINT"
    assert fetched["status"] == "ACCESS_POINT_ACTIVE"
    assert clash.status_code == 409 and clash.json()["id"] == "conflict"
    assert deleted["access_point"]["status"] == "ACCESS_POINT_DELETED"
    assert again.status_code == 400


def test_default_access_point_cannot_be_deleted(
    do: pydo.Client, api: httpx.Client
) -> None:
    share = _share(do)
    default = do.nfs.list_access_points(share["id"])["access_points"][0]

    refused = api.delete(f"/v2/nfs/access_points/{default['id']}")

    assert refused.status_code == 400
    assert refused.json()["message"] == "the default access point cannot be deleted"


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"size_gib": 10}, "size_gib"),
        ({"region": "mars1"}, "region"),
        ({"vpc_ids": []}, "vpc_ids"),
        ({"performance_tier": "ultra"}, "performance_tier"),
        ({"size_gib": "big"}, "size_gib"),
    ],
)
def test_invalid_share_is_refused_and_nothing_is_stored(
    api: httpx.Client, change: dict[str, Any], where: str
) -> None:
    refused = api.post("/v2/nfs", json={**SHARE, **change})

    assert refused.status_code == 422 and where in refused.json()["message"]
    assert api.get("/v2/nfs").json()["meta"]["total"] == 0


def test_share_work_leaves_no_trace_in_the_action_history(
    do: pydo.Client, api: httpx.Client
) -> None:
    share = _share(do)
    do.nfs.list()

    _action(api, share["id"], {"type": "resize", "params": {"size_gib": 200}})

    assert api.get("/v2/actions").json()["meta"]["total"] == 0
