"""The metadata listener: the droplet is chosen by the caller's source address.

The listener is on 127.0.0.2; requests come from other loopback addresses
(httpx's `local_address`), so the choice by source address is real without root.
No droplet holds a loopback address, so these callers are named through bindings
or the default droplet; tests/metadata/test_namespace.py covers a droplet's own
address.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pydo
import pytest

from tests.conftest import free_port, new_token, pydo_client
from tests.metadata.conftest import Running, run_emulator

DROPLET = {
    "name": "web-1",
    "region": "nyc3",
    "size": "s-1vcpu-1gb",
    "image": "ubuntu-22-04-x64",
}


def caller(running: Running, source: str) -> httpx.Client:
    """A client of the metadata listener whose requests come from `source`."""
    host_port = running.server.settings.metadata_address
    return httpx.Client(
        base_url=f"http://{host_port}",
        transport=httpx.HTTPTransport(local_address=source),
        timeout=10,
    )


@pytest.fixture
def do(listening: Running) -> pydo.Client:
    return pydo_client(listening.server, new_token())


@pytest.fixture
def control(listening: Running) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{listening.server.url}/_emulator", timeout=10) as c:
        yield c


def active(do: pydo.Client, **fields: Any) -> dict[str, Any]:
    created = do.droplets.create(body={**DROPLET, **fields})["droplet"]
    return do.droplets.get(created["id"])["droplet"]


@pytest.fixture
def bound(
    listening: Running, control: httpx.Client, do: pydo.Client
) -> Iterator[dict[str, Any]]:
    """A droplet bound to source 127.0.0.3; the binding is removed after."""
    droplet = active(do, name="bound-1", tags=["web"])
    made = control.post(
        "/metadata/bindings", json={"source": "127.0.0.3", "droplet_id": droplet["id"]}
    )
    assert made.status_code == 201, made.text
    yield droplet
    control.delete("/metadata/bindings/127.0.0.3")


def test_unknown_source_gets_a_404_that_says_what_to_do(listening):
    with caller(listening, "127.0.0.9") as client:
        answer = client.get("/metadata/v1/id")

    assert answer.status_code == 404
    assert answer.headers["content-type"] == "text/plain; charset=utf-8"
    assert "no droplet answers for source address 127.0.0.9" in answer.text
    assert "/_emulator/metadata/bindings" in answer.text


def test_bound_source_reads_its_droplets_metadata(listening, bound):
    with caller(listening, "127.0.0.3") as client:
        droplet_id = client.get("/metadata/v1/id")
        hostname = client.get("/metadata/v1/hostname")
        doc = client.get("/metadata/v1.json")

    assert (droplet_id.status_code, droplet_id.text) == (200, str(bound["id"]))
    assert hostname.text == "bound-1"
    assert doc.json()["droplet_id"] == bound["id"]
    assert doc.json()["tags"] == ["web"]


def test_other_sources_are_not_answered_as_the_bound_droplet(listening, bound):
    with caller(listening, "127.0.0.4") as client:
        answer = client.get("/metadata/v1/id")

    assert answer.status_code == 404


def test_listener_serves_the_tree_with_redirects_and_404s(listening, bound):
    with caller(listening, "127.0.0.3") as client:
        index = client.get("/metadata/v1/")
        root = client.get("/metadata/v1")
        interfaces = client.get("/metadata/v1/interfaces")
        address = client.get("/metadata/v1/interfaces/public/0/ipv4/address")
        missing = client.get("/metadata/v1/nothing")
        outside = client.get("/latest/meta-data/")

    assert index.text.split("\n")[:3] == ["id", "hostname", "user-data"]
    assert (root.status_code, root.headers["location"]) == (301, "/metadata/v1/")
    assert interfaces.headers["location"] == "/metadata/v1/interfaces/"
    assert address.text == bound["networks"]["v4"][1]["ip_address"]
    assert (missing.status_code, missing.text) == (404, "404 Not Found")
    assert outside.status_code == 404


def test_maintenance_event_is_empty(listening, bound):
    with caller(listening, "127.0.0.3") as client:
        answer = client.get("/v1/maintenance_event")

    assert (answer.status_code, answer.text) == (200, "")


def test_rename_over_rest_shows_on_the_listener_at_once(listening, bound, do):
    do.droplet_actions.post(bound["id"], body={"type": "rename", "name": "bound-2"})

    with caller(listening, "127.0.0.3") as client:
        hostname = client.get("/metadata/v1/hostname")

    assert hostname.text == "bound-2"


def test_bad_methods_and_huge_urls_get_clean_errors(listening, bound):
    with caller(listening, "127.0.0.3") as client:
        post = client.post("/metadata/v1/hostname", content=b"x")
        delete = client.delete("/metadata/v1.json")
        huge = client.get("/metadata/v1/" + "a" * 20_000)
        head = client.head("/metadata/v1/hostname")
        bad_patch = client.patch("/metadata/v1.json", content=b"{")
        big_patch = client.patch("/metadata/v1.json", content=b" " * 100_000)

    assert (post.status_code, post.headers["allow"]) == (405, "GET, HEAD")
    assert delete.status_code == 405
    assert huge.status_code in (400, 414, 431)
    assert (head.status_code, head.content) == (200, b"")
    assert bad_patch.status_code == 400
    assert big_patch.status_code == 413


def test_removed_binding_stops_answering(listening, control, do):
    droplet = active(do)
    control.post(
        "/metadata/bindings", json={"source": "127.0.0.5", "droplet_id": droplet["id"]}
    )

    removed = control.delete("/metadata/bindings/127.0.0.5")
    with caller(listening, "127.0.0.5") as client:
        answer = client.get("/metadata/v1/id")

    assert removed.status_code == 204
    assert answer.status_code == 404


def test_bindings_are_listed(listening, control, bound):
    listing = control.get("/metadata/bindings")

    entries = {b["source"]: b["droplet_id"] for b in listing.json()["bindings"]}
    assert entries["127.0.0.3"] == bound["id"]


def test_binding_is_replaced_for_the_same_source(listening, control, do, bound):
    other = active(do, name="other")

    control.post(
        "/metadata/bindings",
        json={"source": "127.0.0.3", "droplet_id": str(other["id"])},
    )
    with caller(listening, "127.0.0.3") as client:
        hostname = client.get("/metadata/v1/hostname")

    assert hostname.text == "other"


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"source": "not-an-address", "droplet_id": 1}, "source must be an IP address"),
        ({"source": "127.0.0.6", "droplet_id": 999_999_999}, "could not be found"),
        ({"source": "127.0.0.6"}, "droplet_id"),
        ({"source": "127.0.0.6", "droplet_id": "many"}, "droplet_id"),
        ({"droplet_id": 1}, "source"),
    ],
)
def test_bad_bindings_are_refused_and_change_nothing(listening, control, body, words):
    before = control.get("/metadata/bindings").json()

    answer = control.post("/metadata/bindings", json=body)

    assert answer.status_code == 422
    assert answer.json()["id"] == "unprocessable_entity"
    assert words in answer.json()["message"]
    assert control.get("/metadata/bindings").json() == before


@pytest.mark.parametrize("source", ["127.0.0.77", "nonsense"])
def test_deleting_an_absent_binding_is_404(control, source):
    answer = control.delete(f"/metadata/bindings/{source}")

    assert answer.status_code == 404
    assert answer.json()["id"] == "not_found"


def test_default_droplet_answers_unknown_sources():
    # A fresh emulator gives its first droplet the first id of the sequence.
    running = run_emulator(
        metadata_address=f"127.0.0.2:{free_port()}",
        metadata_default_droplet=400_000_001,
    )
    try:
        do = pydo_client(running.server, new_token())
        droplet = active(do, name="fallback")

        with caller(running, "127.0.0.8") as client:
            hostname = client.get("/metadata/v1/hostname")
    finally:
        running.stop()

    assert droplet["id"] == 400_000_001
    assert hostname.text == "fallback"


def test_listener_is_left_out_when_turned_off():
    running = run_emulator(metadata_address="off")
    try:
        names = [listener.name for listener in running.listeners]
    finally:
        running.stop()

    assert "main" in names and "metadata" not in names


def test_bindings_and_droplets_outlive_a_restart(tmp_path):
    address = f"127.0.0.2:{free_port()}"
    first = run_emulator(in_memory=False, data_dir=tmp_path, metadata_address=address)
    try:
        droplet = active(pydo_client(first.server, new_token()), name="kept")
        httpx.post(
            f"{first.server.url}/_emulator/metadata/bindings",
            json={"source": "127.0.0.10", "droplet_id": droplet["id"]},
        ).raise_for_status()
    finally:
        first.stop()

    second = run_emulator(in_memory=False, data_dir=tmp_path, metadata_address=address)
    try:
        with caller(second, "127.0.0.10") as client:
            hostname = client.get("/metadata/v1/hostname")
    finally:
        second.stop()

    assert (hostname.status_code, hostname.text) == (200, "kept")


def test_root_without_slash_serves_the_index_when_redirects_are_off():
    running = run_emulator(
        metadata_address=f"127.0.0.2:{free_port()}",
        metadata_default_droplet=400_000_001,
        metadata_root_redirect=False,
    )
    try:
        active(pydo_client(running.server, new_token()))
        with caller(running, "127.0.0.11") as client:
            root = client.get("/metadata/v1")
            interfaces = client.get("/metadata/v1/interfaces")
    finally:
        running.stop()

    assert (root.status_code, root.text.split("\n")[0]) == (200, "id")
    assert interfaces.status_code == 301
