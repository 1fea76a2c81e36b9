"""VPC NAT Gateways: `/v2/vpc_nat_gateways`, public egress for VPCs of one region.

A gateway (kind `vpc_nat_gateway`) is created `NEW` and reads `ACTIVE` once
the clock's action delay has passed. Each VPC it serves must be the account's
and in the gateway's region; the gateway takes a private address in each
(`gateway_ip`, from the VPC's range like a droplet's) and one public address
(`egresses.public_gateways`). The list filters by `state`, `region`, `type`
and `name`. Deleting answers 202 and the gateway is gone at once.

Not emulated: `project_id` is accepted and ignored (the projects family has no
URN for gateways), and no traffic is routed.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field, StrictBool, StrictStr

from emulator.core import resources
from emulator.core.context import Ctx
from emulator.core.engine import Family, Scopes, later, mount
from emulator.core.errors import Unprocessable
from emulator.core.store import Record
from emulator.rest import vpcs
from emulator.rest.droplets import networks

router = APIRouter()

KIND = "vpc_nat_gateway"
DEFAULT_TIMEOUT_SECONDS = 30


class NatVpc(BaseModel):
    vpc_uuid: StrictStr
    default_gateway: StrictBool = False


class GatewayCreate(BaseModel):
    name: StrictStr = Field(min_length=1)
    type: Literal["PUBLIC"]
    region: StrictStr
    size: int = Field(ge=1)
    vpcs: list[NatVpc] = Field(min_length=1)
    udp_timeout_seconds: int = Field(DEFAULT_TIMEOUT_SECONDS, ge=1)
    icmp_timeout_seconds: int = Field(DEFAULT_TIMEOUT_SECONDS, ge=1)
    tcp_timeout_seconds: int = Field(DEFAULT_TIMEOUT_SECONDS, ge=1)
    project_id: StrictStr | None = None


class GatewayUpdate(BaseModel):
    name: StrictStr = Field(min_length=1)
    size: int = Field(ge=1)
    vpcs: list[NatVpc] | None = Field(None, min_length=1)
    udp_timeout_seconds: int | None = Field(None, ge=1)
    icmp_timeout_seconds: int | None = Field(None, ge=1)
    tcp_timeout_seconds: int | None = Field(None, ge=1)


def _check_vpcs(ctx: Ctx, wanted: list[NatVpc], region: str) -> None:
    for item in wanted:
        vpc = ctx.tenant.get(vpcs.KIND, item.vpc_uuid)
        if vpc is None:
            raise Unprocessable(f"VPC {item.vpc_uuid} not found.")
        if vpc["region"] != region:
            raise Unprocessable(
                f"VPC {item.vpc_uuid} is not in the gateway's region {region}."
            )
    if len({item.vpc_uuid for item in wanted}) != len(wanted):
        raise Unprocessable("Each VPC may be listed once.")


def _check(ctx: Ctx, body: BaseModel | None, gateway: Record | None) -> None:
    if isinstance(body, GatewayCreate):
        region = ctx.catalogue.region(body.region)
        if region is None or not region["available"]:
            raise Unprocessable(f"Region {body.region} is not available.")
        _check_vpcs(ctx, body.vpcs, body.region)
    elif isinstance(body, GatewayUpdate) and gateway is not None and body.vpcs:
        _check_vpcs(ctx, body.vpcs, gateway["region"])


def _attachments(
    ctx: Ctx, wanted: list[NatVpc], current: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The `vpcs` field: a VPC already served keeps its gateway address."""
    held = {item["vpc_uuid"]: item["gateway_ip"] for item in current}
    shown = []
    for item in wanted:
        address = held.get(item.vpc_uuid)
        if address is None:
            vpc = ctx.tenant.get(vpcs.KIND, item.vpc_uuid)
            assert vpc is not None  # checked before
            address = networks.private_v4(ctx, vpc, set())["ip_address"]
        shown.append(
            {
                "vpc_uuid": item.vpc_uuid,
                "gateway_ip": address,
                "default_gateway": item.default_gateway,
            }
        )
    return shown


def _build(ctx: Ctx, body: GatewayCreate, gateway_id: str | int) -> dict[str, Any]:
    now = resources.now(ctx)
    return {
        "id": gateway_id,
        "name": body.name,
        "type": body.type,
        "state": "NEW",
        "region": body.region,
        "size": body.size,
        "vpcs": _attachments(ctx, body.vpcs, []),
        "egresses": {
            "public_gateways": [{"ipv4": networks.public_v4(ctx)["ip_address"]}]
        },
        "udp_timeout_seconds": body.udp_timeout_seconds,
        "icmp_timeout_seconds": body.icmp_timeout_seconds,
        "tcp_timeout_seconds": body.tcp_timeout_seconds,
        "created_at": now,
        "updated_at": now,
    }


def _active_later(ctx: Ctx, gateway: Record) -> None:
    ctx.tx.update_meta(gateway, later=later(ctx, {"state": "ACTIVE"}))


def _updated(ctx: Ctx, gateway: Record, changes: dict[str, Any]) -> None:
    """Buffered after the engine's own update, so these values win."""
    vpcs_field = gateway["vpcs"]
    if "vpcs" in changes:
        wanted = [NatVpc.model_validate(item) for item in changes["vpcs"]]
        vpcs_field = _attachments(ctx, wanted, gateway["vpcs"])
    ctx.tx.update(gateway, vpcs=vpcs_field, updated_at=resources.now(ctx))


GATEWAYS = Family(
    kind=KIND,
    singular="vpc_nat_gateway",
    plural="vpc_nat_gateways",
    path="/v2/vpc_nat_gateways",
    id_param="id",
    scopes=Scopes(
        read="nat_gateway:read",
        create="nat_gateway:create",
        update="nat_gateway:update",
        delete="nat_gateway:delete",
    ),
    create_model=GatewayCreate,
    update_model=GatewayUpdate,
    partial_put=True,
    create_status=202,
    delete_status=202,
    filters=("state", "region", "type", "name"),
    build=_build,
    check=_check,
    on_create=_active_later,
    on_update=_updated,
)
mount(router, GATEWAYS)
