"""VPCs: `/v2/vpcs`, the account's private networks, one default per region.

A region's first VPC is its default, whether the account created it or a
droplet needed one (`default_vpc`). The default cannot be unset, only moved
(setting `default` on another VPC of the region clears it on the old one),
and a default VPC, or one with members, cannot be deleted (the spec's 403).
Members are whatever records of the account point at the VPC: droplets and
other families by `vpc_uuid`, databases by `private_network_uuid`, NAT
gateways by their `vpcs`. An `ip_range` is a private (RFC 1918) network from
/16 to /28 that overlaps no other VPC of the account; without one, a free /20
is chosen. Names are unique in the account.

The peerings of a VPC (`/v2/vpcs/{id}/peerings`) belong to `vpc_peerings.py`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, Field, StrictBool, StrictStr
from starlette.responses import Response

from emulator.core import resources
from emulator.core.context import Ctx, authorized
from emulator.core.engine import Family, Scopes, mount
from emulator.core.errors import Forbidden, NotFound, Unprocessable
from emulator.core.pagination import PageDep
from emulator.core.store import Record

router = APIRouter()

KIND = "vpc"
NAME_PATTERN = r"^[a-zA-Z0-9\-\.]+$"
PRIVATE_NETWORKS = tuple(
    ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)
IN_USE = "Can not delete VPC with members or a default VPC; move or delete its members first."


class VpcCreate(BaseModel):
    name: StrictStr = Field(pattern=NAME_PATTERN, max_length=255)
    region: StrictStr
    description: StrictStr = Field("", max_length=255)
    ip_range: StrictStr | None = None


class VpcUpdate(BaseModel):
    name: StrictStr = Field(pattern=NAME_PATTERN, max_length=255)
    description: StrictStr | None = Field(None, max_length=255)
    default: StrictBool | None = None


class VpcPatch(VpcUpdate):
    name: StrictStr | None = Field(None, pattern=NAME_PATTERN, max_length=255)  # type: ignore[assignment]


def _ranges(ctx: Ctx) -> list[ipaddress.IPv4Network]:
    return [ipaddress.IPv4Network(v["ip_range"]) for v in ctx.tenant.collection(KIND)]


def _free_range(ctx: Ctx, preferred: str | None = None) -> str:
    """A /20 of 10.0.0.0/8 that overlaps no VPC of the account, `preferred` first."""
    taken = _ranges(ctx)
    candidates: Iterator[ipaddress.IPv4Network] = ipaddress.IPv4Network(
        "10.0.0.0/8"
    ).subnets(new_prefix=20)
    if preferred:
        candidates = iter([ipaddress.IPv4Network(preferred), *candidates])
    for network in candidates:
        if not any(network.overlaps(t) for t in taken):
            return str(network)
    raise Unprocessable("No private range is left for another VPC in this account.")


def _ip_range(ctx: Ctx, region_slug: str) -> str:
    """A distinct 10.x.0.0/20 per region, in catalogue order, as DigitalOcean assigns them."""
    slugs = list(ctx.catalogue.regions)
    index = slugs.index(region_slug) if region_slug in slugs else len(slugs)
    return _free_range(ctx, f"10.{100 + index}.0.0/20")


def default_vpc(ctx: Ctx, region_slug: str) -> Record:
    """The region's default VPC, created (in the request's transaction) if absent."""
    found = resources.find_by(
        ctx, KIND, lambda r: r["region"] == region_slug and r["default"]
    )
    if found is not None:
        return found
    vpc_uuid = resources.new_uuid()
    return resources.create(
        ctx,
        KIND,
        vpc_uuid,
        {
            "id": vpc_uuid,
            "urn": f"do:vpc:{vpc_uuid}",
            "name": f"default-{region_slug}",
            "description": "",
            "region": region_slug,
            "ip_range": _ip_range(ctx, region_slug),
            "default": True,
            "created_at": resources.now(ctx),
        },
    )


def _check_range(ctx: Ctx, text: str) -> str:
    try:
        network = ipaddress.IPv4Network(text)
    except ValueError:
        raise Unprocessable(
            f"ip_range {text} is not a network in CIDR notation (such as 10.10.10.0/24)."
        ) from None
    if not any(network.subnet_of(p) for p in PRIVATE_NETWORKS):
        raise Unprocessable("ip_range must be a private (RFC 1918) network.")
    if not 16 <= network.prefixlen <= 28:
        raise Unprocessable("ip_range may not be smaller than /28 nor larger than /16.")
    clash = next(
        (
            v
            for v in ctx.tenant.collection(KIND)
            if network.overlaps(ipaddress.IPv4Network(v["ip_range"]))
        ),
        None,
    )
    if clash is not None:
        raise Unprocessable(
            f"ip_range {text} overlaps the range {clash['ip_range']} of VPC {clash['name']}."
        )
    return str(network)


def _check_name(ctx: Ctx, name: str, vpc: Record | None) -> None:
    if any(v["name"] == name and v is not vpc for v in ctx.tenant.collection(KIND)):
        raise Unprocessable(f"A VPC named {name} already exists in this account.")


def _check(ctx: Ctx, body: BaseModel | None, vpc: Record | None) -> None:
    if isinstance(body, VpcCreate):
        region = ctx.catalogue.region(body.region)
        if region is None or not region["available"]:
            raise Unprocessable(f"Region {body.region} is not available.")
        _check_name(ctx, body.name, None)
        if body.ip_range is not None:
            _check_range(ctx, body.ip_range)
    elif isinstance(body, VpcUpdate) and vpc is not None:
        if body.name is not None:
            _check_name(ctx, body.name, vpc)
        if body.default is False and vpc["default"]:
            raise Unprocessable(
                "The default VPC of a region cannot be unset; make another VPC of the region the default instead."
            )
    elif vpc is not None and (vpc["default"] or members(ctx, vpc)):
        raise Forbidden(IN_USE)


def _build(ctx: Ctx, body: VpcCreate, vpc_uuid: str | int) -> dict[str, Any]:
    is_first = not any(v["region"] == body.region for v in ctx.tenant.collection(KIND))
    return {
        "id": vpc_uuid,
        "urn": resources.urn(KIND, vpc_uuid),
        "name": body.name,
        "description": body.description,
        "region": body.region,
        "ip_range": str(ipaddress.IPv4Network(body.ip_range))
        if body.ip_range
        else _free_range(ctx),
        "default": is_first,
        "created_at": resources.now(ctx),
    }


def _moved_default(ctx: Ctx, vpc: Record, changes: dict[str, Any]) -> None:
    if not changes.get("default") or vpc["default"]:
        return
    for other in ctx.tenant.collection(KIND):
        if other["region"] == vpc["region"] and other["default"]:
            ctx.tx.update(other, default=False)


VPCS = Family(
    kind=KIND,
    singular="vpc",
    plural="vpcs",
    path="/v2/vpcs",
    id_param="vpc_id",
    scopes=Scopes(
        read="vpc:read", create="vpc:create", update="vpc:update", delete="vpc:delete"
    ),
    create_model=VpcCreate,
    update_model=VpcUpdate,
    partial_put=True,
    build=_build,
    check=_check,
    on_update=_moved_default,
)


def _member_of(record: Record, vpc_id: str) -> bool:
    data = record.data
    if data.get("vpc_uuid") == vpc_id or data.get("private_network_uuid") == vpc_id:
        return True
    attached = data.get("vpcs")
    return isinstance(attached, list) and any(
        isinstance(a, dict) and a.get("vpc_uuid") == vpc_id for a in attached
    )


def members(
    ctx: Ctx, vpc: Record, resource_type: str | None = None
) -> list[dict[str, Any]]:
    """What in the account sits in the VPC, as `{urn, name, created_at}`."""
    found = []
    for kind, collection in ctx.tenant.collections.items():
        urn_type = resources.urn(kind, "").split(":")[1]
        if kind == KIND or resource_type not in (None, kind, urn_type):
            continue
        found += [
            {
                "urn": resources.urn(kind, r.id),
                "name": r.data.get("name", ""),
                "created_at": r.data.get("created_at", ""),
            }
            for r in collection.ordered()
            if _member_of(r, vpc.id)
        ]
    return found


@router.get("/v2/vpcs/{vpc_id}/members")
async def list_vpc_members(
    ctx: Annotated[Ctx, authorized("vpc:read")],
    vpc_id: str,
    page: PageDep,
    resource_type: str | None = None,
) -> Response:
    vpc = ctx.tenant.get(KIND, vpc_id)
    if vpc is None:
        raise NotFound()
    return page.respond_data("members", members(ctx, vpc, resource_type))


mount(router, VPCS)
mount(
    router,
    replace(VPCS, verbs=("update",), update_method="PATCH", update_model=VpcPatch),
)
