"""Droplet autoscale pools: pools of real droplets, scaled by their config."""

from __future__ import annotations

from typing import Any

import httpx
import pydo
import pytest

TEMPLATE = {
    "name": "web",
    "region": "nyc3",
    "size": "s-1vcpu-1gb",
    "image": "ubuntu-22-04-x64",
    "ssh_keys": [],
    "tags": ["web"],
}
POOL = {
    "name": "my-pool",
    "config": {"target_number_instances": 2},
    "droplet_template": TEMPLATE,
}
PATH = "/v2/droplets/autoscale"


def _pool(do: pydo.Client, **fields: Any) -> dict[str, Any]:
    return do.autoscalepools.create(body={**POOL, **fields})["autoscale_pool"]


def test_create_pool_builds_its_droplets(do: pydo.Client) -> None:
    pool = _pool(do)

    members = do.autoscalepools.list_members(pool["id"])["droplets"]
    droplets = do.droplets.list()["droplets"]
    history = do.autoscalepools.list_history(pool["id"])["history"]

    assert pool["status"] == "active" and pool["active_resources_count"] == 2
    assert sorted(m["droplet_id"] for m in members) == sorted(d["id"] for d in droplets)
    assert all(d["name"].startswith("web-") and d["tags"] == ["web"] for d in droplets)
    assert [
        (h["current_instance_count"], h["desired_instance_count"]) for h in history
    ] == [(0, 2)]


def test_dynamic_pool_holds_its_minimum(do: pydo.Client) -> None:
    config = {"min_instances": 1, "max_instances": 5, "target_cpu_utilization": 0.5}

    pool = _pool(do, config=config)

    assert pool["active_resources_count"] == 1
    assert do.autoscalepools.list_members(pool["id"])["meta"]["total"] == 1


def test_update_scales_up_and_down(do: pydo.Client) -> None:
    pool = _pool(do)

    up = do.autoscalepools.update(
        pool["id"], body={**POOL, "config": {"target_number_instances": 3}}
    )
    down = do.autoscalepools.update(
        pool["id"], body={**POOL, "config": {"target_number_instances": 1}}
    )

    assert up["autoscale_pool"]["active_resources_count"] == 3
    assert down["autoscale_pool"]["config"] == {"target_number_instances": 1}
    assert do.droplets.list()["meta"]["total"] == 1
    history = do.autoscalepools.list_history(pool["id"])["history"]
    assert [h["desired_instance_count"] for h in history] == [2, 3, 1]


def test_list_filters_by_name_and_get(do: pydo.Client) -> None:
    first = _pool(do)
    _pool(do, name="other")

    named = do.autoscalepools.list(name="my-pool")["autoscale_pools"]
    fetched = do.autoscalepools.get(first["id"])["autoscale_pool"]

    assert [p["id"] for p in named] == [first["id"]]
    assert fetched == first


def test_delete_destroys_the_pool_and_its_droplets(
    do: pydo.Client, api: httpx.Client
) -> None:
    pool = _pool(do)

    deleted = api.delete(f"{PATH}/{pool['id']}")

    assert deleted.status_code == 202
    assert api.get(f"{PATH}/{pool['id']}").status_code == 404
    assert do.droplets.list()["meta"]["total"] == 0


def test_dangerous_delete_needs_the_header(do: pydo.Client, api: httpx.Client) -> None:
    pool = _pool(do)

    refused = api.delete(f"{PATH}/{pool['id']}/dangerous")
    deleted = api.delete(
        f"{PATH}/{pool['id']}/dangerous", headers={"X-Dangerous": "true"}
    )

    assert refused.status_code == 400 and refused.json()["id"] == "bad_request"
    assert deleted.status_code == 202
    assert do.droplets.list()["meta"]["total"] == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"config": {}}, "target_number_instances"),
        (
            {
                "config": {
                    "min_instances": 3,
                    "max_instances": 2,
                    "target_cpu_utilization": 0.5,
                }
            },
            "must not exceed",
        ),
        (
            {"config": {"min_instances": 1, "max_instances": 2}},
            "target_cpu_utilization",
        ),
        ({"config": {"target_number_instances": 0}}, "target_number_instances"),
        ({"droplet_template": {**TEMPLATE, "size": "huge"}}, "invalid size"),
        ({"droplet_template": {**TEMPLATE, "image": "nope"}}, "image"),
        ({"droplet_template": {**TEMPLATE, "region": "mars1"}}, "region"),
    ],
)
def test_invalid_pool_is_refused_and_nothing_is_built(
    api: httpx.Client, change: dict[str, Any], message: str
) -> None:
    refused = api.post(PATH, json={**POOL, **change})

    assert refused.status_code == 422
    assert message in refused.json()["message"]
    assert api.get(PATH).json()["meta"]["total"] == 0
    assert api.get("/v2/droplets").json()["meta"]["total"] == 0


def test_unknown_pool_is_404(api: httpx.Client) -> None:
    for path in ("", "/members", "/history"):
        found = api.get(f"{PATH}/0d3db13e-a604-4944-9827-7ec2642d32ac{path}")
        assert found.status_code == 404 and found.json()["id"] == "not_found"
