"""Droplet Actions: each type's effect when it completes, refusals, listing, bulk by tag."""

from __future__ import annotations

from typing import Any

import pydo
import pytest

from tests.rest.test_droplets import (
    DROPLET,
    NOT_FOUND,
    active,
    create,
    error_of,
    refusal,
    scoped,
)


def act(do: pydo.Client, droplet: dict[str, Any], **body: Any) -> dict[str, Any]:
    return do.droplet_actions.post(droplet["id"], body=body)["action"]


def reload(do: pydo.Client, droplet: dict[str, Any]) -> dict[str, Any]:
    return do.droplets.get(droplet["id"])["droplet"]


def off(do: pydo.Client, **fields: Any) -> dict[str, Any]:
    """An active droplet, powered off."""
    droplet = active(do, **fields)
    act(do, droplet, type="power_off")
    return reload(do, droplet)


def test_power_off_is_in_progress_then_turns_the_droplet_off(do, frozen_clock):
    droplet = create(do)
    frozen_clock(5)

    action = act(do, droplet, type="power_off")
    during = reload(do, droplet)
    frozen_clock(5)
    after = reload(do, droplet)
    done = do.droplet_actions.get(droplet["id"], action["id"])["action"]

    assert (action["type"], action["status"], action["completed_at"]) == (
        "power_off",
        "in-progress",
        None,
    )
    assert action["resource_id"] == droplet["id"]
    assert action["resource_type"] == "droplet"
    assert action["region_slug"] == "nyc3"
    assert (during["status"], after["status"]) == ("active", "off")
    assert done["status"] == "completed"
    assert done["completed_at"]


@pytest.mark.parametrize("type_", ["power_on", "reboot", "power_cycle"])
def test_powering_on_an_off_droplet_makes_it_active(do, type_):
    droplet = off(do)

    act(do, droplet, type=type_)

    assert (droplet["status"], reload(do, droplet)["status"]) == ("off", "active")


def test_shutdown_turns_the_droplet_off(do):
    droplet = active(do)

    act(do, droplet, type="shutdown")

    assert reload(do, droplet)["status"] == "off"


def test_action_on_droplet_with_a_pending_event_is_refused(do, frozen_clock):
    droplet = create(do)

    status, body = refusal(lambda: act(do, droplet, type="power_off"))
    frozen_clock(5)

    assert (status, body["id"]) == (422, "unprocessable_entity")
    assert body["message"] == "Droplet already has a pending event."
    assert reload(do, droplet)["status"] == "active"
    assert len(do.droplet_actions.list(droplet["id"])["actions"]) == 1


def test_resize_of_a_running_droplet_is_refused(do):
    droplet = active(do)

    status, body = refusal(lambda: act(do, droplet, type="resize", size="s-2vcpu-2gb"))

    assert (status, body["id"]) == (422, "unprocessable_entity")
    assert (
        body["message"]
        == "Droplet is currently on. Please power it off to run this event."
    )
    assert reload(do, droplet)["size_slug"] == "s-1vcpu-1gb"


def test_resize_locks_the_droplet_then_changes_cpu_and_memory_but_not_disk(
    do, frozen_clock
):
    droplet = create(do)
    frozen_clock(5)
    act(do, droplet, type="power_off")
    frozen_clock(5)

    act(do, droplet, type="resize", size="s-2vcpu-4gb")
    during = reload(do, droplet)
    frozen_clock(5)
    after = reload(do, droplet)

    assert during["locked"] is True
    assert after["locked"] is False
    assert (after["size_slug"], after["size"]["slug"]) == ("s-2vcpu-4gb", "s-2vcpu-4gb")
    assert (after["memory"], after["vcpus"], after["disk"]) == (4096, 2, 25)
    assert after["status"] == "off"


def test_resize_with_disk_grows_the_disk_for_good(do):
    droplet = off(do)

    act(do, droplet, type="resize", size="s-2vcpu-4gb", disk=True)
    resized = reload(do, droplet)
    status, body = refusal(lambda: act(do, droplet, type="resize", size="s-1vcpu-1gb"))

    assert resized["disk"] == 80
    assert resized["disk_info"][0]["size"]["amount"] == 80
    assert (status, body["id"]) == (422, "unprocessable_entity")
    assert body["message"] == "Size can not decrease size of Droplet's disk image"


