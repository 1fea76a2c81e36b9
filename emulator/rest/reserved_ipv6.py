"""Reserved IPv6: `/v2/reserved_ipv6`, region-scoped IPv6 addresses for droplets.

An address (kind `reserved_ipv6`, named by the address) is reserved in a
region and assigned to, or unassigned from, a droplet of that region with
IPv6 enabled, through actions on the clock (`assign` / `unassign`). An
assignment completes with the address in the droplet's `networks.v6`. A
droplet holds one reserved IPv6 at most, and an assigned address must be
unassigned before it is deleted (the spec's 422).

Addresses come from one sequence shared by every account, inside a /64 per
region, so none repeats. The real API's `resource_id` of these actions is not
documented and an IPv6 address does not fit the integer it must be: the low
48 bits of the address (unique, as the sequence numbers them) stand in.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, StrictStr
from starlette.responses import Response

from emulator.core import actions, resources
from emulator.core.context import Ctx, authorized
from emulator.core.errors import NotFound, Unprocessable
from emulator.core.pagination import PageDep
from emulator.core.responses import no_content, raw
from emulator.core.store import Record, Tx
from emulator.rest.droplets.networks import set_reserved
from emulator.rest.droplets.records import find_droplet
from emulator.rest.reserved_ips import holder, view

router = APIRouter()

KIND = "reserved_ipv6"
NETWORK = int(ipaddress.IPv6Address("2409:40d0:f7::"))  # + region index << 64
PENDING = "The reserved IPv6 has a pending event; wait for it to complete."


class ReservedIPv6Create(BaseModel):
    region_slug: StrictStr


class ReservedIPv6Action(BaseModel):
    type: Literal["assign", "unassign"]
    droplet_id: int | None = None


def _address(ctx: Ctx, region_slug: str) -> str:
    slugs = list(ctx.catalogue.regions)
    number = resources.new_id(ctx, KIND, start=0)
    return str(
        ipaddress.IPv6Address(NETWORK + (slugs.index(region_slug) << 64) + number)
    )


def _find(ctx: Ctx, ip: str) -> Record:
    # Clients may write an address in any of its spellings.
    try:
        ip = str(ipaddress.IPv6Address(ip))
    except ValueError:
        raise NotFound() from None
    return resources.find(ctx, KIND, ip)


def _is_busy(ctx: Ctx, record: Record) -> bool:
    action_id = record.meta.get("action_id")
    action = ctx.tenant.get(actions.KIND, action_id) if action_id else None
    return action is not None and action["status"] == "in-progress"


def _check_assign(ctx: Ctx, record: Record, droplet_id: int | None) -> Record:
    if droplet_id is None:
        raise Unprocessable("droplet_id is required to assign a reserved IPv6.")
    droplet = find_droplet(ctx, droplet_id)
    if droplet["region"]["slug"] != record["region_slug"]:
        raise Unprocessable(
            "The Droplet and the reserved IPv6 must be in the same region."
        )
    if "ipv6" not in droplet["features"]:
        raise Unprocessable("IPv6 must be enabled on the Droplet first.")
    for other in ctx.tenant.collection(KIND):
        held = (other["droplet"] or {}).get("id") == droplet["id"]
        if other.id != record.id and (
            held or other.meta.get("assigning") == droplet["id"]
        ):
            raise Unprocessable("The Droplet already has a reserved IPv6 assigned.")
    return droplet


def _network(ip: str) -> dict[str, Any]:
    gateway = ipaddress.IPv6Network(f"{ip}/64", strict=False).network_address + 1
    return {"ip_address": ip, "netmask": 64, "gateway": str(gateway), "type": "public"}


def _release(tx: Tx, droplet: Record) -> None:
    set_reserved(tx, droplet, "reserved_v6", None)


@actions.effect("reserved_ipv6.assign")
def _assign(tx: Tx, action: Record, ip: str, droplet_id: int) -> None:
    record = tx.tenant.get(KIND, ip)
    droplet = tx.tenant.get("droplet", droplet_id)
    if record is None:
        return
    tx.update_meta(record, assigning=None)
    if droplet is None:
        tx.update(action, status="errored")
        return
    previous = record["droplet"] and tx.tenant.get("droplet", record["droplet"]["id"])
    if previous and previous is not droplet:
        _release(tx, previous)
    set_reserved(tx, droplet, "reserved_v6", _network(ip))
    tx.update(record, droplet=droplet.data)


@actions.effect("reserved_ipv6.unassign")
def _unassign(tx: Tx, action: Record, ip: str) -> None:
    record = tx.tenant.get(KIND, ip)
    if record is None:
        return
    droplet = record["droplet"] and tx.tenant.get("droplet", record["droplet"]["id"])
    if droplet:
        _release(tx, droplet)
    tx.update(record, droplet=None)


@router.get("/v2/reserved_ipv6")
async def list_reserved_ipv6(
    ctx: Annotated[Ctx, authorized("reserved_ip:read")], page: PageDep
) -> Response:
    records = ctx.tenant.collection(KIND).ordered()
    return page.respond_data("reserved_ipv6s", [view(ctx, r) for r in records])


@router.post("/v2/reserved_ipv6", status_code=201)
async def create_reserved_ipv6(
    ctx: Annotated[Ctx, authorized("reserved_ip:create")], body: ReservedIPv6Create
) -> Response:
    region = ctx.catalogue.region(body.region_slug)
    if region is None or not region["available"]:
        raise Unprocessable(f"Region {body.region_slug} is not available.")
    if "ipv6" not in region["features"]:
        raise Unprocessable(f"Region {body.region_slug} does not offer IPv6.")

    ip = _address(ctx, body.region_slug)
    data = {
        "ip": ip,
        "region_slug": body.region_slug,
        "reserved_at": resources.now(ctx),
        "droplet": None,
    }
    record = resources.create(ctx, KIND, ip, data)
    await ctx.commit()
    return raw({"reserved_ipv6": view(ctx, record)}, status=201)


@router.get("/v2/reserved_ipv6/{reserved_ipv6}")
async def get_reserved_ipv6(
    ctx: Annotated[Ctx, authorized("reserved_ip:read")], reserved_ipv6: str
) -> Response:
    return raw({"reserved_ipv6": view(ctx, _find(ctx, reserved_ipv6))})


@router.delete("/v2/reserved_ipv6/{reserved_ipv6}", status_code=204)
async def delete_reserved_ipv6(
    ctx: Annotated[Ctx, authorized("reserved_ip:delete")], reserved_ipv6: str
) -> Response:
    record = _find(ctx, reserved_ipv6)
    if _is_busy(ctx, record):
        raise Unprocessable(PENDING)
    if holder(ctx, record) is not None:
        raise Unprocessable(
            "The reserved IPv6 is assigned to a Droplet; unassign it before deleting it."
        )
    ctx.tx.delete(record)
    await ctx.commit()
    return no_content()


@router.post("/v2/reserved_ipv6/{reserved_ipv6}/actions", status_code=201)
async def post_reserved_ipv6_action(
    ctx: Annotated[Ctx, authorized("reserved_ip:update")],
    reserved_ipv6: str,
    body: ReservedIPv6Action,
) -> Response:
    record = _find(ctx, reserved_ipv6)
    if _is_busy(ctx, record):
        raise Unprocessable(PENDING)
    args: dict[str, Any] = {}
    if body.type == "assign":
        args["droplet_id"] = _check_assign(ctx, record, body.droplet_id)["id"]
        ctx.tx.update_meta(record, assigning=args["droplet_id"])
    elif holder(ctx, record) is None:
        raise Unprocessable("The reserved IPv6 is not assigned to a Droplet.")

    region = ctx.catalogue.region(record["region_slug"])
    action = actions.start(
        ctx,
        f"{body.type}_ip",
        resource_type="reserved_ipv6",
        resource_id=int(ipaddress.IPv6Address(record.id)) & (2**48 - 1),
        region=region,
        effect=f"reserved_ipv6.{body.type}",
        ip=record.id,
        **args,
    )
    ctx.tx.update_meta(record, action_id=action.id)
    await ctx.commit()
    return raw({"action": action.data}, status=201)
