"""BYOIP prefixes: registration on the clock, advertising, listing and removal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pydo
import pytest

PREFIX = {"prefix": "203.11.13.0/24", "region": "nyc3", "signature": "c2lnbmF0dXJl"}


def test_new_prefix_is_in_progress_until_the_clock_completes_it(
    do: pydo.Client, frozen_clock: Callable[[float], None]
) -> None:
    created = do.byoip_prefixes.create(body=PREFIX)

    before = do.byoip_prefixes.get(created["uuid"])["byoip_prefix"]
    frozen_clock(60)
    after = do.byoip_prefixes.get(created["uuid"])["byoip_prefix"]

    assert created["status"] == "in_progress" and created["region"] == "nyc3"
    assert (before["status"], after["status"]) == ("in_progress", "active")
    assert after["prefix"] == "203.11.13.0/24" and after["advertised"] is False


def test_patch_advertise_then_list_and_delete(
    do: pydo.Client, api: httpx.Client
) -> None:
    created = do.byoip_prefixes.create(body=PREFIX)

    patched = do.byoip_prefixes.patch(created["uuid"], body={"advertise": True})
    listed = do.byoip_prefixes.list()
    ips = do.byoip_prefixes.list_resources(created["uuid"])
    deleted = api.delete(f"/v2/byoip_prefixes/{created['uuid']}")

    assert patched["byoip_prefix"]["advertised"] is True
    assert [p["uuid"] for p in listed["byoip_prefixes"]] == [created["uuid"]]
    assert ips["ips"] == [] and ips["meta"]["total"] == 0
    assert deleted.status_code == 202
    gone = api.get(f"/v2/byoip_prefixes/{created['uuid']}")
    assert gone.status_code == 404 and gone.json()["id"] == "not_found"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({**PREFIX, "prefix": "not-a-cidr"}, "not a valid CIDR"),
        ({**PREFIX, "prefix": "10.0.0.0/24"}, "public range"),
        ({**PREFIX, "prefix": "203.11.13.0/28"}, "public range"),
        ({**PREFIX, "region": "mars1"}, "region"),
        ({**PREFIX, "signature": ""}, "signature"),
        ({k: v for k, v in PREFIX.items() if k != "prefix"}, "prefix"),
    ],
)
def test_invalid_prefix_is_refused_and_nothing_is_stored(
    api: httpx.Client, body: dict[str, Any], message: str
) -> None:
    refused = api.post("/v2/byoip_prefixes", json=body)

    assert refused.status_code == 422
    assert refused.json()["id"] == "unprocessable_entity"
    assert message in refused.json()["message"]
    assert api.get("/v2/byoip_prefixes").json()["meta"]["total"] == 0


def test_same_prefix_twice_is_refused(do: pydo.Client, api: httpx.Client) -> None:
    do.byoip_prefixes.create(body=PREFIX)

    refused = api.post("/v2/byoip_prefixes", json=PREFIX)

    assert (
        refused.status_code == 422 and "already registered" in refused.json()["message"]
    )
    assert api.get("/v2/byoip_prefixes").json()["meta"]["total"] == 1


def test_advertise_must_be_a_boolean(do: pydo.Client, api: httpx.Client) -> None:
    created = do.byoip_prefixes.create(body=PREFIX)

    refused = api.patch(
        f"/v2/byoip_prefixes/{created['uuid']}", json={"advertise": "on"}
    )

    assert refused.status_code == 422
    assert do.byoip_prefixes.get(created["uuid"])["byoip_prefix"]["advertised"] is False