@pytest.mark.parametrize(
    "body, message",
    [
        ({"type": "resize"}, "size is required to resize a Droplet."),
        (
            {"type": "resize", "size": "huge"},
            "You specified an invalid size for Droplet resize.",
        ),
        (
            {"type": "resize", "size": "gpu-h100x1-80gb"},
            "Size is not available in this region.",
        ),
    ],
)
def test_resize_to_an_unusable_size_is_refused(do, body, message):
    droplet = off(do)

    status, error = refusal(lambda: act(do, droplet, **body))

    assert (status, error["id"], error["message"]) == (
        422,
        "unprocessable_entity",
        message,
    )


def test_resize_needs_droplet_create_scope(api, do, server, token):
    droplet = off(do)
    headers = scoped(server, token, ["droplet:update"])

    resize = api.post(
        f"/v2/droplets/{droplet['id']}/actions",
        json={"type": "resize", "size": "s-2vcpu-4gb"},
        headers=headers,
    )
    power_on = api.post(
        f"/v2/droplets/{droplet['id']}/actions",
        json={"type": "power_on"},
        headers=headers,
    )

    assert (resize.status_code, resize.json()["id"]) == (403, "forbidden")
    assert power_on.status_code == 201


def test_rename_changes_the_name(do):
    droplet = active(do)

    action = act(do, droplet, type="rename", name="web-renamed")

    assert action["type"] == "rename"
    assert reload(do, droplet)["name"] == "web-renamed"


def test_rename_to_an_invalid_name_is_refused(do):
    droplet = active(do)

    status, body = refusal(lambda: act(do, droplet, type="rename", name="no spaces"))

    assert (status, body["id"]) == (422, "unprocessable_entity")
    assert (
        body["message"]
        == "Only valid hostname characters are allowed. (a-z, A-Z, 0-9, . and -)"
    )
    assert reload(do, droplet)["name"] == "web-1"


def test_rebuild_locks_then_changes_the_image(do, frozen_clock):
    droplet = create(do)
    frozen_clock(5)

    act(do, droplet, type="rebuild", image="debian-12-x64")
    during = reload(do, droplet)
    frozen_clock(5)
    after = reload(do, droplet)

    assert (during["locked"], after["locked"]) == (True, False)
    assert (during["image"]["slug"], after["image"]["slug"]) == (
        "ubuntu-22-04-x64",
        "debian-12-x64",
    )


def test_rebuild_with_an_unknown_image_is_refused(do):
    droplet = active(do)

    status, body = refusal(lambda: act(do, droplet, type="rebuild", image="no-such-os"))

    assert (status, body["id"]) == (422, "unprocessable_entity")
    assert "no-such-os" in body["message"]
    assert reload(do, droplet)["locked"] is False


def test_change_kernel_sets_the_kernel(do):
    droplet = active(do)

    act(do, droplet, type="change_kernel", kernel=7515)

    assert reload(do, droplet)["kernel"]["id"] == 7515


def test_change_kernel_to_an_unknown_kernel_is_refused(do):
    droplet = active(do)

    status, body = refusal(lambda: act(do, droplet, type="change_kernel", kernel=1))

    assert (status, body["id"], body["message"]) == (
        422,
        "unprocessable_entity",
        "Kernel 1 could not be found.",
    )


def test_enable_ipv6_adds_an_address_and_the_feature(do):
    droplet = active(do)

    act(do, droplet, type="enable_ipv6")
    after = reload(do, droplet)

    assert droplet["networks"]["v6"] == []
    assert after["networks"]["v6"][0]["type"] == "public"
    assert "ipv6" in after["features"]


