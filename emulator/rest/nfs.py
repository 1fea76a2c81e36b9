"""NFS: shares, their snapshots and access points, and share actions.

A share is `CREATING` until the clock's action delay has passed, then
`ACTIVE`, with a default access point (`/`, for every VPC of the share). Share
actions (resize, snapshot, attach, detach, reassign, switch_performance_tier)
are checked when asked and applied after the same delay; they answer in NFS's
own action shape (`IN_PROGRESS`, `RESIZE_SHARE`) and are not kept (the API has
no route to read one back). Access points are `ACCESS_POINT_CREATING` until
that delay has passed; deleting one soft-deletes
it (`ACCESS_POINT_DELETED`). `vpc_ids` are stored as given; nothing is mounted.
The `region` query parameter of get and delete is accepted and not needed.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field, StrictBool, StrictInt, StrictStr
from starlette.responses import Response

from emulator.core import actions, resources
from emulator.core.clock import timestamp
from emulator.core.context import Ctx, authorized
from emulator.core.engine import Family, Scopes, mount
from emulator.core.errors import BadRequest, Conflict, Unprocessable
from emulator.core.pagination import PageDep
from emulator.core.responses import raw
from emulator.core.store import Record

router = APIRouter()
SHARE = "nfs_share"
SNAPSHOT = "nfs_snapshot"
ACCESS_POINT = "nfs_access_point"
MIN_SIZE_GIB = 50
TIERS = {"standard": "PERFORMANCE_TIER_STANDARD", "high": "PERFORMANCE_TIER_HIGH"}
ACTION_TYPES = {
    "resize": "RESIZE_SHARE",
    "snapshot": "SNAPSHOT_SHARE",
    "attach": "ATTACH_SHARE",
    "detach": "DETACH_SHARE",
    "reassign": "REASSIGN_SHARE",
    "switch_performance_tier": "SWITCH_PERFORMANCE_TIER",
}


class ShareCreate(BaseModel):
    name: StrictStr = Field(min_length=1, max_length=255)
    size_gib: StrictInt
    region: StrictStr
    vpc_ids: list[StrictStr] = Field(min_length=1)
    performance_tier: Literal["standard", "high"] = "standard"


class ActionParams(BaseModel):
    size_gib: StrictInt | None = None
    name: StrictStr | None = None
    vpc_id: StrictStr | None = None
    old_vpc_id: StrictStr | None = None
    new_vpc_id: StrictStr | None = None
    performance_tier: Literal["standard", "high"] | None = None


class ShareAction(BaseModel):
    type: Literal[
        "resize", "snapshot", "attach", "detach", "reassign", "switch_performance_tier"
    ]
    region: StrictStr | None = None
    params: ActionParams = ActionParams()


class AccessPolicy(BaseModel):
    anonuid: StrictInt = 65534
    anongid: StrictInt = 65534
    protocols: list[Literal["NFS", "NFS4"]] = ["NFS4", "NFS"]
    squash_config: Literal["NO_SQUASH", "ROOT_SQUASH", "ALL_SQUASH"] = "ROOT_SQUASH"
    identity_enforcement_enabled: StrictBool = False


class AccessPointCreate(BaseModel):
    name: StrictStr = Field(min_length=1, max_length=255)
    path: StrictStr = Field(pattern=r"^/")
    access_policy: AccessPolicy
    vpc_id: StrictStr


def _check_share(ctx: Ctx, body: ShareCreate | None, record: Record | None) -> None:
    if body is None:
        return
    if body.size_gib < MIN_SIZE_GIB:
        raise Unprocessable(f"size_gib must be at least {MIN_SIZE_GIB}")
    if ctx.catalogue.region(body.region) is None:
        raise Unprocessable(f"region {body.region} is not valid")


def _host(ctx: Ctx) -> str:
    count = len(ctx.tenant.collection(SHARE))
    return str(ipaddress.IPv4Address("10.128.32.2") + count * 4)


def _build_share(ctx: Ctx, body: ShareCreate, uuid: str | int) -> dict[str, Any]:
    return {
        "id": uuid,
        "name": body.name,
        "size_gib": body.size_gib,
        "region": body.region,
        "status": "CREATING",
        "created_at": resources.now(ctx),
        "vpc_ids": body.vpc_ids,
        "performance_tier": TIERS[body.performance_tier],
        "mount_path": f"/{int(ctx.tenant.uuid[:5], 16)}/{uuid}",
        "host": _host(ctx),
    }


def _access_point(
    ctx: Ctx, share: Record, body: AccessPointCreate, *, is_default: bool = False
) -> Record:
    uuid = resources.new_uuid()
    data = {
        "id": uuid,
        "name": body.name,
        "share_id": share.id,
        "path": body.path,
        "status": "ACCESS_POINT_CREATING",
        "is_default": is_default,
        "created_at": resources.now(ctx),
        "updated_at": resources.now(ctx),
        "access_policy": body.access_policy.model_dump(),
    }
    if body.vpc_id:  # the default access point serves every VPC of the share
        data["vpc_id"] = body.vpc_id
    record = resources.create(ctx, ACCESS_POINT, uuid, data)
    _then(ctx, record, {"status": "ACCESS_POINT_ACTIVE"}, stamp="updated_at")
    return record


def _then(
    ctx: Ctx, record: Record, changes: dict[str, Any], *, stamp: str | None = None
) -> None:
    """Buffer `changes` for when the clock's action delay has passed.

    They join the record's changes still pending (one action may follow
    another before the first is done); `stamp` names a field set to that moment.
    """
    pending = record.meta.get(actions.LATER) or {}
    entry = actions.later(ctx, {**pending.get("changes", {}), **changes})
    if stamp is not None:
        entry["changes"][stamp] = timestamp(entry["due"])
    ctx.tx.update_meta(record, **{actions.LATER: entry})


def _as_it_will_be(record: Record) -> dict[str, Any]:
    pending = record.meta.get(actions.LATER) or {}
    return {**record.data, **pending.get("changes", {})}


def _nfs_action(
    ctx: Ctx, share: Record, kind: str, resource_id: str, resource_type: str = "SHARE"
) -> dict[str, Any]:
    """The action as NFS shows it; its changes are the records' pending ones."""
    return {
        "id": resources.new_uuid(),
        "region_slug": share["region"],
        "resource_id": resource_id,
        "resource_type": resource_type,
        "type": kind,
        "status": "IN_PROGRESS",
        "started_at": resources.now(ctx),
    }


