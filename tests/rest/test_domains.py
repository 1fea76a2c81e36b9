"""Domains: /v2/domains through pydo, bad input through plain HTTP."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pydo
import pytest

from tests.helpers import assert_error, refusal


def test_create_domain_makes_soa_ns_and_a_records(do: pydo.Client) -> None:
    created = do.domains.create(body={"name": "example.com", "ip_address": "1.2.3.4"})

    records = do.domains.list_records("example.com")["domain_records"]

    assert created["domain"] == {"name": "example.com", "ttl": 1800, "zone_file": None}
    assert [(r["type"], r["name"], r["data"]) for r in records] == [
        ("SOA", "@", "1800"),
        ("NS", "@", "ns1.digitalocean.com"),
        ("NS", "@", "ns2.digitalocean.com"),
        ("NS", "@", "ns3.digitalocean.com"),
        ("A", "@", "1.2.3.4"),
    ]


def test_create_domain_without_ip_has_no_a_record(do: pydo.Client) -> None:
    do.domains.create(body={"name": "example.org"})

    records = do.domains.list_records("example.org", type="A")

    assert records["domain_records"] == []
    assert records["meta"]["total"] == 0


def test_get_domain_zone_file_reflects_current_records(do: pydo.Client) -> None:
    do.domains.create(body={"name": "zone.test", "ip_address": "1.2.3.4"})
    do.domains.create_record(
        "zone.test",
        body={"type": "MX", "name": "@", "data": "mail.zone.test", "priority": 10},
    )
    do.domains.create_record(
        "zone.test", body={"type": "TXT", "name": "www", "data": "hello"}
    )

    zone = do.domains.get("zone.test")["domain"]["zone_file"]

    lines = zone.splitlines()
    assert lines[:2] == ["$ORIGIN zone.test.", "$TTL 1800"]
    assert lines[2].startswith(
        "zone.test. IN SOA ns1.digitalocean.com. hostmaster.zone.test. "
    )
    assert lines[2].endswith(" 10800 3600 604800 1800")
    assert lines[3:] == [
        "zone.test. 1800 IN NS ns1.digitalocean.com.",
        "zone.test. 1800 IN NS ns2.digitalocean.com.",
        "zone.test. 1800 IN NS ns3.digitalocean.com.",
        "zone.test. 1800 IN A 1.2.3.4",
        "zone.test. 1800 IN MX 10 mail.zone.test.",
        'www.zone.test. 1800 IN TXT "hello"',
    ]


def test_zone_serial_grows_with_each_change(do: pydo.Client) -> None:
    do.domains.create(body={"name": "serial.test"})
    before = do.domains.get("serial.test")["domain"]["zone_file"]

    do.domains.create_record(
        "serial.test", body={"type": "A", "name": "www", "data": "10.0.0.1"}
    )
    after = do.domains.get("serial.test")["domain"]["zone_file"]

    serial = lambda zone: int(zone.splitlines()[2].split()[5])  # noqa: E731
    assert serial(after) > serial(before)


def test_list_domains_pages_with_zone_files(do: pydo.Client) -> None:
    for name in ("a.test", "b.test", "c.test"):
        do.domains.create(body={"name": name})

    first = do.domains.list(per_page=2, page=1)
    second = do.domains.list(per_page=2, page=2)

    assert [d["name"] for d in first["domains"]] == ["a.test", "b.test"]
    assert [d["name"] for d in second["domains"]] == ["c.test"]
    assert first["meta"]["total"] == 3
    assert "next" in first["links"]["pages"]
    assert second["domains"][0]["zone_file"].startswith("$ORIGIN c.test.")


def test_domain_name_is_case_insensitive(do: pydo.Client) -> None:
    do.domains.create(body={"name": "Mixed.Test"})

    fetched = do.domains.get("MIXED.test")["domain"]

    assert fetched["name"] == "mixed.test"


def test_delete_domain_removes_it_and_its_records(
    do: pydo.Client, api: httpx.Client
) -> None:
    do.domains.create(body={"name": "gone.test", "ip_address": "1.2.3.4"})

    do.domains.delete("gone.test")

    assert_error(api.get("/v2/domains/gone.test"), 404, "not_found", "")
    assert_error(api.get("/v2/domains/gone.test/records"), 404, "not_found", "")
    do.domains.create(body={"name": "gone.test"})
    assert do.domains.list_records("gone.test")["meta"]["total"] == 4


def test_new_domain_joins_the_default_project(do: pydo.Client) -> None:
    do.domains.create(body={"name": "project.test"})

    members = do.projects.list_resources_default()["resources"]

    assert [m["urn"] for m in members] == ["do:domain:project.test"]


def test_create_taken_domain_is_refused(do: pydo.Client) -> None:
    do.domains.create(body={"name": "taken.test"})

    status, body = refusal(lambda: do.domains.create(body={"name": "TAKEN.test"}))

    assert (status, body["id"]) == (422, "unprocessable_entity")
    assert "already" in body["message"]
    assert do.domains.list()["meta"]["total"] == 1


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"name": "not a domain"}, "not a valid domain name"),
        ({"name": "localhost"}, "not a valid domain name"),
        ({"name": "-bad.test"}, "not a valid domain name"),
        ({"name": "ok.test", "ip_address": "999.1.1.1"}, "IPv4"),
        ({"name": "ok.test", "ip_address": "::1"}, "IPv4"),
        ({"name": 42}, "name"),
        ({}, "name"),
    ],
)
def test_create_invalid_domain_is_refused_and_stores_nothing(
    api: httpx.Client, body: dict[str, object], words: str
) -> None:
    refused = api.post("/v2/domains", json=body)

    assert_error(refused, 422, "unprocessable_entity", words)
    assert api.get("/v2/domains").json()["meta"]["total"] == 0
    assert api.get("/v2/projects/default/resources").json()["meta"]["total"] == 0


def test_unknown_domain_is_404(api: httpx.Client) -> None:
    assert_error(api.get("/v2/domains/nope.test"), 404, "not_found", "")
    assert_error(api.delete("/v2/domains/nope.test"), 404, "not_found", "")


def test_domains_of_another_account_are_not_visible(
    do: pydo.Client, make_client: Callable[[], pydo.Client]
) -> None:
    do.domains.create(body={"name": "mine.test"})
    other = make_client()

    # pydo answers a 404 of this operation with its body rather than raising.
    assert other.domains.get("mine.test")["id"] == "not_found"
    assert other.domains.list()["meta"]["total"] == 0
