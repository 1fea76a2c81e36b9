"""VPC Peerings: `/v2/vpc_peerings` and a VPC's own view, `/v2/vpcs/{id}/peerings`.

A peering (kind `vpc_peering`) joins two VPCs of the account, once per pair.
It is created `PROVISIONING` and reads `ACTIVE` once the clock's action delay
has passed (no action appears in the history, as on the real API). Deleting
answers 202 with the peering `DELETING`; it is gone at once. Under
`/v2/vpcs/{id}/peerings` the envelope key is `peering`, and the other VPC is
given as `vpc_id`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, Field, StrictStr
from starlette.responses import Response

from emulator.core import engine, resources
from emulator.core.context import Ctx, authorized
from emulator.core.engine import Family, Scopes, later, mount
from emulator.core.errors import Conflict, NotFound, Unprocessable
from emulator.core.pagination import PageDep
from emulator.core.responses import one, raw
from emulator.core.store import Record
from emulator.rest import vpcs

router = APIRouter()

KIND = "vpc_peering"
NAME_PATTERN = r"^[a-zA-Z0-9\-]+$"


class PeeringCreate(BaseModel):
    name: StrictStr = Field(pattern=NAME_PATTERN)
    vpc_ids: list[StrictStr] = Field(min_length=2, max_length=2)


class PeeringOfVpcCreate(BaseModel):
    # This path's own schema allows dots in the name.
    name: StrictStr = Field(pattern=r"^[a-zA-Z0-9\-\.]+$")
    vpc_id: StrictStr


class PeeringUpdate(BaseModel):
    name: StrictStr = Field(pattern=NAME_PATTERN)


def _check(ctx: Ctx, body: BaseModel | None, peering: Record | None) -> None:
    if not isinstance(body, PeeringCreate):
        return
    first, second = body.vpc_ids
    if first == second:
        raise Unprocessable("A VPC cannot be peered with itself.")
    for vpc_id in body.vpc_ids:
        if ctx.tenant.get(vpcs.KIND, vpc_id) is None:
            raise Unprocessable(f"VPC {vpc_id} not found.")
    pair = set(body.vpc_ids)
    if any(set(p["vpc_ids"]) == pair for p in ctx.tenant.collection(KIND)):
        raise Conflict("These VPCs are already peered.")


def _build(ctx: Ctx, body: PeeringCreate, peering_id: str | int) -> dict[str, Any]:
    return {
        "id": peering_id,
        "name": body.name,
        "vpc_ids": list(body.vpc_ids),
        "status": "PROVISIONING",
        "created_at": resources.now(ctx),
    }


def _provisioned_later(ctx: Ctx, peering: Record) -> None:
    ctx.tx.update_meta(peering, later=later(ctx, {"status": "ACTIVE"}))


PEERINGS = Family(
    kind=KIND,
    singular="vpc_peering",
    plural="vpc_peerings",
    path="/v2/vpc_peerings",
    id_param="vpc_peering_id",
    scopes=Scopes(
        read="vpc_peering:read",
        create="vpc_peering:create",
        update="vpc_peering:update",
        delete="vpc_peering:delete",
    ),
    create_model=PeeringCreate,
    update_model=PeeringUpdate,
    update_method="PATCH",
    create_status=202,
    build=_build,
    check=_check,
    on_create=_provisioned_later,
    verbs=("create", "get", "update"),
)


def _of_vpc(ctx: Ctx, vpc_id: str) -> tuple[Record, list[Record]]:
    vpc = ctx.tenant.get(vpcs.KIND, vpc_id)
    if vpc is None:
        raise NotFound()
    peerings = [
        p for p in ctx.tenant.collection(KIND).ordered() if vpc.id in p["vpc_ids"]
    ]
    return vpc, peerings


@router.get("/v2/vpc_peerings")
async def list_peerings(
    ctx: Annotated[Ctx, authorized("vpc_peering:read")], page: PageDep
) -> Response:
    peerings = ctx.tenant.collection(KIND).ordered()
    region = ctx.query("region")
    if region is not None:
        in_region = {
            v.id for v in ctx.tenant.collection(vpcs.KIND) if v["region"] == region
        }
        peerings = [p for p in peerings if in_region & set(p["vpc_ids"])]
    return page.respond("vpc_peerings", peerings)


@router.delete("/v2/vpc_peerings/{vpc_peering_id}", status_code=202)
async def delete_peering(
    ctx: Annotated[Ctx, authorized("vpc_peering:delete")], vpc_peering_id: str
) -> Response:
    peering = PEERINGS.lookup(ctx, vpc_peering_id)
    ctx.tx.delete(peering)
    await ctx.commit()
    return raw({"vpc_peering": {**peering.data, "status": "DELETING"}}, status=202)


@router.get("/v2/vpcs/{vpc_id}/peerings")
async def list_peerings_of_vpc(
    ctx: Annotated[Ctx, authorized("vpc_peering:read")], vpc_id: str, page: PageDep
) -> Response:
    return page.respond("peerings", _of_vpc(ctx, vpc_id)[1])


@router.post("/v2/vpcs/{vpc_id}/peerings", status_code=202)
async def create_peering_of_vpc(
    ctx: Annotated[Ctx, authorized("vpc_peering:create")],
    vpc_id: str,
    body: PeeringOfVpcCreate,
) -> Response:
    vpc, _ = _of_vpc(ctx, vpc_id)
    request = PeeringCreate.model_construct(
        name=body.name, vpc_ids=[vpc.id, body.vpc_id]
    )
    peering = engine.create(ctx, PEERINGS, request)
    await ctx.commit()
    return one("peering", peering, status=202)


@router.patch("/v2/vpcs/{vpc_id}/peerings/{vpc_peering_id}")
async def update_peering_of_vpc(
    ctx: Annotated[Ctx, authorized("vpc_peering:update")],
    vpc_id: str,
    vpc_peering_id: str,
    body: PeeringUpdate,
) -> Response:
    _, peerings = _of_vpc(ctx, vpc_id)
    peering = next((p for p in peerings if p.id == vpc_peering_id), None)
    if peering is None:
        raise NotFound()
    engine.update(ctx, PEERINGS, peering, body)
    await ctx.commit()
    return one("peering", peering)


mount(router, PEERINGS)
