"""SSH Keys: /v2/account/keys through pydo, bad input through plain HTTP."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from typing import Any

import httpx
import pydo
import pytest

from tests.helpers import refusal

# Made with ssh-keygen; fingerprints from `ssh-keygen -l -E md5`.
ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEDrcCe4BVFhVPwEbNTgp5kTUjZmlG3kT50CB+chS18G sammy@example.com"
ED25519_MD5 = "b7:c3:e5:09:bc:32:e1:ec:b5:4d:0c:1d:74:16:c7:a0"
RSA = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQCmb3Qg47OtypGXIowAPz1yq0cljt+ts+Y25uyneKfGkdJYfT0yiUrvhc2xdj8Iz4G7vD8QWayLB0SZYmM6hVAN5hP8ODfckkNhn6UuP4hMMZ6KbhgFOqaf0jXoTdTkFvVIFUrSSy0Y3Al6tWXWcsoGuU2ruZfJRkKNdaiBvizl6Q== rsa@example.com"
RSA_MD5 = "a8:b5:93:30:2c:7b:98:4e:50:ba:85:c5:73:08:20:1f"
ECDSA = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBL8Q6DPGiYgY3sQlxqNAhtGqbSKTMaETNarWqYt+54E6j7nIo8gQ78bNyGoV1+SCDeMC6d+wgKTE7GoEKFIlhfA= ec"
ECDSA_MD5 = "0d:9c:26:aa:d3:4d:40:f5:bb:0c:8d:b9:d8:27:40:7b"
# The spec's own request example: a real key with "EXAMPLE" written over its start.
SPEC_EXAMPLE = "ssh-rsa AEXAMPLEaC1yc2EAAAADAQABAAAAQQDDHr/jh2Jy4yALcK4JyWbVkPRaWmhck3IgCoeOO3z1e2dBowLh64QAM+Qb72pxekALga2oi4GvT+TlWNhzPH4V example"

INVALID_TYPE = "Key invalid type, we support 'ssh-rsa', 'ssh-dss', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', or 'ssh-ed25519'"
INVALID_KEY = "Fingerprint could not be generated, please make sure your key is valid"


def random_ed25519() -> str:
    """A well-formed ed25519 public key line with random key bytes."""
    name = b"ssh-ed25519"
    blob = (
        len(name).to_bytes(4, "big") + name + (32).to_bytes(4, "big") + os.urandom(32)
    )
    return "ssh-ed25519 " + base64.b64encode(blob).decode()


def test_create_key_computes_md5_fingerprint(do: pydo.Client) -> None:
    created = do.ssh_keys.create(body={"name": "laptop", "public_key": ED25519})[
        "ssh_key"
    ]

    assert created["fingerprint"] == ED25519_MD5
    assert created["name"] == "laptop"
    assert created["public_key"] == ED25519
    assert isinstance(created["id"], int)


@pytest.mark.parametrize(
    ("public_key", "fingerprint"), [(RSA, RSA_MD5), (ECDSA, ECDSA_MD5)]
)
def test_create_key_accepts_rsa_and_ecdsa(
    do: pydo.Client, public_key: str, fingerprint: str
) -> None:
    created = do.ssh_keys.create(body={"name": "k", "public_key": public_key})[
        "ssh_key"
    ]

    assert created["fingerprint"] == fingerprint


def test_create_key_accepts_the_spec_example(do: pydo.Client) -> None:
    created = do.ssh_keys.create(body={"name": "doc", "public_key": SPEC_EXAMPLE})[
        "ssh_key"
    ]

    assert len(created["fingerprint"].split(":")) == 16


def test_get_key_by_id_and_by_fingerprint(do: pydo.Client) -> None:
    created = do.ssh_keys.create(body={"name": "laptop", "public_key": ED25519})[
        "ssh_key"
    ]

    by_id = do.ssh_keys.get(created["id"])["ssh_key"]
    by_fingerprint = do.ssh_keys.get(ED25519_MD5)["ssh_key"]

    assert by_id == by_fingerprint == created


def test_list_keys_pages_in_creation_order(do: pydo.Client) -> None:
    ids = [
        do.ssh_keys.create(body={"name": f"k{i}", "public_key": random_ed25519()})[
            "ssh_key"
        ]["id"]
        for i in range(5)
    ]

    first = do.ssh_keys.list(per_page=2)
    last = do.ssh_keys.list(per_page=2, page=3)

    assert [k["id"] for k in first["ssh_keys"]] == ids[:2]
    assert [k["id"] for k in last["ssh_keys"]] == ids[4:]
    assert first["meta"]["total"] == 5
    assert "page=2" in first["links"]["pages"]["next"]
    assert "page=3" in first["links"]["pages"]["last"]


def test_update_key_renames_it(do: pydo.Client) -> None:
    created = do.ssh_keys.create(body={"name": "old", "public_key": ED25519})["ssh_key"]

    updated = do.ssh_keys.update(ED25519_MD5, body={"name": "new"})["ssh_key"]

    assert updated == {**created, "name": "new"}
    assert do.ssh_keys.get(created["id"])["ssh_key"]["name"] == "new"


def test_delete_key_then_get_is_404(do: pydo.Client) -> None:
    created = do.ssh_keys.create(body={"name": "laptop", "public_key": ED25519})[
        "ssh_key"
    ]

    do.ssh_keys.delete(created["id"])

    # pydo answers a documented 404 with its body instead of raising.
    assert do.ssh_keys.get(created["id"])["id"] == "not_found"
    assert do.ssh_keys.list()["ssh_keys"] == []


def test_keys_of_another_account_are_not_found(
    do: pydo.Client, make_client: Callable[[], pydo.Client]
) -> None:
    created = do.ssh_keys.create(body={"name": "mine", "public_key": ED25519})[
        "ssh_key"
    ]
    other = make_client()

    assert other.ssh_keys.get(created["id"])["id"] == "not_found"
    # The same key may be added to another account.
    assert other.ssh_keys.create(body={"name": "theirs", "public_key": ED25519})


def test_create_duplicate_key_is_refused(do: pydo.Client) -> None:
    do.ssh_keys.create(body={"name": "first", "public_key": ED25519})

    status, body = refusal(
        lambda: do.ssh_keys.create(body={"name": "second", "public_key": ED25519})
    )

    assert (status, body["id"]) == (422, "unprocessable_entity")
    assert body["message"] == "SSH Key is already in use on your account"
    assert len(do.ssh_keys.list()["ssh_keys"]) == 1


@pytest.mark.parametrize(
    ("public_key", "message"),
    [
        ("not a key", INVALID_TYPE),
        ("---- BEGIN SSH2 PUBLIC KEY ----", INVALID_TYPE),
        ("ssh-rsa", INVALID_KEY),
        ("ssh-rsa AAAAB3replace_me_replace_me", INVALID_KEY),
        ("ssh-rsa Zm9vYmFyYmF6cXV4cXV1eA==", INVALID_KEY),
        # An ed25519 blob declared as RSA.
        ("ssh-rsa " + ED25519.split()[1], INVALID_KEY),
        # A truncated key.
        (RSA.split()[0] + " " + RSA.split()[1][:60], INVALID_KEY),
    ],
)
def test_create_invalid_key_is_refused(
    do: pydo.Client, public_key: str, message: str
) -> None:
    status, body = refusal(
        lambda: do.ssh_keys.create(body={"name": "bad", "public_key": public_key})
    )

    assert (status, body["id"], body["message"]) == (
        422,
        "unprocessable_entity",
        message,
    )
    assert do.ssh_keys.list()["ssh_keys"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"public_key": ED25519},
        {"name": "no key"},
        {"name": 12, "public_key": ED25519},
        {"name": "   ", "public_key": ED25519},
    ],
)
def test_create_key_with_bad_fields_is_refused(
    api: httpx.Client, body: dict[str, Any]
) -> None:
    response = api.post("/v2/account/keys", json=body)

    assert response.status_code == 422
    assert response.json()["id"] == "unprocessable_entity"
    assert api.get("/v2/account/keys").json()["meta"]["total"] == 0


def test_create_key_with_malformed_json_is_400(api: httpx.Client) -> None:
    response = api.post(
        "/v2/account/keys",
        content=b'{"name": ',
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert response.json()["id"] == "bad_request"


def test_update_unknown_key_is_404(api: httpx.Client) -> None:
    response = api.put("/v2/account/keys/12345", json={"name": "x"})

    assert response.status_code == 404
    assert (
        response.json()["message"]
        == "The resource you were accessing could not be found."
    )


def test_update_key_with_blank_name_keeps_it(do: pydo.Client) -> None:
    created = do.ssh_keys.create(body={"name": "keep", "public_key": ED25519})[
        "ssh_key"
    ]

    status, body = refusal(lambda: do.ssh_keys.update(created["id"], body={"name": ""}))

    assert (status, body["id"], body["message"]) == (
        422,
        "unprocessable_entity",
        "Name can't be blank",
    )
    assert do.ssh_keys.get(created["id"])["ssh_key"]["name"] == "keep"


@pytest.mark.parametrize("ref", ["not-a-key", "00:11", "999999999999"])
def test_delete_unknown_key_is_404(api: httpx.Client, ref: str) -> None:
    response = api.delete(f"/v2/account/keys/{ref}")

    assert response.status_code == 404
    assert response.json()["id"] == "not_found"


def test_read_only_token_cannot_create_keys(server: Any) -> None:
    token = "dop_v1_" + os.urandom(32).hex()
    server.control(
        "POST", "/tokens", json={"token": token, "scopes": ["ssh_key:read"]}
    ).raise_for_status()
    headers = {"Authorization": f"Bearer {token}"}

    listed = httpx.get(f"{server.url}/v2/account/keys", headers=headers)
    refused = httpx.post(
        f"{server.url}/v2/account/keys",
        headers=headers,
        json={"name": "x", "public_key": ED25519},
    )

    assert listed.status_code == 200
    assert (refused.status_code, refused.json()["id"]) == (403, "forbidden")
