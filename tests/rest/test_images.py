"""Images: the public catalogue, custom imports, updates, deletes, account transfers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.core.config import FIXTURES_DIR, Settings
from tests.conftest import free_port, new_token, start_server
from tests.helpers import assert_error, scoped_client

CATALOGUE: list[dict[str, Any]] = json.loads(
    Path(FIXTURES_DIR, "catalogue", "images.json").read_text()
)
PUBLIC_COUNT = len(CATALOGUE)
APPLICATION_SLUGS = {i["slug"] for i in CATALOGUE if i.get("_application")}
CUSTOM = {
    "name": "ubuntu-18.04-minimal",
    "url": "http://cloud-images.ubuntu.com/minimal/releases/bionic/release/ubuntu-18.04-minimal-cloudimg-amd64.img",
    "distribution": "Ubuntu",
    "region": "nyc3",
    "description": "Cloud-optimized image w/ small footprint",
    "tags": ["base-image", "prod"],
}


def import_image(do, **changes: Any) -> dict[str, Any]:
    """A custom image, imported: the next request of the account completes it."""
    return do.images.create_custom(body={**CUSTOM, **changes})["image"]


def snapshot_image(do, **changes: Any) -> dict[str, Any]:
    """A snapshot image without a droplet: an imported custom image, converted."""
    image = import_image(do, **changes)
    do.image_actions.post(image["id"], body={"type": "convert"})
    return do.images.get(image["id"])["image"]


def own_images(do) -> list[dict[str, Any]]:
    return do.images.list(private=True, per_page=200)["images"]


def test_list_images_shows_the_public_catalogue_to_a_new_account(do) -> None:
    listed = do.images.list(per_page=200)

    assert listed["meta"]["total"] == PUBLIC_COUNT
    assert all(image["public"] for image in listed["images"])
    assert listed["links"] == {}


def test_list_images_pages_with_links_and_total(api) -> None:
    response = api.get("/v2/images", params={"page": 2, "per_page": 5})

    body = response.json()
    assert len(body["images"]) == 5
    assert body["meta"]["total"] == PUBLIC_COUNT
    assert set(body["links"]["pages"]) == {"first", "prev", "next", "last"}
    assert "page=3" in body["links"]["pages"]["next"]


def test_list_images_type_application_lists_only_one_click_images(do) -> None:
    import_image(do)

    listed = do.images.list(type="application", per_page=200)

    assert {image["slug"] for image in listed["images"]} == APPLICATION_SLUGS


def test_list_images_type_distribution_leaves_out_applications_and_own(do) -> None:
    import_image(do)

    listed = do.images.list(type="distribution", per_page=200)["images"]

    assert len(listed) == PUBLIC_COUNT - len(APPLICATION_SLUGS)
    assert not {image["slug"] for image in listed} & APPLICATION_SLUGS
    assert all(image["public"] for image in listed)


def test_list_images_private_lists_only_own_images(do) -> None:
    created = import_image(do)

    listed = do.images.list(private=True)

    assert [image["id"] for image in listed["images"]] == [created["id"]]
    assert listed["meta"]["total"] == 1


def test_list_images_without_filter_adds_own_images_after_public_ones(do) -> None:
    created = import_image(do)

    listed = do.images.list(per_page=200)

    assert listed["meta"]["total"] == PUBLIC_COUNT + 1
    assert listed["images"][-1]["id"] == created["id"]


def test_list_images_by_tag_name_lists_only_tagged_images(do) -> None:
    tagged = import_image(do, tags=["golden"])
    import_image(do, tags=[])

    listed = do.images.list(tag_name="golden")

    assert [image["id"] for image in listed["images"]] == [tagged["id"]]


def test_list_images_by_tag_name_ignores_case(do) -> None:
    tagged = import_image(do, tags=["Golden"])

    listed = do.images.list(tag_name="golden")

    assert [image["id"] for image in listed["images"]] == [tagged["id"]]


def test_create_custom_image_with_tags_needs_tag_create_scope(server, do, api) -> None:
    with scoped_client(server, api, ["image:create"]) as importer:
        refused = importer.post("/v2/images", json=CUSTOM)
        untagged = importer.post("/v2/images", json={**CUSTOM, "tags": []})

    assert_error(refused, 403, "forbidden", "access")
    assert untagged.status_code == 202
    assert [i["id"] for i in own_images(do)] == [untagged.json()["image"]["id"]]


def test_list_images_does_not_show_another_accounts_images(do, make_client) -> None:
    import_image(make_client())

    assert own_images(do) == []


def test_list_images_with_unknown_type_is_400(api) -> None:
    response = api.get("/v2/images", params={"type": "snapshot"})

    assert_error(response, 400, "bad_request", "type")


def test_create_custom_image_is_new_then_available_in_its_region(do) -> None:
    created = import_image(do)

    fetched = do.images.get(created["id"])["image"]

    assert (created["status"], created["regions"]) == ("NEW", [])
    assert (fetched["status"], fetched["regions"]) == ("available", ["nyc3"])
    assert fetched["type"] == "custom" and fetched["public"] is False
    assert fetched["slug"] is None
    assert fetched["tags"] == ["base-image", "prod"]
    assert fetched["distribution"] == "Ubuntu"
    assert fetched["description"] == CUSTOM["description"]
    assert fetched["min_disk_size"] > 0 and fetched["size_gigabytes"] > 0


def test_create_custom_image_stays_new_until_its_import_completes(
    do, frozen_clock
) -> None:
    created = import_image(do)
    waiting = do.images.get(created["id"])["image"]

    frozen_clock(5)
    done = do.images.get(created["id"])["image"]

    assert waiting["status"] == "NEW"
    assert done["status"] == "available"


def test_create_custom_image_logs_an_image_action(do) -> None:
    created = import_image(do)

    listed = do.image_actions.list(created["id"])["actions"]

    assert [(a["resource_type"], a["resource_id"]) for a in listed] == [
        ("image", created["id"])
    ]
    assert listed[0]["status"] == "completed"


def test_create_custom_image_with_unknown_distribution_uses_unknown(do) -> None:
    created = import_image(do, distribution="Slackware")

    assert created["distribution"] == "Unknown"


def test_create_custom_image_without_distribution_uses_unknown(api) -> None:
    body = {k: v for k, v in CUSTOM.items() if k != "distribution"}

    response = api.post("/v2/images", json=body)

    assert response.status_code == 202
    assert response.json()["image"]["distribution"] == "Unknown"


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"url": "ftp://example.com/image.img"}, "http or https"),
        ({"url": "not a url"}, "http or https"),
        ({"region": "mars1"}, "mars1"),
        ({"region": "sfo1"}, "sfo1"),
        ({"name": "  "}, "name"),
        ({"name": 12}, "name"),
        ({"url": ["http://x"]}, "url"),
        ({"tags": "prod"}, "tags"),
    ],
)
def test_create_custom_image_with_bad_field_is_refused(do, api, changes, words) -> None:
    response = api.post("/v2/images", json={**CUSTOM, **changes})

    assert_error(response, 422, "unprocessable_entity", words)
    assert own_images(do) == []


@pytest.mark.parametrize("missing", ["name", "url", "region"])
def test_create_custom_image_without_required_field_is_422(do, api, missing) -> None:
    body = {k: v for k, v in CUSTOM.items() if k != missing}

    response = api.post("/v2/images", json=body)

    assert_error(response, 422, "unprocessable_entity", missing)
    assert own_images(do) == []


def test_create_custom_image_with_malformed_json_is_400(do, api) -> None:
    response = api.post(
        "/v2/images", content=b'{"name": ', headers={"Content-Type": "application/json"}
    )

    assert_error(response, 400, "bad_request", "malformed")
    assert own_images(do) == []


def test_get_public_image_by_id_and_by_slug(do) -> None:
    first = CATALOGUE[0]

    by_id = do.images.get(first["id"])["image"]
    by_slug = do.images.get(first["slug"])["image"]

    assert by_id == by_slug
    assert (by_id["id"], by_id["public"]) == (first["id"], True)
    assert not any(key.startswith("_") for key in by_id)


def test_get_unknown_image_is_404(api) -> None:
    for ref in ("99999999", "no-such-slug", "-1"):
        assert_error(
            api.get(f"/v2/images/{ref}"), 404, "not_found", "could not be found"
        )


def test_get_another_accounts_image_is_404(do, make_client) -> None:
    theirs = import_image(make_client())

    found = do.images.get(theirs["id"])

    assert found["id"] == "not_found"


def test_update_image_renames_it(do) -> None:
    created = import_image(do)

    updated = do.images.update(created["id"], body={"name": "renamed"})["image"]

    assert updated["name"] == "renamed"
    assert do.images.get(created["id"])["image"]["name"] == "renamed"


def test_update_custom_image_changes_distribution_and_description(do) -> None:
    created = import_image(do)

    updated = do.images.update(
        created["id"], body={"distribution": "Debian", "description": "new words"}
    )["image"]

    assert (updated["distribution"], updated["description"]) == ("Debian", "new words")
    assert updated["name"] == CUSTOM["name"]


def test_update_snapshot_keeps_distribution_and_description(do) -> None:
    snapshot = snapshot_image(do)

    updated = do.images.update(
        snapshot["id"],
        body={"name": "snap", "distribution": "Debian", "description": "x"},
    )["image"]

    assert updated["name"] == "snap"
    assert (updated["distribution"], updated["description"]) == (
        snapshot["distribution"],
        snapshot["description"],
    )


def test_update_public_image_is_404_and_changes_nothing(do, api) -> None:
    public = CATALOGUE[0]

    response = api.put(f"/v2/images/{public['id']}", json={"name": "mine now"})

    assert_error(response, 404, "not_found", "could not be found")
    assert do.images.get(public["id"])["image"]["name"] == public["name"]


def test_update_another_accounts_image_is_404(api, make_client) -> None:
    theirs = import_image(make_client())

    response = api.put(f"/v2/images/{theirs['id']}", json={"name": "stolen"})

    assert_error(response, 404, "not_found", "could not be found")


@pytest.mark.parametrize(
    ("body", "words"), [({"name": ""}, "name"), ({"name": 5}, "name"), ([], "body")]
)
def test_update_image_with_bad_body_is_422_and_changes_nothing(
    do, api, body, words
) -> None:
    created = import_image(do)

    response = api.put(f"/v2/images/{created['id']}", json=body)

    assert_error(response, 422, "unprocessable_entity", words)
    assert do.images.get(created["id"])["image"]["name"] == CUSTOM["name"]


def test_delete_image_then_get_is_404(do) -> None:
    created = import_image(do)

    do.images.delete(created["id"])

    assert do.images.get(created["id"])["id"] == "not_found"
    assert own_images(do) == []


def test_delete_image_twice_is_404(do, api) -> None:
    created = import_image(do)
    do.images.delete(created["id"])

    response = api.delete(f"/v2/images/{created['id']}")

    assert_error(response, 404, "not_found", "could not be found")


def test_delete_public_image_is_404_and_keeps_it(do, api) -> None:
    public = CATALOGUE[0]

    response = api.delete(f"/v2/images/{public['id']}")

    assert_error(response, 404, "not_found", "could not be found")
    assert do.images.get(public["id"])["image"]["id"] == public["id"]


def test_delete_another_accounts_image_is_404_and_keeps_it(api, make_client) -> None:
    other = make_client()
    theirs = import_image(other)

    response = api.delete(f"/v2/images/{theirs['id']}")

    assert_error(response, 404, "not_found", "could not be found")
    assert other.images.get(theirs["id"])["image"]["id"] == theirs["id"]


def test_image_routes_need_image_scopes(server, api) -> None:
    with scoped_client(server, api, ["droplet:read"]) as reader:
        response = reader.get("/v2/images")

    assert_error(response, 403, "forbidden", "access")


def account_of(client) -> dict[str, Any]:
    return client.account.get()["account"]


def test_transfer_snapshot_by_email_moves_it_when_the_recipient_accepts(
    do, make_client
) -> None:
    snapshot = snapshot_image(do)
    recipient = make_client()
    team = account_of(recipient)

    offered = do.images.post_account_transfer_create(
        snapshot["id"], body={"recipient_email": team["email"]}
    )
    hidden = recipient.images.get(snapshot["id"])
    recipient.images.post_account_transfer_accept(
        snapshot["id"],
        body={"transfer_id": offered["transfer_id"], "recipient_uuid": team["uuid"]},
    )

    assert offered["transfer_id"] > 0
    assert hidden["id"] == "not_found"
    assert do.images.get(snapshot["id"])["id"] == "not_found"
    moved = recipient.images.get(snapshot["id"])["image"]
    assert (moved["type"], moved["name"], moved["tags"]) == (
        "snapshot",
        snapshot["name"],
        [],
    )
    assert [i["id"] for i in own_images(recipient)] == [snapshot["id"]]


def test_transfer_snapshot_by_team_uuid_can_be_accepted(do, make_client) -> None:
    snapshot = snapshot_image(do)
    recipient = make_client()
    team = account_of(recipient)

    offered = do.images.post_account_transfer_create(
        snapshot["id"], body={"recipient_uuid": team["uuid"]}
    )
    recipient.images.post_account_transfer_accept(
        snapshot["id"],
        body={"transfer_id": offered["transfer_id"], "recipient_uuid": team["uuid"]},
    )

    assert (
        recipient.snapshots.get(str(snapshot["id"]))["snapshot"]["name"]
        == snapshot["name"]
    )


def test_declined_transfer_leaves_the_image_with_the_sender(do, make_client) -> None:
    snapshot = snapshot_image(do)
    recipient = make_client()
    team = account_of(recipient)
    offered = do.images.post_account_transfer_create(
        snapshot["id"], body={"recipient_email": team["email"]}
    )

    recipient.images.post_account_transfer_decline(
        snapshot["id"], body={"transfer_id": offered["transfer_id"]}
    )
    again = do.images.post_account_transfer_create(
        snapshot["id"], body={"recipient_email": team["email"]}
    )

    assert do.images.get(snapshot["id"])["image"]["id"] == snapshot["id"]
    assert again["transfer_id"] != offered["transfer_id"]


def test_cancelled_transfer_can_no_longer_be_accepted(do, make_client) -> None:
    snapshot = snapshot_image(do)
    recipient = make_client()
    team = account_of(recipient)
    offered = do.images.post_account_transfer_create(
        snapshot["id"], body={"recipient_uuid": team["uuid"]}
    )

    do.images.post_account_transfer_cancel(
        snapshot["id"], body={"transfer_id": offered["transfer_id"]}
    )
    accepted = recipient.images.post_account_transfer_accept(
        snapshot["id"],
        body={"transfer_id": offered["transfer_id"], "recipient_uuid": team["uuid"]},
    )

    assert accepted["id"] == "not_found"
    assert do.images.get(snapshot["id"])["image"]["id"] == snapshot["id"]


def test_transfer_of_a_custom_image_is_400(do, api) -> None:
    created = import_image(do)
    do.images.get(created["id"])

    response = api.post(
        f"/v2/images/{created['id']}/account_transfer",
        json={"recipient_email": "alice@example.com"},
    )

    assert_error(response, 400, "bad_request", "only snapshot images")


def test_transfer_to_the_own_account_is_400(do, api) -> None:
    snapshot = snapshot_image(do)
    mine = account_of(do)

    for body in ({"recipient_email": mine["email"]}, {"recipient_uuid": mine["uuid"]}):
        response = api.post(f"/v2/images/{snapshot['id']}/account_transfer", json=body)
        assert_error(response, 400, "bad_request", "own account")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({}, "either recipient_email or recipient_uuid"),
        (
            {
                "recipient_email": "a@example.com",
                "recipient_uuid": "4f6c71e2-1e90-4762-9fee-6cc4a0a9f2cf",
            },
            "either recipient_email or recipient_uuid",
        ),
        ({"recipient_email": "not-an-address"}, "recipient_email"),
        ({"recipient_uuid": "team-7"}, "recipient_uuid"),
    ],
)
def test_transfer_with_bad_recipient_is_400(do, api, body, words) -> None:
    snapshot = snapshot_image(do)

    response = api.post(f"/v2/images/{snapshot['id']}/account_transfer", json=body)

    assert_error(response, 400, "bad_request", words)


def test_second_transfer_while_one_is_pending_is_400(do, api) -> None:
    snapshot = snapshot_image(do)
    path = f"/v2/images/{snapshot['id']}/account_transfer"
    api.post(path, json={"recipient_email": "alice@example.com"})

    response = api.post(path, json={"recipient_email": "bob@example.com"})

    assert_error(response, 400, "bad_request", "pending")


def test_transfer_of_unknown_or_public_image_is_404(api) -> None:
    for ref in ("99999999", str(CATALOGUE[0]["id"])):
        response = api.post(
            f"/v2/images/{ref}/account_transfer",
            json={"recipient_email": "a@example.com"},
        )
        assert_error(response, 404, "not_found", "could not be found")


def test_transfer_needs_image_delete_scope_as_well(server, do, api) -> None:
    snapshot = snapshot_image(do)
    with scoped_client(server, api, ["image:update", "image:read"]) as updater:
        response = updater.post(
            f"/v2/images/{snapshot['id']}/account_transfer",
            json={"recipient_email": "alice@example.com"},
        )

    assert_error(response, 403, "forbidden", "access")


def test_accept_by_someone_else_is_404(do, make_client) -> None:
    snapshot = snapshot_image(do)
    recipient, stranger = make_client(), make_client()
    offered = do.images.post_account_transfer_create(
        snapshot["id"], body={"recipient_email": account_of(recipient)["email"]}
    )

    accepted = stranger.images.post_account_transfer_accept(
        snapshot["id"],
        body={
            "transfer_id": offered["transfer_id"],
            "recipient_uuid": account_of(stranger)["uuid"],
        },
    )

    assert accepted["id"] == "not_found"
    assert do.images.get(snapshot["id"])["image"]["id"] == snapshot["id"]


def test_accept_by_the_sender_is_404(do) -> None:
    snapshot = snapshot_image(do)
    offered = do.images.post_account_transfer_create(
        snapshot["id"], body={"recipient_email": "alice@example.com"}
    )

    accepted = do.images.post_account_transfer_accept(
        snapshot["id"],
        body={
            "transfer_id": offered["transfer_id"],
            "recipient_uuid": account_of(do)["uuid"],
        },
    )

    assert accepted["id"] == "not_found"


def test_accept_into_another_team_is_400_and_moves_nothing(do, make_client) -> None:
    snapshot = snapshot_image(do)
    recipient = make_client()
    offered = do.images.post_account_transfer_create(
        snapshot["id"], body={"recipient_email": account_of(recipient)["email"]}
    )

    refused = recipient.images.post_account_transfer_accept(
        snapshot["id"],
        body={
            "transfer_id": offered["transfer_id"],
            "recipient_uuid": account_of(do)["uuid"],
        },
    )

    assert refused["id"] == "bad_request"
    assert "recipient_uuid" in refused["message"]
    assert do.images.get(snapshot["id"])["image"]["id"] == snapshot["id"]
    assert own_images(recipient) == []


def test_accept_with_wrong_transfer_id_is_404(do, make_client) -> None:
    snapshot = snapshot_image(do)
    recipient = make_client()
    team = account_of(recipient)
    offered = do.images.post_account_transfer_create(
        snapshot["id"], body={"recipient_uuid": team["uuid"]}
    )

    accepted = recipient.images.post_account_transfer_accept(
        snapshot["id"],
        body={
            "transfer_id": offered["transfer_id"] + 1,
            "recipient_uuid": team["uuid"],
        },
    )

    assert accepted["id"] == "not_found"


def test_accept_without_transfer_id_is_422(api) -> None:
    response = api.post(
        "/v2/images/99999999/account_transfer/accept",
        json={"recipient_uuid": "4f6c71e2-1e90-4762-9fee-6cc4a0a9f2cf"},
    )

    assert_error(response, 422, "unprocessable_entity", "transfer_id")


def test_cancel_or_decline_without_pending_transfer_is_404(do, api) -> None:
    snapshot = snapshot_image(do)

    for verb in ("cancel", "decline"):
        response = api.post(
            f"/v2/images/{snapshot['id']}/account_transfer/{verb}",
            json={"transfer_id": 3164444},
        )
        assert_error(response, 404, "not_found", "transfer")


def test_deleting_an_offered_image_withdraws_the_transfer(do, make_client) -> None:
    snapshot = snapshot_image(do)
    recipient = make_client()
    team = account_of(recipient)
    offered = do.images.post_account_transfer_create(
        snapshot["id"], body={"recipient_uuid": team["uuid"]}
    )

    do.images.delete(snapshot["id"])
    accepted = recipient.images.post_account_transfer_accept(
        snapshot["id"],
        body={"transfer_id": offered["transfer_id"], "recipient_uuid": team["uuid"]},
    )

    assert accepted["id"] == "not_found"
    assert own_images(recipient) == []


def test_transfer_survives_a_restart_before_the_sender_comes_back(tmp_path) -> None:
    sender_token, recipient_token = new_token(), new_token()

    def session(token: str, url: str) -> httpx.Client:
        return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"})

    first, thread, _ = start_server(
        Settings(port=free_port(), data_dir=tmp_path, clock="instant")
    )
    url = f"http://127.0.0.1:{first.config.port}"
    with session(sender_token, url) as sender, session(recipient_token, url) as other:
        team = other.get("/v2/account").json()["account"]
        image = sender.post("/v2/images", json=CUSTOM).json()["image"]
        sender.post(f"/v2/images/{image['id']}/actions", json={"type": "convert"})
        sender.get(f"/v2/images/{image['id']}")
        offered = sender.post(
            f"/v2/images/{image['id']}/account_transfer",
            json={"recipient_uuid": team["uuid"]},
        ).json()
    first.should_exit = True
    thread.join(10)

    second, thread, _ = start_server(
        Settings(port=free_port(), data_dir=tmp_path, clock="instant")
    )
    url = f"http://127.0.0.1:{second.config.port}"
    with session(sender_token, url) as sender, session(recipient_token, url) as other:
        accepted = other.post(
            f"/v2/images/{image['id']}/account_transfer/accept",
            json={
                "transfer_id": offered["transfer_id"],
                "recipient_uuid": team["uuid"],
            },
        )
        theirs = other.get(f"/v2/images/{image['id']}")
        gone = sender.get(f"/v2/images/{image['id']}")
    second.should_exit = True
    thread.join(10)

    assert accepted.status_code == 201 and accepted.content == b""
    assert theirs.json()["image"]["type"] == "snapshot"
    assert gone.status_code == 404


def test_delete_image_while_importing_leaves_nothing_behind(do, frozen_clock) -> None:
    created = import_image(do)

    do.images.delete(created["id"])
    frozen_clock(5)

    assert own_images(do) == []
    assert do.image_actions.list(created["id"])["id"] == "not_found"
