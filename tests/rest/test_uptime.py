"""Uptime: checks, their alerts and their state, driven through pydo."""

from __future__ import annotations

from typing import Any

import httpx
import pydo
import pytest

CHECK = {
    "name": "Landing page check",
    "type": "https",
    "target": "https://www.landingpage.com",
    "regions": ["us_east", "eu_west"],
    "enabled": True,
}
ALERT = {
    "name": "Landing page degraded performance",
    "type": "latency",
    "threshold": 300,
    "comparison": "greater_than",
    "notifications": {"email": ["bob@example.com"], "slack": []},
    "period": "2m",
}


def _check(do: pydo.Client, **fields: Any) -> dict[str, Any]:
    return do.uptime.create_check(body={**CHECK, **fields})["check"]


def test_create_check_then_get_update_and_delete(
    do: pydo.Client, api: httpx.Client
) -> None:
    created = _check(do)

    updated = do.uptime.update_check(created["id"], body={"name": "renamed"})["check"]
    fetched = do.uptime.get_check(created["id"])["check"]
    do.uptime.delete_check(created["id"])

    assert created["enabled"] is True and created["regions"] == ["us_east", "eu_west"]
    assert updated == {**created, "name": "renamed"}
    assert fetched == updated
    gone = api.get(f"/v2/uptime/checks/{created['id']}")
    assert gone.status_code == 404 and gone.json()["id"] == "not_found"


def test_list_checks_pages_with_links_and_total(do: pydo.Client) -> None:
    for n in range(3):
        _check(do, name=f"check-{n}")

    second = do.uptime.list_checks(per_page=2, page=2)

    assert [c["name"] for c in second["checks"]] == ["check-2"]
    assert second["meta"]["total"] == 3
    assert "prev" in second["links"]["pages"]


def test_check_state_lists_each_region_and_a_previous_outage(do: pydo.Client) -> None:
    check = _check(do)

    state = do.uptime.get_check_state(check["id"])["state"]

    assert set(state["regions"]) == {"us_east", "eu_west"}
    assert state["regions"]["us_east"]["status"] == "UP"
    assert state["previous_outage"]["duration_seconds"] == 120


def test_alert_life_cycle_under_its_check(do: pydo.Client, api: httpx.Client) -> None:
    check = _check(do)

    alert = do.uptime.create_alert(check["id"], body=ALERT)["alert"]
    listed = do.uptime.list_alerts(check["id"])
    changed = do.uptime.update_alert(check["id"], alert["id"], body={"threshold": 500})
    do.uptime.delete_alert(check["id"], alert["id"])

    assert listed["alerts"] == [alert] and listed["meta"]["total"] == 1
    assert changed["alert"]["threshold"] == 500
    gone = api.get(f"/v2/uptime/checks/{check['id']}/alerts/{alert['id']}")
    assert gone.status_code == 404


def test_alert_of_another_check_is_not_found(
    do: pydo.Client, api: httpx.Client
) -> None:
    first, second = _check(do, name="a"), _check(do, name="b")
    alert = do.uptime.create_alert(first["id"], body=ALERT)["alert"]

    found = api.get(f"/v2/uptime/checks/{second['id']}/alerts/{alert['id']}")

    assert found.status_code == 404 and found.json()["id"] == "not_found"


def test_deleting_a_check_deletes_its_alerts(
    do: pydo.Client, api: httpx.Client
) -> None:
    check = _check(do)
    alert = do.uptime.create_alert(check["id"], body=ALERT)["alert"]

    do.uptime.delete_check(check["id"])
    again = _check(do)

    gone = api.get(f"/v2/uptime/checks/{check['id']}/alerts/{alert['id']}")
    assert gone.status_code == 404
    assert do.uptime.list_alerts(again["id"])["alerts"] == []


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({**CHECK, "type": "smtp"}, "type"),
        ({**CHECK, "regions": ["mars"]}, "regions"),
        ({**CHECK, "enabled": "yes"}, "enabled"),
        ({k: v for k, v in CHECK.items() if k != "name"}, "name"),
        ({**CHECK, "target": "www.example.com"}, "target"),
    ],
)
def test_invalid_check_is_refused_and_nothing_is_stored(
    api: httpx.Client, body: dict[str, Any], where: str
) -> None:
    refused = api.post("/v2/uptime/checks", json=body)

    assert refused.status_code == 422
    assert refused.json()["id"] == "unprocessable_entity"
    assert where in refused.json()["message"]
    assert api.get("/v2/uptime/checks").json()["meta"]["total"] == 0


def test_invalid_alert_is_refused(do: pydo.Client, api: httpx.Client) -> None:
    check = _check(do)

    refused = api.post(
        f"/v2/uptime/checks/{check['id']}/alerts", json={**ALERT, "period": "7m"}
    )

    assert refused.status_code == 422 and refused.json()["id"] == "unprocessable_entity"
    assert do.uptime.list_alerts(check["id"])["meta"]["total"] == 0


def test_unknown_check_is_404_in_digitalocean_shape(api: httpx.Client) -> None:
    found = api.get("/v2/uptime/checks/4de7ac8b-495b-4884-9a69-1050c6793cd6/state")

    assert found.status_code == 404
    assert (
        found.json()["message"] == "The resource you were accessing could not be found."
    )
