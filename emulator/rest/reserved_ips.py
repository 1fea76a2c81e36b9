"""Reserved IPs, also served as Floating IPs: `/v2/reserved_ips` and `/v2/floating_ips`.

Both paths show the same objects (kind `reserved_ip`, named by their address);
only the envelope keys (`reserved_ip(s)` / `floating_ip(s)`) and the actions'
`resource_type` differ. Actions are stored as `floating_ip`, the word
`/v2/actions` shows unless the client asks for reserved-IP naming.

Addresses come from one sequence shared by every account (45.55.96.1 onward,
skipping each /24's .0 and .255), so no two tenants hold the same one. Created
with a `droplet_id`, an address is reserved in the droplet's region and an
`assign_ip` action assigns it; created with a `region`, it waits unassigned.
An assignment completes with the address in the droplet's `networks.v4` (as a
public address) and in its `meta["reserved_ip"]` for the metadata service.
An assigned address must be unassigned before it is deleted; a droplet holds
one reserved IP at most.

Not emulated: an action that rebuilds a droplet's `networks` from its own
addresses (`enable_ipv6`) drops the reserved address from that list until the
next assignment.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
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
from emulator.rest import projects
from emulator.rest.account import FLOATING_IP_LIMIT
from emulator.rest.droplets.networks import set_reserved
from emulator.rest.droplets.records import find_droplet

router = APIRouter()

KIND = "reserved_ip"
FIRST_ADDRESS = int(ipaddress.IPv4Address("45.55.96.0"))
_HOSTS_PER_BLOCK = 254  # .1 to .254 of each /24
PENDING = "The reserved IP has a pending event; wait for it to complete."


@dataclass(frozen=True)
class Naming:
    """How one of the two paths names the objects and their actions."""

    path: str
    singular: str
    plural: str
    resource_type: str


RESERVED = Naming("/v2/reserved_ips", "reserved_ip", "reserved_ips", "reserved_ip")
FLOATING = Naming("/v2/floating_ips", "floating_ip", "floating_ips", "floating_ip")


class ReservedIPCreate(BaseModel):
    droplet_id: int | None = None
    region: StrictStr | None = None
    project_id: StrictStr | None = None


class ReservedIPAction(BaseModel):
    type: Literal["assign", "unassign"]
    droplet_id: int | None = None


def _next_address(ctx: Ctx) -> str:
    index = resources.new_id(ctx, KIND, start=0) - 1
    block, host = divmod(index, _HOSTS_PER_BLOCK)
    return str(ipaddress.IPv4Address(FIRST_ADDRESS + block * 256 + host + 1))


def holder(ctx: Ctx, record: Record) -> Record | None:
    """The droplet the address is assigned to, if it still exists."""
    droplet = record["droplet"]
    return ctx.tenant.get("droplet", droplet["id"]) if droplet else None


def view(ctx: Ctx, record: Record) -> dict[str, Any]:
    """The object with its droplet as the droplet is now, not as it was assigned."""
    droplet = holder(ctx, record)
    return {**record.data, "droplet": droplet.data if droplet else None}


def _action_view(action: Record, naming: Naming) -> dict[str, Any]:
    return {**action.data, "resource_type": naming.resource_type}


def _is_busy(ctx: Ctx, record: Record) -> bool:
    action_id = record.meta.get("action_id")
    action = ctx.tenant.get(actions.KIND, action_id) if action_id else None
    return action is not None and action["status"] == "in-progress"


def _check_free(ctx: Ctx, droplet: Record, ip: str | None = None) -> None:
    """A droplet holds one reserved IP, counting an assignment still running."""
    for other in ctx.tenant.collection(KIND):
        if other.id == ip:
            continue
        if (other["droplet"] or {}).get("id") == droplet["id"] or other.meta.get(
            "assigning"
        ) == droplet["id"]:
            raise Unprocessable("The Droplet already has a reserved IP assigned.")


def _start(ctx: Ctx, record: Record, kind: str, **args: Any) -> Record:
    action = actions.start(
        ctx,
        kind,
        resource_type="floating_ip",
        resource_id=int(ipaddress.IPv4Address(record.id)),
        region=record["region"],
        effect=f"reserved_ip.{kind}",
        ip=record.id,
        **args,
    )
    ctx.tx.update(record, locked=True)
    ctx.tx.update_meta(
        record,
        action_id=action.id,
        action_ids=[*record.meta.get("action_ids", []), action.id],
    )
    return action


def _create(ctx: Ctx, body: ReservedIPCreate) -> tuple[Record, Record | None]:
    if len(ctx.tenant.collection(KIND)) >= FLOATING_IP_LIMIT:
        raise Unprocessable(
            f"You have reached the limit of {FLOATING_IP_LIMIT} reserved IPs for your account."
        )
    droplet = find_droplet(ctx, body.droplet_id) if body.droplet_id else None
    if droplet is not None:
        _check_free(ctx, droplet)
        region = droplet["region"]
    elif body.region:
        region = ctx.catalogue.region(body.region)
        if region is None or not region["available"]:
            raise Unprocessable(f"Region {body.region} is not available.")
    else:
        raise Unprocessable("A reserved IP needs a droplet_id or a region.")

    ip = _next_address(ctx)
    urn = resources.urn(KIND, ip)
    projects.assign_default(ctx, urn, body.project_id)
    project = body.project_id or projects.default_project(ctx).id
    data = {
        "ip": ip,
        "region": region,
        "droplet": None,
        "locked": False,
        "project_id": project,
    }
    record = resources.create(ctx, KIND, ip, data)
    if droplet is None:
        return record, None
    ctx.tx.update_meta(record, assigning=droplet["id"])
    return record, _start(ctx, record, "assign_ip", droplet_id=droplet["id"])


def _act(ctx: Ctx, record: Record, body: ReservedIPAction) -> Record:
    if _is_busy(ctx, record):
        raise Unprocessable(PENDING)
    if body.type == "unassign":
        if holder(ctx, record) is None:
            raise Unprocessable("The reserved IP is not assigned to a Droplet.")
        return _start(ctx, record, "unassign_ip")
    if body.droplet_id is None:
        raise Unprocessable("droplet_id is required to assign a reserved IP.")
    droplet = find_droplet(ctx, body.droplet_id)
    if droplet["region"]["slug"] != record["region"]["slug"]:
        raise Unprocessable(
            "The Droplet and the reserved IP must be in the same region."
        )
    _check_free(ctx, droplet, record.id)
    ctx.tx.update_meta(record, assigning=droplet["id"])
    return _start(ctx, record, "assign_ip", droplet_id=droplet["id"])


def _network(ip: str) -> dict[str, Any]:
    gateway = ipaddress.IPv4Network(f"{ip}/24", strict=False).network_address + 1
    return {
        "ip_address": ip,
        "netmask": "255.255.255.0",
        "gateway": str(gateway),
        "type": "public",
    }


def _release(tx: Tx, droplet: Record) -> None:
    set_reserved(tx, droplet, "reserved_v4", None)
    tx.update_meta(droplet, reserved_ip=None)


@actions.effect("reserved_ip.assign_ip")
def _assign(tx: Tx, action: Record, ip: str, droplet_id: int) -> None:
    record = tx.tenant.get(KIND, ip)
    if record is None:
        return
    droplet = tx.tenant.get("droplet", droplet_id)
    tx.update(record, locked=False)
    tx.update_meta(record, assigning=None)
    if droplet is None:
        tx.update(action, status="errored")
        return
    previous = record["droplet"] and tx.tenant.get("droplet", record["droplet"]["id"])
    if previous and previous is not droplet:
        _release(tx, previous)
    set_reserved(tx, droplet, "reserved_v4", _network(ip))
    tx.update_meta(droplet, reserved_ip=ip)  # the metadata service reads it
    tx.update(record, droplet=droplet.data)


@actions.effect("reserved_ip.unassign_ip")
def _unassign(tx: Tx, action: Record, ip: str) -> None:
    record = tx.tenant.get(KIND, ip)
    if record is None:
        return
    droplet = record["droplet"] and tx.tenant.get("droplet", record["droplet"]["id"])
    if droplet:
        _release(tx, droplet)
    tx.update(record, droplet=None, locked=False)


def _mount(naming: Naming) -> None:
    """The six routes under one naming's path."""
    base, item = naming.path, f"{naming.path}/{{ip}}"

    async def list_ips(
        ctx: Annotated[Ctx, authorized("reserved_ip:read")], page: PageDep
    ) -> Response:
        records = ctx.tenant.collection(KIND).ordered()
        return page.respond_data(naming.plural, [view(ctx, r) for r in records])

    async def create_ip(
        ctx: Annotated[Ctx, authorized("reserved_ip:create")], body: ReservedIPCreate
    ) -> Response:
        record, action = _create(ctx, body)
        await ctx.commit()
        links: dict[str, Any] = {}
        if action is not None:
            url = str(ctx.request.base_url).rstrip("/")
            droplet_id = action.meta["args"]["droplet_id"]
            links = {
                "droplets": [
                    {
                        "id": droplet_id,
                        "rel": "droplet",
                        "href": f"{url}/v2/droplets/{droplet_id}",
                    }
                ],
                "actions": [
                    {
                        "id": action["id"],
                        "rel": "assign_ip",
                        "href": f"{url}/v2/actions/{action['id']}",
                    }
                ],
            }
        return raw({naming.singular: view(ctx, record), "links": links}, status=202)

    async def get_ip(
        ctx: Annotated[Ctx, authorized("reserved_ip:read")], ip: str
    ) -> Response:
        return raw({naming.singular: view(ctx, resources.find(ctx, KIND, ip))})

    async def delete_ip(
        ctx: Annotated[Ctx, authorized("reserved_ip:delete")], ip: str
    ) -> Response:
        record = resources.find(ctx, KIND, ip)
        if _is_busy(ctx, record):
            raise Unprocessable(PENDING)
        if holder(ctx, record) is not None:
            raise Unprocessable(
                "The reserved IP is assigned to a Droplet; unassign it before deleting it."
            )
        ctx.tx.delete(record)
        projects.unassign(ctx, resources.urn(KIND, ip))
        await ctx.commit()
        return no_content()

    async def list_actions(
        ctx: Annotated[Ctx, authorized("reserved_ip:read")], ip: str, page: PageDep
    ) -> Response:
        record = resources.find(ctx, KIND, ip)
        found = [
            ctx.tenant.get(actions.KIND, a) for a in record.meta.get("action_ids", [])
        ]
        shown = [_action_view(a, naming) for a in found if a is not None]
        return page.respond_data("actions", shown)

    async def post_action(
        ctx: Annotated[Ctx, authorized("reserved_ip:update")],
        ip: str,
        body: ReservedIPAction,
    ) -> Response:
        action = _act(ctx, resources.find(ctx, KIND, ip), body)
        await ctx.commit()
        return raw({"action": _action_view(action, naming)}, status=201)

    async def get_action(
        ctx: Annotated[Ctx, authorized("reserved_ip:read")], ip: str, action_id: str
    ) -> Response:
        record = resources.find(ctx, KIND, ip)
        action = ctx.tenant.get(actions.KIND, action_id)
        if action is None or action.id not in record.meta.get("action_ids", []):
            raise NotFound()
        return raw({"action": _action_view(action, naming)})

    router.add_api_route(base, list_ips, methods=["GET"])
    router.add_api_route(base, create_ip, methods=["POST"], status_code=202)
    router.add_api_route(item, get_ip, methods=["GET"])
    router.add_api_route(item, delete_ip, methods=["DELETE"], status_code=204)
    router.add_api_route(f"{item}/actions", list_actions, methods=["GET"])
    router.add_api_route(
        f"{item}/actions", post_action, methods=["POST"], status_code=201
    )
    router.add_api_route(f"{item}/actions/{{action_id}}", get_action, methods=["GET"])


_mount(RESERVED)
_mount(FLOATING)
