"""Destroying droplets: alone, by tag, or with their associated resources.

A destroyed droplet disappears at once (GET answers 404, as Terraform expects
after DELETE) and a `destroy` action is recorded. What pointed at it lets go:
volumes, firewalls and load balancers drop it from `droplet_ids`, reserved IPs
are unassigned, its backups go with it, and its unfinished actions end as
`errored`. A locked droplet (resizing, snapshotting...) cannot be destroyed.

`destroy_with_associated_resources` also destroys the snapshots, volumes,
volume snapshots and reserved IPs chosen. The droplet and those resources go at
once; the request's status reads as in progress (no `completed_at`) until its
`destroy` action completes, and a retry meanwhile is a 409. Nothing fails to be
destroyed in the emulator, so a retry afterwards has nothing to do.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from starlette.responses import Response

from emulator.core import actions, resources
from emulator.core.clock import timestamp
from emulator.core.context import Ctx, authorized
from emulator.core.errors import BadRequest, Conflict, Unprocessable
from emulator.core.responses import JSONBytes, no_content, raw
from emulator.core.store import Record, Tx
from emulator.rest import images, projects
from emulator.rest.droplets.models import SelectiveDestroy
from emulator.rest.droplets.records import (
    KIND,
    PENDING_MESSAGE,
    find_droplet,
    has_tag,
    owned_images,
)

router = APIRouter()

STATUS_KIND = "droplet_destroy"
# The spec's requirement lists these together; they read as "all of" (conventions §12).
DESTROY_SCOPES = (
    "block_storage:delete",
    "block_storage_snapshot:delete",
    "image:delete",
    "reserved_ip:delete",
)
ASSOCIATED_KEYS = (
    "reserved_ips",
    "floating_ips",
    "snapshots",
    "volumes",
    "volume_snapshots",
)
RESERVED_IP_MONTHLY = "5.00"
SNAPSHOT_GB_MONTHLY = 0.06
VOLUME_GB_MONTHLY = 0.10


def destroy(ctx: Ctx, droplet: Record, *, effect: str | None = None) -> Record:
    """Buffer the removal of `droplet` and everything that follows; return its action.

    A plain destroy's action is done at once; one with an `effect` (the destroy
    of associated resources) stays in progress for the clock's action delay.
    """
    if droplet["locked"]:
        raise Unprocessable(PENDING_MESSAGE)
    _release(ctx, droplet)
    ctx.tx.delete(droplet)
    projects.unassign(ctx, resources.urn(KIND, droplet.id))
    return actions.start(
        ctx,
        "destroy",
        resource_type="droplet",
        resource_id=droplet["id"],
        region=droplet["region"],
        effect=effect,
        delay=None if effect else 0.0,
        droplet_id=droplet.id,
    )


def _release(ctx: Ctx, droplet: Record) -> None:
    tenant, droplet_id = ctx.tenant, droplet["id"]
    for kind in ("volume", "firewall", "load_balancer"):
        for record in tenant.collection(kind):
            held = record.data.get("droplet_ids") or []
            if droplet_id in held:
                ctx.tx.update(record, droplet_ids=[d for d in held if d != droplet_id])
    for kind in ("reserved_ip", "floating_ip"):
        for record in tenant.collection(kind):
            if (record.data.get("droplet") or {}).get("id") == droplet_id:
                ctx.tx.update(record, droplet=None)
    # Backups belong to the droplet and are destroyed with it; snapshots stay.
    for image in owned_images(ctx, droplet, "backup"):
        images.delete_image(ctx, image)
    now = resources.now(ctx)
    for action_id in droplet.meta.get("action_ids", []):
        action = tenant.get("action", action_id)
        if action is not None and action["status"] == "in-progress":
            ctx.tx.update(action, status="errored", completed_at=now)


def associated(ctx: Ctx, droplet: Record) -> dict[str, list[Record]]:
    """What the droplet's destruction can take along, by the API's keys."""
    tenant, droplet_id = ctx.tenant, droplet["id"]
    volumes = [
        v
        for v in tenant.collection("volume").ordered()
        if droplet_id in (v.data.get("droplet_ids") or [])
    ]
    volume_ids = {v.id for v in volumes}
    return {
        "reserved_ips": [
            r
            for r in tenant.collection("reserved_ip").ordered()
            if (r.data.get("droplet") or {}).get("id") == droplet_id
        ],
        "snapshots": owned_images(ctx, droplet, "snapshot"),
        "volumes": volumes,
        "volume_snapshots": [
            s
            for s in tenant.collection("volume_snapshot").ordered()
            if s.data.get("resource_type") == "volume"
            and str(s.data.get("resource_id")) in volume_ids
        ],
    }


def _summary(key: str, record: Record) -> dict[str, Any]:
    if key == "reserved_ips":
        return {"id": record.id, "name": record.id, "cost": RESERVED_IP_MONTHLY}
    rate = VOLUME_GB_MONTHLY if key == "volumes" else SNAPSHOT_GB_MONTHLY
    size = record.data.get("size_gigabytes") or 0
    return {
        "id": record.id,
        "name": record.data.get("name", ""),
        "cost": f"{size * rate:.2f}",
    }


def _listing(found: dict[str, list[Record]]) -> dict[str, list[dict[str, Any]]]:
    listing = {
        key: [_summary(key, r) for r in records] for key, records in found.items()
    }
    listing["floating_ips"] = listing["reserved_ips"]
    return listing


def _destroy_with(ctx: Ctx, droplet: Record, chosen: dict[str, list[Record]]) -> None:
    destroy(ctx, droplet, effect="droplet.destroyed")
    for key, records in chosen.items():
        for record in records:
            if record.kind == images.KIND:
                images.delete_image(ctx, record)
            else:
                ctx.tx.delete(record)
            if key in ("volumes", "reserved_ips"):
                projects.unassign(ctx, resources.urn(record.kind, record.id))
    status = {
        "droplet": {"id": droplet.id, "name": droplet["name"]},
        "resources": {
            key: [{"id": r.id, "name": _summary(key, r)["name"]} for r in records]
            for key, records in {
                **chosen,
                "floating_ips": chosen["reserved_ips"],
            }.items()
        },
        "failures": 0,
    }
    ctx.tx.put(Record(STATUS_KIND, droplet.id, status))


@actions.effect("droplet.destroyed")
def _destroyed(tx: Tx, action: Record, droplet_id: str) -> None:
    status = tx.tenant.get(STATUS_KIND, droplet_id)
    if status is None:
        return
    done = timestamp(action.meta["due"])
    stamped = {
        key: [{**item, "destroyed_at": done} for item in items]
        for key, items in status["resources"].items()
    }
    tx.update(
        status,
        droplet={**status["droplet"], "destroyed_at": done},
        resources=stamped,
        completed_at=done,
    )


def _pick(
    found: dict[str, list[Record]], body: SelectiveDestroy
) -> dict[str, list[Record]]:
    wanted = {
        "reserved_ips": [*(body.reserved_ips or []), *(body.floating_ips or [])],
        "snapshots": body.snapshots or [],
        "volumes": body.volumes or [],
        "volume_snapshots": body.volume_snapshots or [],
    }
    chosen: dict[str, list[Record]] = {}
    for key, ids in wanted.items():
        by_id = {r.id: r for r in found[key]}
        unknown = [str(i) for i in ids if str(i) not in by_id]
        if unknown:
            raise Unprocessable(
                f"{key} {', '.join(unknown)} are not associated with this Droplet."
            )
        chosen[key] = list({str(i): by_id[str(i)] for i in ids}.values())
    return chosen


def _require_destroy_scopes(ctx: Ctx) -> None:
    for scope in DESTROY_SCOPES:
        ctx.require(scope)


@router.delete("/v2/droplets")
async def destroy_by_tag(
    ctx: Annotated[Ctx, authorized("droplet:delete")], tag_name: str | None = None
) -> Response:
    if not tag_name:
        raise BadRequest("tag_name is required to destroy Droplets by tag.")
    ctx.require("tag:read")
    tagged = [d for d in ctx.tenant.collection(KIND).ordered() if has_tag(d, tag_name)]
    for droplet in tagged:
        destroy(ctx, droplet)
    await ctx.commit()
    return no_content()


@router.delete("/v2/droplets/{droplet_id}")
async def destroy_droplet(
    droplet_id: str, ctx: Annotated[Ctx, authorized("droplet:delete")]
) -> Response:
    destroy(ctx, find_droplet(ctx, droplet_id))
    await ctx.commit()
    return no_content()


@router.get("/v2/droplets/{droplet_id}/destroy_with_associated_resources")
async def list_associated_resources(
    droplet_id: str, ctx: Annotated[Ctx, authorized("droplet:read")]
) -> Response:
    droplet = find_droplet(ctx, droplet_id)
    return raw(_listing(associated(ctx, droplet)))


@router.delete("/v2/droplets/{droplet_id}/destroy_with_associated_resources/selective")
async def destroy_selective(
    droplet_id: str,
    ctx: Annotated[Ctx, authorized("droplet:delete")],
    body: SelectiveDestroy | None = None,
) -> Response:
    _require_destroy_scopes(ctx)
    droplet = find_droplet(ctx, droplet_id)
    chosen = _pick(associated(ctx, droplet), body or SelectiveDestroy())
    _destroy_with(ctx, droplet, chosen)
    await ctx.commit()
    return Response(status_code=202)


@router.delete("/v2/droplets/{droplet_id}/destroy_with_associated_resources/dangerous")
async def destroy_dangerous(
    droplet_id: str, ctx: Annotated[Ctx, authorized("droplet:delete")]
) -> Response:
    _require_destroy_scopes(ctx)
    if ctx.request.headers.get("x-dangerous", "").lower() != "true":
        raise BadRequest(
            "Set the X-Dangerous header to true to destroy a Droplet with all of its associated resources."
        )
    droplet = find_droplet(ctx, droplet_id)
    _destroy_with(ctx, droplet, associated(ctx, droplet))
    await ctx.commit()
    return Response(status_code=202)


@router.get("/v2/droplets/{droplet_id}/destroy_with_associated_resources/status")
async def get_destroy_status(
    droplet_id: str, ctx: Annotated[Ctx, authorized("droplet:delete")]
) -> Response:
    status = ctx.tenant.get(STATUS_KIND, droplet_id)
    if status is not None:
        return JSONBytes(status.json)
    # A droplet not (yet) destroyed: nothing requested, nothing destroyed.
    droplet = find_droplet(ctx, droplet_id)
    return raw(
        {
            "droplet": {"id": droplet.id, "name": droplet["name"]},
            "resources": {key: [] for key in ASSOCIATED_KEYS},
            "failures": 0,
        }
    )


@router.post("/v2/droplets/{droplet_id}/destroy_with_associated_resources/retry")
async def retry_destroy(
    droplet_id: str, ctx: Annotated[Ctx, authorized("droplet:delete")]
) -> Response:
    _require_destroy_scopes(ctx)
    status = ctx.tenant.get(STATUS_KIND, droplet_id)
    if status is None:
        find_droplet(ctx, droplet_id)
    elif "completed_at" not in status.data:
        raise Conflict()
    return Response(status_code=202)
