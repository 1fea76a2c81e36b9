"""Partner Network Connect: attachments to a partner's network, on the engine.

An attachment is `creating` until the clock's action delay has passed, then
`active`; a delete answers 202 with the attachment `deleting`, and it is gone
at once (DigitalOcean takes a while). Nothing reaches Megaport: the service
key is made here at create (and again on POST), the BGP auth key shown is
made up too (not the one given), and no remote route is ever learnt.
`vpc_ids` are stored as given.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field, StrictInt, StrictStr
from starlette.responses import Response

from emulator.core import actions, resources
from emulator.core.context import Ctx, authorized
from emulator.core.engine import Family, Scopes, mount
from emulator.core.errors import Unprocessable
from emulator.core.pagination import PageDep
from emulator.core.responses import raw
from emulator.core.store import Record

router = APIRouter()
KIND = "partner_attachment"
NAME = r"^[a-zA-Z0-9\-\.]+$"
REGIONS = ("nyc", "sfo", "fra", "ams", "sgp")
# The DigitalOcean side of every BGP session (its documented ASN).
LOCAL_ASN = 64532


class Bgp(BaseModel):
    local_router_ip: StrictStr
    peer_router_ip: StrictStr
    peer_router_asn: StrictInt
    auth_key: StrictStr | None = None


class AttachmentCreate(BaseModel):
    name: StrictStr = Field(pattern=NAME, max_length=255)
    connection_bandwidth_in_mbps: Literal[1000, 2000, 5000, 10000]
    region: Literal["nyc", "sfo", "fra", "ams", "sgp"]
    naas_provider: StrictStr = Field(min_length=1)
    vpc_ids: list[StrictStr] = Field(min_length=1)
    parent_uuid: StrictStr | None = None
    bgp: Bgp | None = None
    redundancy_zone: Literal["MEGAPORT_BLUE", "MEGAPORT_RED"] | None = None


class AttachmentUpdate(BaseModel):
    name: StrictStr | None = Field(default=None, pattern=NAME, max_length=255)
    vpc_ids: list[StrictStr] | None = Field(default=None, min_length=1)
    bgp: Bgp | None = None


def _bgp(bgp: Bgp | None) -> dict[str, Any]:
    if bgp is None:
        return {
            "local_asn": LOCAL_ASN,
            "peer_asn": 0,
            "local_router_ip": "",
            "peer_router_ip": "",
        }
    return {
        "local_asn": LOCAL_ASN,
        "peer_asn": bgp.peer_router_asn,
        "local_router_ip": bgp.local_router_ip,
        "peer_router_ip": bgp.peer_router_ip,
    }


def _key(ctx: Ctx, value: str | None = None) -> dict[str, Any]:
    return {
        "value": value or secrets.token_urlsafe(18),
        "created_at": resources.now(ctx),
        "state": "CREATED",
    }


def _build(ctx: Ctx, body: AttachmentCreate, uuid: str | int) -> dict[str, Any]:
    if body.parent_uuid is not None and ctx.tenant.get(KIND, body.parent_uuid) is None:
        raise Unprocessable(f"parent attachment {body.parent_uuid} not found")
    data = {
        "id": uuid,
        "name": body.name,
        "state": "creating",
        "connection_bandwidth_in_mbps": body.connection_bandwidth_in_mbps,
        "region": body.region,
        "naas_provider": body.naas_provider,
        "vpc_ids": body.vpc_ids,
        "bgp": _bgp(body.bgp),
        "created_at": resources.now(ctx),
        "redundancy_zone": body.redundancy_zone or "MEGAPORT_BLUE",
    }
    # The API leaves out `parent_uuid` and `children` when there are none.
    if body.parent_uuid is not None:
        data["parent_uuid"] = body.parent_uuid
    return data


def _on_create(ctx: Ctx, record: Record) -> None:
    ctx.tx.update_meta(
        record,
        service_key=_key(ctx),
        bgp_auth_key=_key(ctx),
        **{actions.LATER: actions.later(ctx, {"state": "active"})},
    )
    parent_uuid = record.data.get("parent_uuid")
    parent = ctx.tenant.get(KIND, parent_uuid) if parent_uuid else None
    if parent is not None:
        ctx.tx.update(parent, children=[*parent.data.get("children", []), record.id])


def _on_update(ctx: Ctx, record: Record, changes: dict[str, Any]) -> None:
    if "bgp" in changes:
        ctx.tx.update(record, bgp=_bgp(Bgp(**changes["bgp"])))


def _forget(ctx: Ctx, attachment: Record) -> None:
    """Remove `attachment`, and its name from its parent's `children`."""
    ctx.tx.delete(attachment)
    parent_uuid = attachment.data.get("parent_uuid")
    parent = ctx.tenant.get(KIND, parent_uuid) if parent_uuid else None
    if parent is None:
        return
    children = [c for c in parent.data.get("children", []) if c != attachment.id]
    if children:
        ctx.tx.update(parent, children=children)
    else:  # the key goes, as the API leaves it out when empty
        data = {k: v for k, v in parent.data.items() if k != "children"}
        ctx.tx.put(Record(KIND, parent.id, data, dict(parent.meta), parent.seq))


