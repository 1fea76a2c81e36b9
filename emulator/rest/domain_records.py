"""Domain Records: `/v2/domains/{domain_name}/records`, the DNS records of a domain.

A record is kind `domain_record`, numbered from a global sequence; its meta
names its domain. Every type is checked for the fields it needs as the DNS
service checks them (A an IPv4, AAAA an IPv6, CNAME/MX/NS/SRV a hostname or
`@`, MX and SRV priorities, SRV port and weight, CAA flags and tag, TTL of 30
seconds or more); fields a type does not use are shown as null. The SOA record
is made with its domain and can only have its TTL changed. Each change bumps
the domain's SOA serial, which its zone file shows.

PUT and PATCH both change only the fields sent (godo sends them all with PUT).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.responses import Response

from emulator.core import resources
from emulator.core.context import Ctx, authorized
from emulator.core.errors import NotFound, Unprocessable
from emulator.core.pagination import PageDep
from emulator.core.responses import no_content, one
from emulator.core.store import Record

router = APIRouter()
KIND = "domain_record"
DOMAIN_KIND = "domain"
ID_START = 28_448_000

TYPES = ("A", "AAAA", "CAA", "CNAME", "MX", "NS", "SOA", "SRV", "TXT")
CAA_TAGS = ("issue", "issuewild", "iodef")
DEFAULT_TTL = 1800
MIN_TTL = 30
NAMESERVERS = ("ns1.digitalocean.com", "ns2.digitalocean.com", "ns3.digitalocean.com")
FIELDS = ("priority", "port", "weight", "flags", "tag")
# Which of FIELDS each type uses; the others are shown as null.
USES = {
    "MX": ("priority",),
    "SRV": ("priority", "port", "weight"),
    "CAA": ("flags", "tag"),
}

_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_HOSTNAME = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*\.?$")
_NAME = re.compile(rf"^(?:\*|{_LABEL})(?:\.{_LABEL})*$")


class RecordFields(BaseModel):
    type: str | None = None
    name: str | None = None
    data: str | None = None
    priority: int | None = None
    port: int | None = None
    ttl: int | None = None
    weight: int | None = None
    flags: int | None = None
    tag: str | None = None


def find_domain(ctx: Ctx, name: str) -> Record:
    return resources.find(ctx, DOMAIN_KIND, name.lower())


def records_of(ctx: Ctx, domain: str) -> list[Record]:
    return [
        r
        for r in ctx.tenant.collection(KIND).ordered()
        if r.meta.get("domain") == domain
    ]


def fqdn(record: dict[str, Any], domain: str) -> str:
    name = record["name"]
    return domain if name == "@" else f"{name}.{domain}"


def _is_hostname(value: str) -> bool:
    return value == "@" or (len(value) <= 253 and bool(_HOSTNAME.match(value)))


def _in_range(fields: dict[str, Any], key: str, top: int) -> None:
    value = fields.get(key)
    if value is None:
        raise Unprocessable(f"{key} is required for {fields['type']} records")
    if not 0 <= value <= top:
        raise Unprocessable(f"{key} must be between 0 and {top}")


def _check_data(fields: dict[str, Any]) -> None:
    kind, data = fields["type"], fields.get("data")
    if not data:
        raise Unprocessable(f"data is required for {kind} records")
    if kind == "A" and not _is_ip(data, ipaddress.IPv4Address):
        raise Unprocessable(f"data for an A record must be an IPv4 address: {data}")
    if kind == "AAAA" and not _is_ip(data, ipaddress.IPv6Address):
        raise Unprocessable(f"data for an AAAA record must be an IPv6 address: {data}")
    if kind in ("CNAME", "MX", "NS", "SRV") and not _is_hostname(data):
        raise Unprocessable(f"data for a {kind} record must be a hostname or @: {data}")


def _is_ip(value: str, version: type) -> bool:
    try:
        return isinstance(ipaddress.ip_address(value), version)
    except ValueError:
        return False


def _check(fields: dict[str, Any]) -> dict[str, Any]:
    """The record's fields checked for its type, unused ones null; 422 otherwise."""
    kind = fields["type"]
    if kind not in TYPES:
        raise Unprocessable(f"type must be one of {', '.join(TYPES)}")
    if not fields.get("name") and kind == "MX":
        # The spec requires no name for MX records: they belong to the domain.
        fields["name"] = "@"
    name = fields.get("name")
    if not name:
        raise Unprocessable("name is required: use @ for the domain itself")
    if name != "@" and not (len(name) <= 253 and _NAME.match(name)):
        raise Unprocessable(f"name is not a valid record name: {name}")
    if kind == "CNAME" and name == "@":
        raise Unprocessable("a CNAME record cannot be at the root of the domain (@)")
    if fields.get("ttl") is None:
        fields["ttl"] = DEFAULT_TTL
    if fields["ttl"] < MIN_TTL:
        raise Unprocessable(f"ttl must be at least {MIN_TTL} seconds")
    if kind != "SOA":
        _check_data(fields)
    if kind in ("MX", "SRV"):
        _in_range(fields, "priority", 65535)
    if kind == "SRV":
        _in_range(fields, "port", 65535)
        _in_range(fields, "weight", 65535)
    if kind == "CAA":
        _in_range(fields, "flags", 255)
        if fields.get("tag") not in CAA_TAGS:
            raise Unprocessable(f"tag must be one of {', '.join(CAA_TAGS)}")
    used = USES.get(kind, ())
    return {**fields, **{key: None for key in FIELDS if key not in used}}