def _on_create(ctx: Ctx, share: Record) -> None:
    default = AccessPointCreate(
        name="default", path="/", access_policy=AccessPolicy(), vpc_id=""
    )
    _access_point(ctx, share, default, is_default=True)
    _then(ctx, share, {"status": "ACTIVE"})


def _on_delete(ctx: Ctx, share: Record) -> None:
    for point in ctx.tenant.collection(ACCESS_POINT).ordered():
        if point["share_id"] == share.id:
            ctx.tx.delete(point)


SHARES = Family(
    kind=SHARE,
    singular="share",
    plural="shares",
    path="/v2/nfs",
    id_param="nfs_id",
    scopes=Scopes(
        read=("nfs:read", "nfs:list"), create="nfs:create", delete="nfs:delete"
    ),
    create_model=ShareCreate,
    filters=("region",),
    build=_build_share,
    check=_check_share,
    on_create=_on_create,
    on_delete=_on_delete,
    verbs=("list", "create", "get", "delete"),
)

SNAPSHOTS = Family(
    kind=SNAPSHOT,
    singular="snapshot",
    plural="snapshots",
    path="/v2/nfs/snapshots",
    id_param="nfs_snapshot_id",
    scopes=Scopes(read=("nfs:read", "nfs:list"), delete="nfs:delete"),
    filters=("region", "share_id"),
    verbs=("list", "get", "delete"),
)

ACCESS_POINTS = Family(
    kind=ACCESS_POINT,
    singular="access_point",
    plural="access_points",
    path="/v2/nfs/access_points",
    id_param="access_point_id",
    scopes=Scopes(read="nfs:read"),
    verbs=("get",),
)


def _changes(ctx: Ctx, share: Record, body: ShareAction) -> dict[str, Any]:
    """What the action will change, checked now (422 when it cannot apply)."""
    view = _as_it_will_be(share)
    params, vpcs = body.params, list(view["vpc_ids"])
    if body.type == "resize":
        if params.size_gib is None:
            raise Unprocessable("params.size_gib is required to resize a share")
        if params.size_gib <= view["size_gib"]:
            raise Unprocessable(
                "a share can only grow: size_gib must be larger than its size"
            )
        return {"size_gib": params.size_gib}
    if body.type in ("attach", "detach"):
        if not params.vpc_id:
            raise Unprocessable(f"params.vpc_id is required to {body.type} a share")
        if body.type == "attach" and params.vpc_id in vpcs:
            raise Unprocessable(f"the share is already attached to VPC {params.vpc_id}")
        if body.type == "detach" and params.vpc_id not in vpcs:
            raise Unprocessable(f"the share is not attached to VPC {params.vpc_id}")
        if body.type == "attach":
            return {"vpc_ids": [*vpcs, params.vpc_id]}
        return {"vpc_ids": [v for v in vpcs if v != params.vpc_id]}
    if body.type == "reassign":
        if not params.old_vpc_id or not params.new_vpc_id:
            raise Unprocessable("params.old_vpc_id and params.new_vpc_id are required")
        if params.old_vpc_id not in vpcs:
            raise Unprocessable(f"the share is not attached to VPC {params.old_vpc_id}")
        return {
            "vpc_ids": [
                params.new_vpc_id if v == params.old_vpc_id else v for v in vpcs
            ]
        }
    if params.performance_tier is None:
        raise Unprocessable("params.performance_tier is required")
    return {"performance_tier": TIERS[params.performance_tier]}


