"""Certificates: /v2/certificates through pydo, bad input through plain HTTP."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import httpx
import pydo
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

NOT_AFTER = datetime.datetime(2031, 5, 6, 7, 8, 9, tzinfo=datetime.UTC)

from tests.helpers import assert_error  # noqa: E402


def self_signed(*names: str) -> tuple[str, str, str]:
    """A PEM private key and leaf for `names`, and the leaf's SHA-1 fingerprint."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    leaf = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOT_AFTER - datetime.timedelta(days=365))
        .not_valid_after(NOT_AFTER)
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), False
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    leaf_pem = leaf.public_bytes(serialization.Encoding.PEM).decode()
    return key_pem, leaf_pem, leaf.fingerprint(hashes.SHA1()).hex()  # noqa: S303


def custom(name: str = "web-cert") -> tuple[dict[str, Any], str]:
    key, leaf, fingerprint = self_signed("example.com", "www.example.com")
    body = {
        "name": name,
        "type": "custom",
        "private_key": key,
        "leaf_certificate": leaf,
        "certificate_chain": leaf,
    }
    return body, fingerprint


def test_create_custom_certificate_reads_the_pem(do: pydo.Client) -> None:
    body, fingerprint = custom()

    created = do.certificates.create(body=body)["certificate"]

    assert created["sha1_fingerprint"] == fingerprint
    assert created["not_after"] == "2031-05-06T07:08:09Z"
    assert created["dns_names"] == ["example.com", "www.example.com"]
    assert (created["type"], created["state"]) == ("custom", "verified")
    assert "private_key" not in created


def test_lets_encrypt_certificate_is_pending_then_verified(
    do: pydo.Client, frozen_clock: Callable[[float], None]
) -> None:
    body = {"name": "le", "type": "lets_encrypt", "dns_names": ["example.com"]}

    created = do.certificates.create(body=body)["certificate"]
    early = do.certificates.get(created["id"])["certificate"]
    frozen_clock(60)
    later = do.certificates.get(created["id"])["certificate"]

    assert (created["state"], early["state"], later["state"]) == (
        "pending",
        "pending",
        "verified",
    )
    assert created["dns_names"] == ["example.com"]


def test_certificate_without_type_is_lets_encrypt_when_given_dns_names(
    do: pydo.Client,
) -> None:
    created = do.certificates.create(
        body={"name": "web-cert-01", "dns_names": ["www.example.com"]}
    )["certificate"]

    assert created["type"] == "lets_encrypt"


def test_list_filters_by_name_and_pages(do: pydo.Client) -> None:
    for name in ("a", "b", "c"):
        do.certificates.create(body={"name": name, "dns_names": ["example.com"]})

    by_name = do.certificates.list(name="b")
    paged = do.certificates.list(per_page=2, page=2)

    assert [c["name"] for c in by_name["certificates"]] == ["b"]
    assert [c["name"] for c in paged["certificates"]] == ["c"]
    assert paged["meta"]["total"] == 3


def test_delete_certificate_then_404(do: pydo.Client, api: httpx.Client) -> None:
    created = do.certificates.create(body=custom()[0])["certificate"]

    do.certificates.delete(created["id"])

    assert_error(api.get(f"/v2/certificates/{created['id']}"), 404, "not_found", "")
    assert do.certificates.list()["meta"]["total"] == 0


def test_certificate_in_use_by_load_balancer_cannot_be_deleted(
    do: pydo.Client, api: httpx.Client
) -> None:
    cert_id = do.certificates.create(body=custom()[0])["certificate"]["id"]
    rule = {
        "entry_protocol": "https",
        "entry_port": 443,
        "target_protocol": "http",
        "target_port": 80,
        "certificate_id": cert_id,
    }
    do.load_balancers.create(
        body={"name": "lb", "region": "nyc3", "forwarding_rules": [rule]}
    )

    refused = api.delete(f"/v2/certificates/{cert_id}")

    assert_error(refused, 422, "unprocessable_entity", "in use")
    assert do.certificates.get(cert_id)["certificate"]["id"] == cert_id


def _mismatched() -> dict[str, Any]:
    body, _ = custom()
    other_key, _, _ = self_signed("other.test")
    return {**body, "private_key": other_key}


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({**custom()[0], "leaf_certificate": "-----BEGIN CERTIFICATE-----\nxx"}, "PEM"),
        ({**custom()[0], "private_key": "not a key"}, "PEM"),
        ({**custom()[0], "certificate_chain": "junk"}, "PEM"),
        ({"name": "c", "type": "custom", "leaf_certificate": "x"}, "required"),
        (_mismatched(), "does not match"),
        ({"name": "le", "type": "lets_encrypt"}, "dns_names"),
        ({"name": "le", "type": "other", "dns_names": ["a.com"]}, "type"),
        ({"dns_names": ["a.com"]}, "name"),
        ({"name": " ", "dns_names": ["a.com"]}, "name"),
    ],
)
def test_create_invalid_certificate_is_refused_and_stores_nothing(
    api: httpx.Client, body: dict[str, Any], words: str
) -> None:
    refused = api.post("/v2/certificates", json=body)

    assert_error(refused, 422, "unprocessable_entity", words)
    assert api.get("/v2/certificates").json()["meta"]["total"] == 0


def test_duplicate_certificate_name_is_refused(
    do: pydo.Client, api: httpx.Client
) -> None:
    do.certificates.create(body={"name": "dup", "dns_names": ["a.com"]})

    refused = api.post("/v2/certificates", json={"name": "dup", "dns_names": ["a.com"]})

    assert_error(refused, 422, "unprocessable_entity", "already exists")
    assert do.certificates.list()["meta"]["total"] == 1


def test_unknown_certificate_is_404(api: httpx.Client) -> None:
    missing = "/v2/certificates/4de7ac8b-495b-4884-9a69-1050c6793cd6"

    assert_error(api.get(missing), 404, "not_found", "")
    assert_error(api.delete(missing), 404, "not_found", "")
