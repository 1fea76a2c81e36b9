"""Spaces Keys: /v2/spaces/keys through pydo, bad input through plain HTTP."""

from __future__ import annotations

import re

import httpx
import pydo
import pytest

from tests.helpers import assert_error, scoped_client

MIXED = "cannot mix fullaccess permission with scoped permissions."


def test_create_key_shows_the_secret_once(do: pydo.Client) -> None:
    created = do.spaces_key.create(
        body={"name": "ci", "grants": [{"bucket": "assets", "permission": "readwrite"}]}
    )["key"]

    fetched = do.spaces_key.get(created["access_key"])["key"]

    assert re.fullmatch(r"DO00[A-Z0-9]{16}", created["access_key"])
    assert len(created["secret_key"]) == 43
    assert created["grants"] == [{"bucket": "assets", "permission": "readwrite"}]
    assert "secret_key" not in fetched
    assert fetched["name"] == "ci"
    assert fetched["created_at"].endswith("Z")


def test_full_access_key_is_written_with_an_empty_bucket(do: pydo.Client) -> None:
    created = do.spaces_key.create(
        body={
            "name": "all",
            "grants": [{"bucket": "anything", "permission": "fullaccess"}],
        }
    )["key"]

    assert created["grants"] == [{"bucket": "", "permission": "fullaccess"}]


def test_key_life_cycle_list_update_delete(do: pydo.Client) -> None:
    created = do.spaces_key.create(body={"name": "old", "grants": []})["key"]
    access_key = created["access_key"]

    listed = do.spaces_key.list()
    updated = do.spaces_key.update(access_key, body={"name": "new"})["key"]
    do.spaces_key.delete(access_key)

    assert [k["access_key"] for k in listed["keys"]] == [access_key]
    assert listed["meta"]["total"] == 1
    assert updated["name"] == "new"
    # pydo hands back the 404 body of this operation instead of raising.
    assert do.spaces_key.get(access_key)["id"] == "not_found"


def test_patch_renames_a_key(api: httpx.Client) -> None:
    key = api.post("/v2/spaces/keys", json={"name": "a", "grants": []}).json()["key"]

    patched = api.patch(f"/v2/spaces/keys/{key['access_key']}", json={"name": "b"})

    assert patched.status_code == 200
    assert patched.json()["key"]["name"] == "b"


def test_list_keys_pages_newest_first(do: pydo.Client) -> None:
    for i in range(3):
        do.spaces_key.create(body={"name": f"k{i}", "grants": []})

    first = do.spaces_key.list(per_page=2, page=1)
    second = do.spaces_key.list(per_page=2, page=2)

    assert [k["name"] for k in first["keys"] + second["keys"]] == ["k2", "k1", "k0"]
    assert first["meta"]["total"] == 3
    assert "next" in first["links"]["pages"]


def test_list_keys_sorts_by_name_ascending(api: httpx.Client) -> None:
    for name in ("b", "a", "c"):
        api.post("/v2/spaces/keys", json={"name": name, "grants": []})

    listed = api.get(
        "/v2/spaces/keys", params={"sort": "name", "sort_direction": "asc"}
    )

    assert [k["name"] for k in listed.json()["keys"]] == ["a", "b", "c"]


def test_list_keys_filters_by_bucket_and_permission(api: httpx.Client) -> None:
    api.post(
        "/v2/spaces/keys",
        json={"name": "r", "grants": [{"bucket": "logs", "permission": "read"}]},
    )
    api.post(
        "/v2/spaces/keys",
        json={"name": "w", "grants": [{"bucket": "logs", "permission": "readwrite"}]},
    )
    api.post(
        "/v2/spaces/keys",
        json={"name": "o", "grants": [{"bucket": "other", "permission": "read"}]},
    )

    by_bucket = api.get("/v2/spaces/keys", params={"bucket": "logs"}).json()["keys"]
    by_permission = api.get("/v2/spaces/keys", params={"permission": "read"}).json()[
        "keys"
    ]
    by_name = api.get("/v2/spaces/keys", params={"name": "w"}).json()["keys"]

    assert sorted(k["name"] for k in by_bucket) == ["r", "w"]
    assert sorted(k["name"] for k in by_permission) == ["o", "r"]
    assert [k["name"] for k in by_name] == ["w"]