def _require_active(share: Record) -> None:
    if share["status"] not in ("ACTIVE", "INACTIVE"):
        raise BadRequest(f"the share is {share['status']}; wait until it is ACTIVE")


@router.post("/v2/nfs/{nfs_id}/actions", status_code=201)
async def post_share_action(
    ctx: Annotated[Ctx, authorized("nfs:create")], nfs_id: str, body: ShareAction
) -> Response:
    share = SHARES.lookup(ctx, nfs_id)
    _require_active(share)
    kind = ACTION_TYPES[body.type]

    if body.type == "snapshot":
        if not body.params.name:
            raise Unprocessable("params.name is required to snapshot a share")
        snapshot_id = resources.new_uuid()
        data = {
            "id": snapshot_id,
            "name": body.params.name,
            "size_gib": share["size_gib"],
            "region": share["region"],
            "status": "CREATING",
            "created_at": resources.now(ctx),
            "share_id": share.id,
        }
        snapshot = resources.create(ctx, SNAPSHOT, snapshot_id, data)
        _then(ctx, snapshot, {"status": "ACTIVE"})
    else:
        _then(ctx, share, _changes(ctx, share, body))
    answer = _nfs_action(ctx, share, kind, share.id)
    await ctx.commit()
    return raw({"action": answer}, status=201)


@router.post("/v2/nfs/shares/{share_id}/access_points", status_code=201)
async def create_access_point(
    ctx: Annotated[Ctx, authorized("nfs:create")],
    share_id: str,
    body: AccessPointCreate,
) -> Response:
    share = SHARES.lookup(ctx, share_id)
    _require_active(share)
    for other in _points(ctx, share):
        if other["status"] != "ACCESS_POINT_DELETED" and body.name in (other["name"],):
            raise Conflict(f"an access point named {body.name} already exists")
        if other["status"] != "ACCESS_POINT_DELETED" and other["path"] == body.path:
            raise Conflict(f"an access point with path {body.path} already exists")

    point = _access_point(ctx, share, body)
    answer = _nfs_action(ctx, share, "CREATE_ACCESS_POINT", point.id)
    await ctx.commit()
    return raw({"access_point": point.data, "action": answer}, status=201)


def _points(ctx: Ctx, share: Record) -> list[Record]:
    return [
        p
        for p in ctx.tenant.collection(ACCESS_POINT).ordered()
        if p["share_id"] == share.id
    ]


@router.get("/v2/nfs/shares/{share_id}/access_points")
async def list_access_points(
    ctx: Annotated[Ctx, authorized("nfs:list")], share_id: str, page: PageDep
) -> Response:
    share = SHARES.lookup(ctx, share_id)
    status = ctx.query("status")
    points = [p for p in _points(ctx, share) if status is None or p["status"] == status]
    return page.respond("access_points", points)


@router.delete("/v2/nfs/access_points/{access_point_id}")
async def delete_access_point(
    ctx: Annotated[Ctx, authorized("nfs:delete")], access_point_id: str
) -> Response:
    point = ACCESS_POINTS.lookup(ctx, access_point_id)
    if point["is_default"]:
        raise BadRequest("the default access point cannot be deleted")
    if point["status"] in ("ACCESS_POINT_DELETED", "ACCESS_POINT_FAILED"):
        raise BadRequest(f"the access point is already {point['status']}")
    share = SHARES.lookup(ctx, point["share_id"])

    ctx.tx.update(point, status="ACCESS_POINT_DELETED", updated_at=resources.now(ctx))
    ctx.tx.update_meta(point, **{actions.LATER: None})
    answer = _nfs_action(ctx, share, "DELETE_ACCESS_POINT", point.id)
    await ctx.commit()
    return raw({"access_point": point.data, "action": answer})


mount(router, SNAPSHOTS)
mount(router, ACCESS_POINTS)
mount(router, SHARES)
