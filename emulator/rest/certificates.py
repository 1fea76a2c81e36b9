"""Certificates: `/v2/certificates`, TLS certificates for load balancers and CDNs.

A plain family on the engine. A `custom` certificate is uploaded as PEM: the
leaf is parsed with `cryptography` for its expiry, SHA-1 fingerprint and DNS
names, and the private key must be the leaf's own. A `lets_encrypt` one is
issued for `dns_names`: it is `pending` until the clock's action delay has
passed, then `verified`, valid for 90 days as Let's Encrypt's are.

Left out: Let's Encrypt's check that DigitalOcean DNS manages the names, and
renewal. `certificate_chain` is parsed and checked, never served.
"""

from __future__ import annotations

import datetime
import hashlib
from typing import Annotated, Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi import APIRouter
from pydantic import BaseModel
from starlette.responses import Response

from emulator.core import engine, resources
from emulator.core.clock import timestamp
from emulator.core.context import Ctx, authorized
from emulator.core.engine import Family, Scopes
from emulator.core.errors import Unprocessable
from emulator.core.pagination import PageDep
from emulator.core.store import Record

router = APIRouter()
KIND = "certificate"

LETS_ENCRYPT_DAYS = 90
INVALID_PEM = "The certificate or private key could not be parsed as PEM: check that each is complete, with its BEGIN and END lines."


class CertificateCreate(BaseModel):
    name: str
    type: Literal["custom", "lets_encrypt"] | None = None
    dns_names: list[str] | None = None
    private_key: str | None = None
    leaf_certificate: str | None = None
    certificate_chain: str | None = None


def _kind_of(body: CertificateCreate) -> str:
    """The type asked for; without one, what the fields given imply."""
    if body.type:
        return body.type
    return "custom" if body.leaf_certificate or body.private_key else "lets_encrypt"


def _public_bytes(key: Any) -> bytes:
    return bytes(key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo))


def _parse_custom(body: CertificateCreate) -> dict[str, Any]:
    """not_after, sha1_fingerprint and dns_names of the uploaded leaf; 422 if it does not parse."""
    if not body.private_key or not body.leaf_certificate:
        raise Unprocessable(
            "private_key and leaf_certificate are required for a custom certificate"
        )
    try:
        leaf = x509.load_pem_x509_certificate(body.leaf_certificate.encode())
        key = serialization.load_pem_private_key(body.private_key.encode(), None)
        if body.certificate_chain:
            x509.load_pem_x509_certificates(body.certificate_chain.encode())
    except (ValueError, TypeError):
        raise Unprocessable(INVALID_PEM) from None
    if _public_bytes(key.public_key()) != _public_bytes(leaf.public_key()):
        raise Unprocessable("The private key does not match the leaf certificate.")
    try:
        names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        dns_names = names.value.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        dns_names = []
    return {
        "not_after": timestamp(leaf.not_valid_after_utc.timestamp()),
        "sha1_fingerprint": leaf.fingerprint(hashes.SHA1()).hex(),
        # The API shows [""] for a custom certificate without names (spec example).
        "dns_names": dns_names or [""],
    }


def _check(ctx: Ctx, body: CertificateCreate | None, record: Record | None) -> None:
    if body is None and record is not None:
        _check_unused(ctx, record)
        return
    assert body is not None
    if not body.name.strip():
        raise Unprocessable("name is required")
    if resources.find_by(ctx, KIND, lambda r: r["name"] == body.name):
        raise Unprocessable(f"A certificate named {body.name} already exists.")
    if _kind_of(body) == "lets_encrypt" and not body.dns_names:
        raise Unprocessable("dns_names is required for a Let's Encrypt certificate")


def _check_unused(ctx: Ctx, record: Record) -> None:
    """A certificate a load balancer still uses cannot be deleted."""
    for balancer in ctx.tenant.collection("load_balancer"):
        rules = balancer.data.get("forwarding_rules") or []
        if any(rule.get("certificate_id") == record.id for rule in rules):
            raise Unprocessable(
                f"The certificate is in use by load balancer {balancer.id}; remove it from the forwarding rules first."
            )


def _build(
    ctx: Ctx, body: CertificateCreate, certificate_id: str | int
) -> dict[str, Any]:
    created_at = ctx.clock.now()
    data: dict[str, Any] = {
        "id": certificate_id,
        "name": body.name,
        "created_at": timestamp(created_at),
        "type": _kind_of(body),
    }
    if data["type"] == "custom":
        return {**data, **_parse_custom(body), "state": "verified"}
    expiry = created_at + datetime.timedelta(days=LETS_ENCRYPT_DAYS).total_seconds()
    digest = hashlib.sha1(str(certificate_id).encode(), usedforsecurity=False)
    return {
        **data,
        "not_after": timestamp(expiry),
        "sha1_fingerprint": digest.hexdigest(),
        "dns_names": list(body.dns_names or []),
        "state": "pending",
    }


def _on_create(ctx: Ctx, record: Record) -> None:
    if record["state"] == "pending":
        record.meta[engine.LATER] = engine.later(ctx, {"state": "verified"})


@router.get("/v2/certificates")
async def list_certificates(
    ctx: Annotated[Ctx, authorized("certificate:read")], page: PageDep
) -> Response:
    # pydo sends the spec's default `name=""`, which means no filter.
    name = ctx.query("name")
    records = ctx.tenant.collection(KIND).ordered()
    if name:
        records = [r for r in records if r["name"] == name]
    return page.respond("certificates", records)


CERTIFICATES = Family(
    kind=KIND,
    singular="certificate",
    plural="certificates",
    path="/v2/certificates",
    id_param="certificate_id",
    scopes=Scopes(
        read="certificate:read",
        create="certificate:create",
        delete="certificate:delete",
    ),
    create_model=CertificateCreate,
    build=_build,
    check=_check,
    on_create=_on_create,
    verbs=("create", "get", "delete"),
)
engine.mount(router, CERTIFICATES)