def new_record(ctx: Ctx, domain: str, fields: dict[str, Any]) -> Record:
    """Buffer a new record of `domain` (checked already, or made by the domain itself)."""
    number = resources.new_id(ctx, KIND, start=ID_START)
    data = {
        "id": number,
        "type": fields["type"],
        "name": fields["name"],
        "data": fields.get("data"),
        "priority": fields.get("priority"),
        "port": fields.get("port"),
        "ttl": fields.get("ttl") or DEFAULT_TTL,
        "weight": fields.get("weight"),
        "flags": fields.get("flags"),
        "tag": fields.get("tag"),
    }
    return resources.create(ctx, KIND, number, data, {"domain": domain})


def bump_serial(ctx: Ctx, domain: Record) -> None:
    """The SOA serial moves on with every change of the zone, as secondaries expect."""
    serial = max(int(ctx.clock.now()), domain.meta.get("serial", 0) + 1)
    ctx.tx.update_meta(domain, serial=serial)


def _existing(ctx: Ctx, domain: Record, record_id: str) -> Record:
    found = ctx.tenant.get(KIND, record_id) if record_id.isdigit() else None
    if found is None or found.meta.get("domain") != domain.id:
        raise NotFound()
    return found


@router.get("/v2/domains/{domain_name}/records")
async def list_records(
    ctx: Annotated[Ctx, authorized("domain:read")],
    domain_name: str,
    page: PageDep,
    name: str | None = None,
    type: str | None = None,
) -> Response:
    domain = find_domain(ctx, domain_name)
    shown = [
        r
        for r in records_of(ctx, domain.id)
        if (name is None or fqdn(r.data, domain.id) == name.lower().rstrip("."))
        and (type is None or r["type"] == type.upper())
    ]
    return page.respond("domain_records", shown)


@router.post("/v2/domains/{domain_name}/records", status_code=201)
async def create_record(
    ctx: Annotated[Ctx, authorized("domain:create", "domain:update")],
    domain_name: str,
    body: RecordFields,
) -> Response:
    domain = find_domain(ctx, domain_name)
    if not body.type:
        raise Unprocessable("type is required")
    fields = _check({**body.model_dump(), "type": body.type.upper()})
    if fields["type"] == "SOA":
        raise Unprocessable(
            "SOA records are made with the domain and cannot be created"
        )

    record = new_record(ctx, domain.id, fields)
    bump_serial(ctx, domain)
    await ctx.commit()
    return one("domain_record", record, status=201)


@router.get("/v2/domains/{domain_name}/records/{domain_record_id}")
async def get_record(
    ctx: Annotated[Ctx, authorized("domain:read")],
    domain_name: str,
    domain_record_id: str,
) -> Response:
    domain = find_domain(ctx, domain_name)
    return one("domain_record", _existing(ctx, domain, domain_record_id))


async def _update(
    ctx: Ctx, domain_name: str, record_id: str, body: RecordFields
) -> Response:
    domain = find_domain(ctx, domain_name)
    record = _existing(ctx, domain, record_id)
    sent = body.model_dump(exclude_unset=True, exclude_none=True)
    if "type" in sent:
        sent["type"] = sent["type"].upper()
    if record["type"] == "SOA":
        if (
            set(sent) - {"ttl", "type", "name", "data"}
            or sent.get("type", "SOA") != "SOA"
        ):
            raise Unprocessable("only the TTL of an SOA record can be changed")
        sent = {"ttl": sent["ttl"]} if "ttl" in sent else {}
    elif sent.get("type") == "SOA":
        raise Unprocessable("a record cannot become an SOA record")
    changes = _check({**record.data, **sent})
    changes.pop("id", None)

    ctx.tx.update(record, changes)
    bump_serial(ctx, domain)
    await ctx.commit()
    return one("domain_record", record)


@router.put("/v2/domains/{domain_name}/records/{domain_record_id}")
async def replace_record(
    ctx: Annotated[Ctx, authorized("domain:update")],
    domain_name: str,
    domain_record_id: str,
    body: RecordFields,
) -> Response:
    return await _update(ctx, domain_name, domain_record_id, body)


@router.patch("/v2/domains/{domain_name}/records/{domain_record_id}")
async def patch_record(
    ctx: Annotated[Ctx, authorized("domain:update")],
    domain_name: str,
    domain_record_id: str,
    body: RecordFields,
) -> Response:
    return await _update(ctx, domain_name, domain_record_id, body)


@router.delete("/v2/domains/{domain_name}/records/{domain_record_id}")
async def delete_record(
    ctx: Annotated[Ctx, authorized("domain:delete", "domain:update")],
    domain_name: str,
    domain_record_id: str,
) -> Response:
    domain = find_domain(ctx, domain_name)
    record = _existing(ctx, domain, domain_record_id)
    if record["type"] == "SOA":
        raise Unprocessable("the SOA record of a domain cannot be deleted")

    ctx.tx.delete(record)
    bump_serial(ctx, domain)
    await ctx.commit()
    return no_content()