def test_enable_then_disable_backups(do):
    droplet = active(do)

    act(do, droplet, type="enable_backups", backup_policy={"plan": "daily", "hour": 20})
    enabled = reload(do, droplet)
    policy = do.droplets.get_backup_policy(droplet["id"])["policy"]
    act(do, droplet, type="disable_backups")
    disabled = reload(do, droplet)

    assert "backups" in enabled["features"]
    assert enabled["next_backup_window"]["start"].endswith("T20:00:00Z")
    assert policy["backup_policy"]["hour"] == 20
    assert "backups" not in disabled["features"]
    assert disabled["next_backup_window"] is None


def test_change_backup_policy_updates_the_policy(do):
    droplet = active(do, backups=True)

    act(
        do,
        droplet,
        type="change_backup_policy",
        backup_policy={"plan": "weekly", "day": "SUN", "hour": 4},
    )
    policy = do.droplets.get_backup_policy(droplet["id"])["policy"]

    assert policy["backup_policy"] == {
        "plan": "weekly",
        "weekday": "SUN",
        "hour": 4,
        "window_length_hours": 4,
        "retention_period_days": 28,
    }


def test_change_backup_policy_without_backups_is_refused(do):
    droplet = active(do)

    status, body = refusal(
        lambda: act(
            do, droplet, type="change_backup_policy", backup_policy={"plan": "daily"}
        )
    )

    assert (status, body["id"]) == (422, "unprocessable_entity")
    assert body["message"] == "Backups are not enabled for this Droplet."


def test_backup_policy_with_an_invalid_hour_is_refused(do):
    droplet = active(do)

    status, body = refusal(
        lambda: act(do, droplet, type="enable_backups", backup_policy={"hour": 3})
    )

    assert (status, body["id"]) == (422, "unprocessable_entity")
    assert "hour" in body["message"]
    assert "backups" not in reload(do, droplet)["features"]


def test_password_reset_completes(do):
    droplet = active(do)

    action = act(do, droplet, type="password_reset")

    assert (
        do.droplet_actions.get(droplet["id"], action["id"])["action"]["status"]
        == "completed"
    )


def test_restore_from_a_snapshot_of_the_droplet_locks_then_completes(do, frozen_clock):
    droplet = create(do)
    frozen_clock(5)
    act(do, droplet, type="snapshot", name="known-good")
    frozen_clock(5)
    snapshot = do.droplets.list_snapshots(droplet["id"])["snapshots"][0]

    act(do, droplet, type="restore", image=snapshot["id"])
    during = reload(do, droplet)
    frozen_clock(5)
    after = reload(do, droplet)

    assert (during["locked"], after["locked"]) == (True, False)
    assert after["status"] == "active"


def test_restore_from_an_image_that_is_not_a_backup_of_the_droplet_is_refused(do):
    droplet = active(do)

    status, body = refusal(lambda: act(do, droplet, type="restore", image=129211873))

    assert (status, body["id"]) == (422, "unprocessable_entity")
    assert body["message"] == "The image must be a backup or snapshot of this Droplet."


def test_snapshot_adds_a_snapshot_image_of_the_droplet(do):
    droplet = active(do)

    act(do, droplet, type="snapshot", name="before-upgrade")
    after = reload(do, droplet)
    snapshots = do.droplets.list_snapshots(droplet["id"])["snapshots"]

    assert [s["name"] for s in snapshots] == ["before-upgrade"]
    assert after["snapshot_ids"] == [snapshots[0]["id"]]
    assert after["locked"] is False


def test_snapshot_needs_image_create_scope(api, do, server, token):
    droplet = active(do)
    headers = scoped(server, token, ["droplet:update"])

    answer = api.post(
        f"/v2/droplets/{droplet['id']}/actions",
        json={"type": "snapshot"},
        headers=headers,
    )

    assert (answer.status_code, answer.json()["id"]) == (403, "forbidden")


def test_unknown_action_type_is_refused(do):
    droplet = active(do)

    status, body = refusal(lambda: act(do, droplet, type="explode"))

    assert (status, body["id"]) == (422, "unprocessable_entity")
    assert body["message"] == "'explode' is not a valid Droplet action type."


