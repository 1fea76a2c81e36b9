"""Image Actions: transfer to another region, convert to a snapshot, their history."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from azure.core.exceptions import HttpResponseError

from tests.helpers import assert_error

PUBLIC_ID = 112929454  # ubuntu-20-04-x64 in the catalogue
CUSTOM = {
    "name": "golden",
    "url": "https://example.com/golden.qcow2",
    "distribution": "Debian",
    "region": "nyc3",
}


def import_image(do) -> dict[str, Any]:
    """A custom image in nyc3, available once the account makes its next request."""
    image = do.images.create_custom(body=CUSTOM)["image"]
    return do.images.get(image["id"])["image"]


def action_ids(do, image_id: int) -> list[int]:
    return [action["id"] for action in do.image_actions.list(image_id)["actions"]]


def test_transfer_image_copies_it_to_the_region_when_done(do) -> None:
    image = import_image(do)

    action = do.image_actions.post(
        image["id"], body={"type": "transfer", "region": "ams3"}
    )["action"]
    fetched = do.images.get(image["id"])["image"]

    assert (action["type"], action["status"]) == ("transfer", "in-progress")
    assert (action["resource_type"], action["resource_id"]) == ("image", image["id"])
    assert action["completed_at"] is None
    assert fetched["regions"] == ["nyc3", "ams3"]


def test_transfer_image_keeps_regions_until_the_action_completes(
    do, frozen_clock
) -> None:
    image = do.images.create_custom(body=CUSTOM)["image"]
    frozen_clock(5)

    action = do.image_actions.post(
        image["id"], body={"type": "transfer", "region": "fra1"}
    )["action"]
    during = do.images.get(image["id"])["image"]["regions"]
    frozen_clock(5)
    after = do.images.get(image["id"])["image"]["regions"]
    done = do.image_actions.get(image["id"], action["id"])["action"]

    assert during == ["nyc3"]
    assert after == ["nyc3", "fra1"]
    assert done["status"] == "completed" and done["completed_at"] is not None


def test_convert_custom_image_makes_it_a_snapshot(do) -> None:
    image = import_image(do)

    action = do.image_actions.post(image["id"], body={"type": "convert"})["action"]
    fetched = do.images.get(image["id"])["image"]

    assert action["type"] == "convert"
    assert (image["type"], fetched["type"]) == ("custom", "snapshot")


def test_get_image_action_returns_it(do) -> None:
    image = import_image(do)
    action = do.image_actions.post(
        image["id"], body={"type": "transfer", "region": "sgp1"}
    )["action"]

    fetched = do.image_actions.get(image["id"], action["id"])["action"]

    assert fetched["id"] == action["id"]
    assert fetched["status"] == "completed"
    assert fetched["region_slug"] == "nyc3"


def test_list_image_actions_pages(do, api) -> None:
    image = import_image(do)
    for region in ("ams3", "fra1", "sgp1"):
        do.image_actions.post(image["id"], body={"type": "transfer", "region": region})

    body = api.get(f"/v2/images/{image['id']}/actions", params={"per_page": 2}).json()

    # The import and three transfers.
    assert body["meta"]["total"] == 4
    assert len(body["actions"]) == 2
    assert "page=2" in body["links"]["pages"]["next"]


def test_list_image_actions_shows_only_that_images_actions(do) -> None:
    first, second = import_image(do), import_image(do)
    do.image_actions.post(first["id"], body={"type": "convert"})

    listed = do.image_actions.list(second["id"])["actions"]

    assert {action["resource_id"] for action in listed} == {second["id"]}
    assert [action["type"] for action in listed] == ["import"]


def test_get_action_of_another_image_is_404(do) -> None:
    first, second = import_image(do), import_image(do)
    action = do.image_actions.post(first["id"], body={"type": "convert"})["action"]

    found = do.image_actions.get(second["id"], action["id"])

    assert found["id"] == "not_found"


def test_get_unknown_action_is_404(do, api) -> None:
    image = import_image(do)

    for ref in ("1", "99999999999", "abc"):
        response = api.get(f"/v2/images/{image['id']}/actions/{ref}")
        assert_error(response, 404, "not_found", "could not be found")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"type": "transfer"}, "region is required"),
        ({"type": "transfer", "region": "mars1"}, "mars1"),
        ({"type": "transfer", "region": "nyc2"}, "nyc2"),
        ({"type": "transfer", "region": "nyc3"}, "already available in nyc3"),
        ({"type": "resize"}, "type"),
        ({"region": "ams3"}, "type"),
        ({"type": 7}, "type"),
        ([], "body"),
    ],
)
def test_bad_image_action_is_422_and_starts_nothing(do, api, body, words) -> None:
    image = import_image(do)
    before = action_ids(do, image["id"])

    response = api.post(f"/v2/images/{image['id']}/actions", json=body)

    assert_error(response, 422, "unprocessable_entity", words)
    assert action_ids(do, image["id"]) == before
    assert do.images.get(image["id"])["image"]["regions"] == ["nyc3"]


def test_convert_a_snapshot_is_422(do) -> None:
    image = import_image(do)
    do.image_actions.post(image["id"], body={"type": "convert"})

    with pytest.raises(HttpResponseError) as refused:
        do.image_actions.post(image["id"], body={"type": "convert"})

    assert refused.value.status_code == 422
    assert refused.value.response.json()["message"] == "the image is already a snapshot"


def test_action_on_an_image_still_importing_is_422(do, api, frozen_clock) -> None:
    image = do.images.create_custom(body=CUSTOM)["image"]

    response = api.post(f"/v2/images/{image['id']}/actions", json={"type": "convert"})

    assert_error(response, 422, "unprocessable_entity", "not available yet")


def test_actions_on_a_public_image_are_404(api) -> None:
    posted = api.post(f"/v2/images/{PUBLIC_ID}/actions", json={"type": "convert"})
    listed = api.get(f"/v2/images/{PUBLIC_ID}/actions")

    assert_error(posted, 404, "not_found", "could not be found")
    assert_error(listed, 404, "not_found", "could not be found")


def test_actions_on_another_accounts_image_are_404(api, make_client) -> None:
    theirs = import_image(make_client())

    posted = api.post(f"/v2/images/{theirs['id']}/actions", json={"type": "convert"})
    listed = api.get(f"/v2/images/{theirs['id']}/actions")

    assert_error(posted, 404, "not_found", "could not be found")
    assert_error(listed, 404, "not_found", "could not be found")


def test_actions_on_unknown_image_are_404(api) -> None:
    for ref in ("99999999", "abc"):
        posted = api.post(f"/v2/images/{ref}/actions", json={"type": "convert"})
        assert_error(posted, 404, "not_found", "could not be found")


def test_image_actions_need_image_update_scope(server, do, api) -> None:
    image = import_image(do)
    tenant_id = api.get("/_emulator/whoami").json()["tenant_id"]
    made = server.control(
        "POST", "/tokens", json={"scopes": "read", "tenant_id": tenant_id}
    )
    headers = {"Authorization": f"Bearer {made.json()['token']}"}

    with httpx.Client(base_url=server.url, headers=headers) as reader:
        posted = reader.post(
            f"/v2/images/{image['id']}/actions", json={"type": "convert"}
        )
        listed = reader.get(f"/v2/images/{image['id']}/actions")

    assert_error(posted, 403, "forbidden", "access")
    assert listed.status_code == 200
    assert do.images.get(image["id"])["image"]["type"] == "custom"
