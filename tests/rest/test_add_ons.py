"""Add-Ons: the marketplace catalogue and the account's SaaS add-on resources."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pydo
import pytest

RESOURCE = {
    "app_slug": "logstream",
    "plan_slug": "hobby",
    "name": "my-logs",
    "metadata": [
        {"name": "retention_region", "value": "eu"},
        {"name": "pii_scrubbing", "value": True},
    ],
}


def test_apps_and_their_metadata_come_from_the_catalogue(do: pydo.Client) -> None:
    apps = do.addons.get_app()["apps"]
    metadata = do.addons.get_app_metadata("logstream")["metadata"]

    assert "logstream" in [a["app_slug"] for a in apps]
    assert all(a["plans"] for a in apps)
    assert [m["name"] for m in metadata] == ["retention_region", "pii_scrubbing"]


def test_metadata_of_unknown_app_is_404(api: httpx.Client) -> None:
    found = api.get("/v2/add-ons/apps/nope/metadata")

    assert found.status_code == 404 and found.json()["id"] == "not_found"


def test_resource_is_provisioned_by_the_clock(
    do: pydo.Client, frozen_clock: Callable[[float], None]
) -> None:
    created = do.addons.create(body=RESOURCE)["resource"]

    frozen_clock(60)
    fetched = do.addons.get(created["uuid"])["resource"]

    assert created["state"] == "provisioning"
    assert fetched["state"] == "provisioned"
    assert fetched["app_name"] == "LogStream" and fetched["plan_price_per_month"] == 0


def test_rename_change_plan_list_and_delete(do: pydo.Client, api: httpx.Client) -> None:
    created = do.addons.create(body=RESOURCE)["resource"]

    renamed = do.addons.patch(created["uuid"], body={"name": "renamed"})["resource"]
    upgraded = do.addons.patch_plan(created["uuid"], body={"plan_slug": "team"})
    listed = do.addons.list()["resources"]
    deleted = api.delete(f"/v2/add-ons/saas/{created['uuid']}")

    assert renamed["name"] == "renamed"
    assert upgraded["resource"]["plan_slug"] == "team"
    assert upgraded["resource"]["plan_price_per_month"] == 29
    assert [r["uuid"] for r in listed] == [created["uuid"]]
    assert deleted.status_code == 200
    assert api.get(f"/v2/add-ons/saas/{created['uuid']}").status_code == 404


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"app_slug": "nope"}, "add-on app nope not found"),
        ({"plan_slug": "gold"}, "plan gold is not a plan of logstream"),
        ({"metadata": [{"name": "colour", "value": "red"}]}, "colour is not metadata"),
        (
            {"metadata": [{"name": "pii_scrubbing", "value": "yes"}]},
            "must be a boolean",
        ),
        ({"metadata": [{"name": "retention_region", "value": "mars"}]}, "one of"),
        ({"linked_droplet_id": 42}, "droplet 42 not found"),
    ],
)
def test_invalid_resource_is_refused_and_nothing_is_stored(
    api: httpx.Client, change: dict[str, Any], message: str
) -> None:
    refused = api.post("/v2/add-ons/saas", json={**RESOURCE, **change})

    assert refused.status_code == 422
    assert message in refused.json()["message"]
    assert api.get("/v2/add-ons/saas").json()["meta"]["total"] == 0


def test_plan_of_another_app_is_refused(do: pydo.Client, api: httpx.Client) -> None:
    created = do.addons.create(body=RESOURCE)["resource"]

    refused = api.patch(
        f"/v2/add-ons/saas/{created['uuid']}/plan", json={"plan_slug": "basic_plan"}
    )

    assert refused.status_code == 422
    assert do.addons.get(created["uuid"])["resource"]["plan_slug"] == "hobby"