ATTACHMENTS = Family(
    kind=KIND,
    singular="partner_attachment",
    plural="partner_attachments",
    path="/v2/partner_network_connect/attachments",
    id_param="pa_id",
    # The spec's own scopes: reading suffices to change or delete one.
    scopes=Scopes(
        read="partner_network_connect:read",
        create="partner_network_connect:create",
        update="partner_network_connect:read",
    ),
    create_model=AttachmentCreate,
    update_model=AttachmentUpdate,
    update_method="PATCH",
    create_status=202,
    update_status=202,
    build=_build,
    on_create=_on_create,
    on_update=_on_update,
    verbs=("list", "create", "get", "update"),
)


@router.delete("/v2/partner_network_connect/attachments/{pa_id}", status_code=202)
async def delete_attachment(
    ctx: Annotated[Ctx, authorized("partner_network_connect:read")], pa_id: str
) -> Response:
    """Answers the attachment `deleting`, as DigitalOcean does; it is gone at once."""
    attachment = ATTACHMENTS.lookup(ctx, pa_id)
    _forget(ctx, attachment)
    await ctx.commit()
    answer = {**attachment.data, "state": "deleting"}
    return raw({"partner_attachment": answer}, status=202)


@router.get("/v2/partner_network_connect/attachments/{pa_id}/bgp_auth_key")
async def get_bgp_auth_key(
    ctx: Annotated[Ctx, authorized("partner_network_connect:read")], pa_id: str
) -> Response:
    attachment = ATTACHMENTS.lookup(ctx, pa_id)
    return raw({"bgp_auth_key": attachment.meta["bgp_auth_key"]})


@router.get("/v2/partner_network_connect/attachments/{pa_id}/remote_routes")
async def list_remote_routes(
    ctx: Annotated[Ctx, authorized("partner_network_connect:read")],
    pa_id: str,
    page: PageDep,
) -> Response:
    ATTACHMENTS.lookup(ctx, pa_id)
    return page.respond_data("remote_routes", [])


@router.get("/v2/partner_network_connect/attachments/{pa_id}/service_key")
async def get_service_key(
    ctx: Annotated[Ctx, authorized("partner_network_connect:read")], pa_id: str
) -> Response:
    attachment = ATTACHMENTS.lookup(ctx, pa_id)
    return raw({"service_key": attachment.meta["service_key"]})


@router.post(
    "/v2/partner_network_connect/attachments/{pa_id}/service_key", status_code=202
)
async def regenerate_service_key(
    ctx: Annotated[Ctx, authorized("partner_network_connect:write")], pa_id: str
) -> Response:
    attachment = ATTACHMENTS.lookup(ctx, pa_id)
    ctx.tx.update_meta(attachment, service_key=_key(ctx))
    await ctx.commit()
    return raw({}, status=202)


mount(router, ATTACHMENTS)
