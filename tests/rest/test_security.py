"""Security: CSPM scans of the account's droplets, rules, suppressions, plan."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pydo

DROPLET = {
    "name": "web",
    "region": "nyc3",
    "size": "s-1vcpu-1gb",
    "image": "ubuntu-22-04-x64",
}
BACKUPS = "Droplet Backups Not Enabled"


def _droplet(do: pydo.Client, **fields: Any) -> dict[str, Any]:
    return do.droplets.create(body={**DROPLET, **fields})["droplet"]


def _names(scan: dict[str, Any]) -> list[str]:
    return [finding["name"] for finding in scan["findings"]]


def test_scan_finds_what_the_droplets_lack_and_completes_on_the_clock(
    do: pydo.Client, frozen_clock: Callable[[float], None]
) -> None:
    _droplet(do)
    _droplet(do, name="safe", backups=True, monitoring=True)

    scan = do.security.create_scan()["scan"]
    frozen_clock(60)
    latest = do.security.get_latest_scan()["scan"]

    assert scan["status"] == "IN_PROGRESS" and latest["status"] == "COMPLETED"
    assert latest["id"] == scan["id"]
    assert _names(scan) == [
        BACKUPS,
        "Droplet Monitoring Not Enabled",
        "Droplet Not Protected by a Cloud Firewall",
    ]
    assert scan["findings"][0]["affected_resources_count"] == 1


def test_affected_resources_name_the_droplets(do: pydo.Client) -> None:
    droplet = _droplet(do)
    scan = do.security.create_scan()["scan"]
    rule = scan["findings"][0]["rule_uuid"]

    affected = do.security.list_scan_finding_affected_resources(scan["id"], rule)

    assert affected["affected_resources"] == [
        {"urn": f"do:droplet:{droplet['id']}", "name": "web", "type": "Droplet"}
    ]


def test_severity_filter_keeps_matching_findings(do: pydo.Client) -> None:
    _droplet(do)
    scan = do.security.create_scan()["scan"]

    high = do.security.get_scan(scan["id"], severity="HIGH")["scan"]

    assert _names(high) == [BACKUPS]


def test_suppression_and_scan_rule_silence_later_scans(do: pydo.Client) -> None:
    droplet = _droplet(do)
    urn = f"do:droplet:{droplet['id']}"
    rule = do.security.create_scan()["scan"]["findings"][0]["rule_uuid"]

    made = do.security.create_suppression(body={"rule_uuid": rule, "resources": [urn]})
    suppressed = do.security.create_scan()["scan"]
    do.security.create_scan_rule(body={"resource": urn})
    excluded = do.security.create_scan()["scan"]
    settings = do.security.list_settings()["settings"]

    assert made["resources"][0]["rule_name"] == BACKUPS
    assert BACKUPS not in _names(suppressed) and len(_names(suppressed)) == 2
    assert excluded["findings"] == []
    assert settings["suppressions"]["meta"]["total"] == 1


def test_delete_suppression_then_404(do: pydo.Client, api: httpx.Client) -> None:
    droplet = _droplet(do)
    rule = do.security.create_scan()["scan"]["findings"][0]["rule_uuid"]
    body = {"rule_uuid": rule, "resources": [f"do:droplet:{droplet['id']}"]}
    made = do.security.create_suppression(body=body)["resources"][0]

    deleted = api.delete(f"/v2/security/settings/suppressions/{made['id']}")
    again = api.delete(f"/v2/security/settings/suppressions/{made['id']}")

    assert deleted.status_code == 204
    assert again.status_code == 404 and again.json()["id"] == "not_found"


def test_plan_coverage_is_stored(do: pydo.Client) -> None:
    coverage = {"basic": {"resources": ["do:droplet:1"], "tags": ["production"]}}

    answer = do.security.update_settings_plan(body={"tier_coverage": coverage})
    settings = do.security.list_settings()["settings"]

    assert answer["tier_coverage"] == coverage
    assert settings["tier_coverage"] == coverage


def test_bad_suppressions_and_rules_are_refused(api: httpx.Client) -> None:
    no_rule = api.post(
        "/v2/security/settings/suppressions", json={"resources": ["do:droplet:1"]}
    )
    unknown_rule = api.post(
        "/v2/security/settings/suppressions",
        json={"rule_uuid": "nope", "resources": ["do:droplet:1"]},
    )
    not_urn = api.post("/v2/security/scans/rules", json={"resource": "droplet 1"})

    assert [r.status_code for r in (no_rule, unknown_rule, not_urn)] == [422, 422, 422]
    assert unknown_rule.json()["message"] == "rule nope not found"
    settings = api.get("/v2/security/settings").json()["settings"]
    assert settings["suppressions"]["meta"]["total"] == 0


def test_latest_scan_without_any_is_404(api: httpx.Client) -> None:
    found = api.get("/v2/security/scans/latest")

    assert found.status_code == 404 and found.json()["id"] == "not_found"
