"""Domain Records: /v2/domains/{name}/records through pydo, bad input through HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pydo
import pytest

from tests.helpers import assert_error, refusal

DOMAIN = "example.com"
RECORDS = f"/v2/domains/{DOMAIN}/records"


@pytest.fixture
def domain(do: pydo.Client) -> str:
    do.domains.create(body={"name": DOMAIN})
    return DOMAIN


@pytest.mark.parametrize(
    "body",
    [
        {"type": "A", "name": "www", "data": "162.10.66.0"},
        {"type": "AAAA", "name": "www", "data": "2001:db8::1"},
        {"type": "CNAME", "name": "blog", "data": "www.example.com."},
        {"type": "MX", "name": "@", "data": "mail.example.com", "priority": 10},
        {"type": "NS", "name": "sub", "data": "ns1.example.net"},
        {"type": "TXT", "name": "@", "data": "v=spf1 -all"},
        {
            "type": "SRV",
            "name": "_sip._tcp",
            "data": "sip.example.com",
            "priority": 1,
            "port": 5060,
            "weight": 10,
        },
        {
            "type": "CAA",
            "name": "@",
            "data": "letsencrypt.org",
            "flags": 0,
            "tag": "issue",
        },
    ],
)
def test_create_record_of_each_type(
    do: pydo.Client, domain: str, body: dict[str, Any]
) -> None:
    created = do.domains.create_record(domain, body=body)["domain_record"]

    fetched = do.domains.get_record(domain, created["id"])["domain_record"]

    assert created == fetched
    assert {k: created[k] for k in body} == body
    assert created["ttl"] == 1800
    assert isinstance(created["id"], int)
    unused = {"priority", "port", "weight", "flags", "tag"} - set(body)
    assert all(created[k] is None for k in unused)


def test_record_ids_come_from_one_global_sequence(
    do: pydo.Client, make_client: Any, domain: str
) -> None:
    other = make_client()
    other.domains.create(body={"name": "other.test"})

    mine = do.domains.create_record(
        domain, body={"type": "TXT", "name": "a", "data": "x"}
    )
    theirs = other.domains.create_record(
        "other.test", body={"type": "TXT", "name": "a", "data": "x"}
    )

    assert theirs["domain_record"]["id"] > mine["domain_record"]["id"]


def test_list_records_filters_by_fqdn_and_type(do: pydo.Client, domain: str) -> None:
    for body in (
        {"type": "A", "name": "www", "data": "10.0.0.1"},
        {"type": "AAAA", "name": "www", "data": "::1"},
        {"type": "A", "name": "api", "data": "10.0.0.2"},
    ):
        do.domains.create_record(domain, body=body)

    by_name = do.domains.list_records(domain, name="www.example.com")
    by_both = do.domains.list_records(domain, name="www.example.com", type="A")
    at_root = do.domains.list_records(domain, name="example.com", type="NS")

    assert [r["type"] for r in by_name["domain_records"]] == ["A", "AAAA"]
    assert [r["data"] for r in by_both["domain_records"]] == ["10.0.0.1"]
    assert at_root["meta"]["total"] == 3


def test_list_records_pages(do: pydo.Client, domain: str) -> None:
    listed = do.domains.list_records(domain, per_page=2, page=2)

    assert len(listed["domain_records"]) == 2
    assert listed["meta"]["total"] == 4
    assert set(listed["links"]["pages"]) == {"first", "prev"}


def test_update_and_patch_record_change_only_fields_sent(
    do: pydo.Client, domain: str
) -> None:
    created = do.domains.create_record(
        domain, body={"type": "A", "name": "www", "data": "10.0.0.1"}
    )["domain_record"]

    put = do.domains.update_record(
        domain, created["id"], body={"type": "A", "name": "web"}
    )["domain_record"]
    patched = do.domains.patch_record(domain, created["id"], body={"ttl": 60})[
        "domain_record"
    ]

    assert (put["name"], put["data"]) == ("web", "10.0.0.1")
    assert (patched["name"], patched["data"], patched["ttl"]) == ("web", "10.0.0.1", 60)


def test_soa_record_only_changes_its_ttl(
    do: pydo.Client, api: httpx.Client, domain: str
) -> None:
    soa = do.domains.list_records(domain, type="SOA")["domain_records"][0]

    patched = do.domains.patch_record(domain, soa["id"], body={"ttl": 3600})
    renamed = api.patch(f"{RECORDS}/{soa['id']}", json={"priority": 3})
    deleted = api.delete(f"{RECORDS}/{soa['id']}")
    created = api.post(RECORDS, json={"type": "SOA", "name": "@", "data": "1"})

    assert patched["domain_record"]["ttl"] == 3600
    assert "$TTL 3600" in do.domains.get(domain)["domain"]["zone_file"]
    assert_error(renamed, 422, "unprocessable_entity", "only the TTL")
    assert_error(deleted, 422, "unprocessable_entity", "cannot be deleted")
    assert_error(created, 422, "unprocessable_entity", "cannot be created")


def test_delete_record_then_404(
    do: pydo.Client, api: httpx.Client, domain: str
) -> None:
    created = do.domains.create_record(
        domain, body={"type": "A", "name": "www", "data": "10.0.0.1"}
    )["domain_record"]

    do.domains.delete_record(domain, created["id"])

    assert_error(api.get(f"{RECORDS}/{created['id']}"), 404, "not_found", "")
    assert do.domains.list_records(domain)["meta"]["total"] == 4


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"type": "A", "name": "www", "data": "not-an-ip"}, "IPv4"),
        ({"type": "A", "name": "www", "data": "::1"}, "IPv4"),
        ({"type": "AAAA", "name": "www", "data": "1.2.3.4"}, "IPv6"),
        ({"type": "CNAME", "name": "www", "data": "bad host!"}, "hostname"),
        ({"type": "CNAME", "name": "@", "data": "example.org."}, "root"),
        ({"type": "MX", "name": "@", "data": "mail.example.com"}, "priority"),
        ({"type": "MX", "name": "@", "data": "mx", "priority": 70000}, "priority"),
        ({"type": "SRV", "name": "_s._tcp", "data": "h", "priority": 1}, "port"),
        (
            {"type": "SRV", "name": "_s._tcp", "data": "h", "priority": 1, "port": 1},
            "weight",
        ),
        ({"type": "CAA", "name": "@", "data": "ca", "flags": 0, "tag": "x"}, "tag"),
        ({"type": "CAA", "name": "@", "data": "ca", "tag": "issue"}, "flags"),
        ({"type": "TXT", "name": "@", "data": ""}, "data"),
        ({"type": "TXT", "name": "@", "data": "x", "ttl": 10}, "ttl"),
        ({"type": "TXT", "data": "x"}, "name"),
        ({"type": "BOGUS", "name": "@", "data": "x"}, "type"),
        ({"name": "@", "data": "x"}, "type"),
        ({"type": "MX", "name": "@", "data": "m", "priority": "high"}, "priority"),
    ],
)
def test_create_invalid_record_is_refused_and_stores_nothing(
    api: httpx.Client, domain: str, body: dict[str, Any], words: str
) -> None:
    refused = api.post(RECORDS, json=body)

    assert_error(refused, 422, "unprocessable_entity", words)
    assert api.get(RECORDS).json()["meta"]["total"] == 4


def test_invalid_update_leaves_record_unchanged(do: pydo.Client, domain: str) -> None:
    created = do.domains.create_record(
        domain, body={"type": "A", "name": "www", "data": "10.0.0.1"}
    )["domain_record"]

    status, body = refusal(
        lambda: do.domains.patch_record(domain, created["id"], body={"data": "nope"})
    )

    assert (status, body["id"]) == (422, "unprocessable_entity")
    assert do.domains.get_record(domain, created["id"])["domain_record"] == created


def test_record_of_unknown_domain_or_id_is_404(api: httpx.Client, domain: str) -> None:
    body = {"type": "A", "name": "www", "data": "10.0.0.1"}

    assert_error(
        api.post("/v2/domains/nope.test/records", json=body), 404, "not_found", ""
    )
    assert_error(api.get(f"{RECORDS}/99999999999"), 404, "not_found", "")
    assert_error(api.get(f"{RECORDS}/abc"), 404, "not_found", "")
    assert_error(api.delete(f"{RECORDS}/12"), 404, "not_found", "")


def test_mx_record_without_name_is_at_the_apex(do: pydo.Client, domain: str) -> None:
    created = do.domains.create_record(
        domain, body={"type": "MX", "data": "mail.example.com", "priority": 5}
    )["domain_record"]

    assert created["name"] == "@"
