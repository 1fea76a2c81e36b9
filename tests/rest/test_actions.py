"""Actions: /v2/actions shows what every family started, through core's `actions.start`."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import httpx
import pydo

from emulator.core import actions
from tests.rest.test_tags import commit, make_ctx

RESERVED_IP = {"Accept": "application/vnd.digitalocean.reserveip+json"}


def start(
    server: Any,
    token: str,
    type: str,
    resource_type: str = "droplet",
    resource_id: Any = 1,
) -> int:
    """Start an action the way a family's route does, and commit it."""
    ctx = make_ctx(server, token)
    region = ctx.catalogue.region_or_default("nyc3")
    action = actions.start(
        ctx, type, resource_type=resource_type, resource_id=resource_id, region=region
    )
    commit(ctx)
    return int(action.id)


def test_list_actions_of_a_new_account_is_empty(do: pydo.Client) -> None:
    listed = do.actions.list()

    assert listed == {"actions": [], "links": {}, "meta": {"total": 0}}


def test_list_actions_shows_newest_first_and_pages(
    server: Any, token: str, do: pydo.Client
) -> None:
    ids = [start(server, token, kind) for kind in ("create", "power_off", "power_on")]

    first = do.actions.list(per_page=2)
    last = do.actions.list(per_page=2, page=2)

    assert [a["id"] for a in first["actions"]] == [ids[2], ids[1]]
    assert [a["id"] for a in last["actions"]] == [ids[0]]
    assert first["meta"]["total"] == 3
    assert "page=2" in first["links"]["pages"]["next"]


def test_get_action_completes_on_the_instant_clock(
    server: Any, token: str, do: pydo.Client
) -> None:
    action_id = start(server, token, "reboot", resource_id=42)

    fetched = do.actions.get(action_id)["action"]

    assert fetched["id"] == action_id
    assert fetched["type"] == "reboot"
    assert fetched["resource_id"] == 42
    assert fetched["resource_type"] == "droplet"
    assert fetched["region_slug"] == fetched["region"]["slug"]
    assert fetched["status"] == "completed"
    assert fetched["completed_at"] is not None


def test_get_action_stays_in_progress_until_the_clock_moves(
    server: Any, token: str, do: pydo.Client, frozen_clock: Callable[[float], None]
) -> None:
    action_id = start(server, token, "snapshot")

    before = do.actions.get(action_id)["action"]
    frozen_clock(60)
    after = do.actions.get(action_id)["action"]

    assert (before["status"], before["completed_at"]) == ("in-progress", None)
    assert after["status"] == "completed"
    assert after["completed_at"] >= after["started_at"]


def test_get_unknown_action_is_404(api: httpx.Client) -> None:
    for path in ("/v2/actions/36804636", "/v2/actions/not-a-number", "/v2/actions/-1"):
        response = api.get(path)

        assert response.status_code == 404
        assert response.json()["id"] == "not_found"
        assert (
            response.json()["message"]
            == "The resource you were accessing could not be found."
        )


def test_action_of_another_account_is_404(
    server: Any, token: str, make_client: Any
) -> None:
    action_id = start(server, token, "create")

    assert make_client().actions.get(action_id)["id"] == "not_found"


def test_reserved_ip_header_renames_floating_ip_actions(
    server: Any, token: str, api: httpx.Client
) -> None:
    ip_action = start(server, token, "assign_ip", "floating_ip", None)
    droplet_action = start(server, token, "create")

    plain = api.get(f"/v2/actions/{ip_action}").json()["action"]
    renamed = api.get(f"/v2/actions/{ip_action}", headers=RESERVED_IP).json()["action"]
    listed = api.get("/v2/actions", headers=RESERVED_IP).json()

    assert plain["resource_type"] == "floating_ip"
    assert renamed == {**plain, "resource_type": "reserved_ip"}
    assert [(a["id"], a["resource_type"]) for a in listed["actions"]] == [
        (droplet_action, "droplet"),
        (ip_action, "reserved_ip"),
    ]
    assert listed["meta"]["total"] == 2


def test_actions_need_the_actions_read_scope(server: Any, token: str) -> None:
    whoami = httpx.get(
        f"{server.url}/_emulator/whoami", headers={"Authorization": f"Bearer {token}"}
    ).json()
    scoped = "dop_v1_" + secrets.token_hex(32)
    server.control(
        "POST",
        "/tokens",
        json={
            "token": scoped,
            "scopes": ["droplet:read"],
            "tenant_id": whoami["tenant_id"],
        },
    ).raise_for_status()

    response = httpx.get(
        f"{server.url}/v2/actions", headers={"Authorization": f"Bearer {scoped}"}
    )

    assert (response.status_code, response.json()["id"]) == (403, "forbidden")


def test_droplet_actions_appear_in_the_account_history(do: pydo.Client) -> None:
    droplet = do.droplets.create(
        body={
            "name": "web-1",
            "region": "nyc3",
            "size": "s-1vcpu-1gb",
            "image": "ubuntu-22-04-x64",
        }
    )["droplet"]
    do.droplet_actions.post(droplet["id"], body={"type": "power_off"})

    history = do.actions.list()["actions"]

    assert [(a["type"], a["resource_id"]) for a in history] == [
        ("power_off", droplet["id"]),
        ("create", droplet["id"]),
    ]