@pytest.mark.parametrize("body", [{}, {"type": 5}, {"type": "resize", "disk": "yes"}])
def test_action_with_a_malformed_body_is_refused(api, do, body):
    droplet = active(do)

    answer = api.post(f"/v2/droplets/{droplet['id']}/actions", json=body)

    assert answer.status_code == 422
    assert answer.json()["id"] == "unprocessable_entity"
    assert do.droplet_actions.list(droplet["id"])["meta"]["total"] == 1


def test_action_on_an_unknown_droplet_is_not_found(api):
    answer = api.post("/v2/droplets/999/actions", json={"type": "reboot"})

    assert answer.status_code == 404
    assert answer.json()["id"] == "not_found"


def test_list_droplet_actions_pages_newest_first(do):
    droplet = active(do)
    act(do, droplet, type="power_off")
    act(do, droplet, type="power_on")

    first = do.droplet_actions.list(droplet["id"], per_page=2)
    second = do.droplet_actions.list(droplet["id"], per_page=2, page=2)

    assert [a["type"] for a in first["actions"]] == ["power_on", "power_off"]
    assert [a["type"] for a in second["actions"]] == ["create"]
    assert first["meta"]["total"] == 3


def test_get_action_of_another_droplet_is_not_found(do):
    one = active(do, name="one")
    other = active(do, name="other")
    action = act(do, one, type="power_off")

    answer = do.droplet_actions.get(other["id"], action["id"])

    assert error_of(answer) == NOT_FOUND


def test_bulk_power_off_by_tag_acts_on_tagged_droplets_only(do):
    tagged = [active(do, name=f"t-{i}", tags=["env:test"]) for i in range(2)]
    untagged = active(do, name="u-1")

    answer = do.droplet_actions.post_by_tag(
        tag_name="env:test", body={"type": "power_off"}
    )

    assert sorted(a["resource_id"] for a in answer["actions"]) == sorted(
        d["id"] for d in tagged
    )
    assert {a["type"] for a in answer["actions"]} == {"power_off"}
    assert [reload(do, d)["status"] for d in tagged] == ["off", "off"]
    assert reload(do, untagged)["status"] == "active"


def test_bulk_action_of_a_type_not_allowed_by_tag_is_refused(do):
    droplet = active(do, tags=["web"])

    status, body = refusal(
        lambda: do.droplet_actions.post_by_tag(tag_name="web", body={"type": "reboot"})
    )

    assert (status, body["id"]) == (422, "unprocessable_entity")
    assert body["message"] == "'reboot' can not be applied to Droplets by tag."
    assert do.droplet_actions.list(droplet["id"])["meta"]["total"] == 1


def test_bulk_action_without_tag_name_acts_on_nothing(api, do):
    droplet = active(do)

    answer = api.post("/v2/droplets/actions", json={"type": "power_off"})
    unknown = api.post("/v2/droplets/actions", json={"type": "explode"})

    assert (answer.status_code, answer.json()) == (201, {"actions": []})
    assert (unknown.status_code, unknown.json()["id"]) == (422, "unprocessable_entity")
    assert reload(do, droplet)["status"] == "active"


def test_bulk_action_needs_tag_read_scope(api, do, server, token):
    active(do, tags=["web"])
    headers = scoped(server, token, ["droplet:update"])

    answer = api.post(
        "/v2/droplets/actions",
        params={"tag_name": "web"},
        json={"type": "power_off"},
        headers=headers,
    )

    assert (answer.status_code, answer.json()["id"]) == (403, "forbidden")


def test_locked_droplet_cannot_be_destroyed(api, frozen_clock):
    droplet = api.post("/v2/droplets", json=DROPLET).json()["droplet"]
    frozen_clock(5)
    api.post(
        f"/v2/droplets/{droplet['id']}/actions",
        json={"type": "rebuild", "image": "debian-12-x64"},
    )

    answer = api.delete(f"/v2/droplets/{droplet['id']}")
    frozen_clock(5)

    assert (answer.status_code, answer.json()["id"]) == (422, "unprocessable_entity")
    assert api.get(f"/v2/droplets/{droplet['id']}").json()["droplet"]["locked"] is False