def test_mixing_fullaccess_with_scoped_grants_is_refused(api: httpx.Client) -> None:
    answer = api.post(
        "/v2/spaces/keys",
        json={
            "name": "mixed",
            "grants": [
                {"bucket": "", "permission": "fullaccess"},
                {"bucket": "assets", "permission": "read"},
            ],
        },
    )

    assert_error(answer, 400, "bad_request", MIXED)
    assert api.get("/v2/spaces/keys").json()["meta"]["total"] == 0


def test_converting_scoped_key_to_full_access_is_refused(api: httpx.Client) -> None:
    key = api.post(
        "/v2/spaces/keys",
        json={"name": "s", "grants": [{"bucket": "assets", "permission": "read"}]},
    ).json()["key"]

    answer = api.put(
        f"/v2/spaces/keys/{key['access_key']}",
        json={"grants": [{"bucket": "", "permission": "fullaccess"}]},
    )

    assert_error(answer, 400, "bad_request", MIXED)
    kept = api.get(f"/v2/spaces/keys/{key['access_key']}").json()["key"]
    assert kept["grants"] == [{"bucket": "assets", "permission": "read"}]


def test_scoped_key_grants_can_be_edited(api: httpx.Client) -> None:
    key = api.post(
        "/v2/spaces/keys",
        json={"name": "s", "grants": [{"bucket": "a1b", "permission": "read"}]},
    ).json()["key"]

    answer = api.put(
        f"/v2/spaces/keys/{key['access_key']}",
        json={
            "grants": [
                {"bucket": "a1b", "permission": "readwrite"},
                {"bucket": "c2d", "permission": "read"},
            ]
        },
    )

    assert answer.status_code == 200
    assert len(answer.json()["key"]["grants"]) == 2


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (
            {"name": "x", "grants": [{"bucket": "b-1", "permission": "admin"}]},
            400,
            "invalid permission",
        ),
        (
            {"name": "x", "grants": [{"bucket": "Not_A_Bucket", "permission": "read"}]},
            400,
            "invalid bucket name",
        ),
        ({"name": "", "grants": []}, 400, "name is required"),
        ({"grants": []}, 400, "name is required"),
        ({"name": "x", "grants": [{"bucket": "b-1"}]}, 422, "permission"),
        ({"name": "x", "grants": "read"}, 422, "grants"),
    ],
)
def test_create_key_with_bad_input_is_refused_and_nothing_made(
    api: httpx.Client, body: dict[str, object], status: int, words: str
) -> None:
    answer = api.post("/v2/spaces/keys", json=body)

    assert answer.status_code == status, answer.text
    assert words in answer.json()["message"]
    assert api.get("/v2/spaces/keys").json()["meta"]["total"] == 0


def test_unknown_key_is_not_found(api: httpx.Client) -> None:
    for answer in (
        api.get("/v2/spaces/keys/DO00NOSUCHKEY0000000"),
        api.put("/v2/spaces/keys/DO00NOSUCHKEY0000000", json={"name": "x"}),
        api.delete("/v2/spaces/keys/DO00NOSUCHKEY0000000"),
    ):
        assert_error(answer, 404, "not_found", "could not be found")


def test_keys_of_another_account_are_invisible(
    do: pydo.Client, make_client: object
) -> None:
    created = do.spaces_key.create(body={"name": "mine", "grants": []})["key"]
    other = make_client()  # type: ignore[operator]

    answer = other.spaces_key.get(created["access_key"])

    assert answer["id"] == "not_found"


def test_read_scope_cannot_create_keys(server: object, api: httpx.Client) -> None:
    reader = scoped_client(server, api, ["spaces_key:read"])

    answer = reader.post("/v2/spaces/keys", json={"name": "x", "grants": []})

    assert_error(answer, 403, "forbidden", "do not have access")
    assert reader.get("/v2/spaces/keys").status_code == 200
    reader.close()
