"""Domains: `/v2/domains`, the zones DigitalOcean's DNS serves for an account.

A domain is kind `domain`, named (and identified) by its lower-cased name. On
the engine: creating one makes its SOA record, the three DigitalOcean NS
records and, when `ip_address` is given, an A record for `@`; deleting it
deletes its records. Reads show `zone_file`, the BIND zone rendered from the
current records; the create answer shows it as null, as the real API does.

Left out: the real API also refuses a domain another account holds.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.responses import Response

from emulator.core import engine, resources
from emulator.core.context import Ctx, authorized
from emulator.core.engine import Family, Scopes
from emulator.core.errors import Unprocessable
from emulator.core.pagination import PageDep
from emulator.core.responses import one, raw
from emulator.core.store import Record
from emulator.rest import domain_records, projects
from emulator.rest.domain_records import DEFAULT_TTL, NAMESERVERS, find_domain

router = APIRouter()
KIND = domain_records.DOMAIN_KIND

_DOMAIN = re.compile(
    r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$"
)
# SOA timers: refresh, retry, expire, minimum (as DigitalOcean's zones show them).
SOA_TIMERS = "10800 3600 604800 1800"


class DomainCreate(BaseModel):
    name: str
    ip_address: str | None = None


def _check(ctx: Ctx, body: DomainCreate | None, record: Record | None) -> None:
    if body is None:
        return
    name = body.name.lower()
    if not _DOMAIN.match(name):
        raise Unprocessable(f"Name is not a valid domain name: {body.name}")
    if ctx.tenant.get(KIND, name) is not None:
        raise Unprocessable("Name already exists")
    if body.ip_address:
        try:
            ipaddress.IPv4Address(body.ip_address)
        except ValueError:
            raise Unprocessable(
                f"ip_address must be an IPv4 address: {body.ip_address}"
            ) from None


def _build(ctx: Ctx, body: DomainCreate, name: str | int) -> dict[str, Any]:
    return {"name": name, "ttl": DEFAULT_TTL, "zone_file": None}


def _on_create(ctx: Ctx, domain: Record) -> None:
    domain.meta["serial"] = int(ctx.clock.now())
    apex = {"name": "@", "ttl": DEFAULT_TTL}
    domain_records.new_record(ctx, domain.id, {**apex, "type": "SOA", "data": "1800"})
    for nameserver in NAMESERVERS:
        domain_records.new_record(
            ctx, domain.id, {**apex, "type": "NS", "data": nameserver}
        )
    projects.assign_default(ctx, resources.urn(KIND, domain.id))


def _on_delete(ctx: Ctx, domain: Record) -> None:
    for record in domain_records.records_of(ctx, domain.id):
        ctx.tx.delete(record)
    projects.unassign(ctx, resources.urn(KIND, domain.id))


def _absolute(value: str, origin: str) -> str:
    if value == "@":
        return f"{origin}."
    return value if value.endswith(".") else f"{value}."


def _zone_line(data: dict[str, Any], origin: str) -> str:
    owner = _absolute(domain_records.fqdn(data, origin), origin)
    head = f"{owner} {data['ttl']} IN {data['type']}"
    kind, value = data["type"], data["data"]
    if kind in ("CNAME", "NS"):
        return f"{head} {_absolute(value, origin)}"
    if kind == "MX":
        return f"{head} {data['priority']} {_absolute(value, origin)}"
    if kind == "SRV":
        target = _absolute(value, origin)
        return f"{head} {data['priority']} {data['weight']} {data['port']} {target}"
    if kind == "CAA":
        return f'{head} {data["flags"]} {data["tag"]} "{value}"'
    if kind == "TXT":
        return f'{head} "{value}"'
    return f"{head} {value}"


def zone_file(ctx: Ctx, domain: Record) -> str:
    """The domain's BIND zone: $ORIGIN, $TTL, the SOA with its serial, then the records."""
    origin = domain.id
    records = [r.data for r in domain_records.records_of(ctx, origin)]
    soa = next((r for r in records if r["type"] == "SOA"), {"ttl": DEFAULT_TTL})
    lines = [
        f"$ORIGIN {origin}.",
        f"$TTL {soa['ttl']}",
        f"{origin}. IN SOA {NAMESERVERS[0]}. hostmaster.{origin}. "
        f"{domain.meta.get('serial', 0)} {SOA_TIMERS}",
    ]
    lines += [_zone_line(r, origin) for r in records if r["type"] != "SOA"]
    return "\n".join(lines) + "\n"


def _view(ctx: Ctx, domain: Record) -> dict[str, Any]:
    return {**domain.data, "zone_file": zone_file(ctx, domain)}


@router.get("/v2/domains")
async def list_domains(
    ctx: Annotated[Ctx, authorized("domain:read")], page: PageDep
) -> Response:
    domains = ctx.tenant.collection(KIND).ordered()

    # Only the page's zone files are rendered; the envelope counts every domain.
    shown = [_view(ctx, domain) for domain in page.slice(domains)]
    total = len(domains)
    return raw({"domains": shown, "links": page.links(total), "meta": {"total": total}})


@router.post("/v2/domains", status_code=201)
async def create_domain(
    ctx: Annotated[Ctx, authorized("domain:create")], body: DomainCreate
) -> Response:
    domain = engine.create(ctx, DOMAINS, body)
    if body.ip_address:
        fields = {"type": "A", "name": "@", "data": body.ip_address}
        domain_records.new_record(ctx, domain.id, fields)
    await ctx.commit()
    return one("domain", domain, status=201)


@router.get("/v2/domains/{domain_name}")
async def get_domain(
    ctx: Annotated[Ctx, authorized("domain:read")], domain_name: str
) -> Response:
    return raw({"domain": _view(ctx, find_domain(ctx, domain_name))})


DOMAINS = Family(
    kind=KIND,
    singular="domain",
    plural="domains",
    path="/v2/domains",
    id_param="domain_name",
    scopes=Scopes(read="domain:read", create="domain:create", delete="domain:delete"),
    create_model=DomainCreate,
    id_of=lambda body: body.name.lower(),
    build=_build,
    check=_check,
    on_create=_on_create,
    on_delete=_on_delete,
    find=lambda ctx, name: ctx.tenant.get(KIND, name.lower()),
    verbs=("delete",),
)
engine.mount(router, DOMAINS)
