"""Block Storage Actions: attach, detach and resize volumes, on the action clock.

A request checks everything at once (the droplet exists and is in the
volume's region, the volume is free, the droplet has room) and answers 202
with an in-progress action; `droplet_ids` on the volume and `volume_ids` on
the droplet change only when the action completes. A volume with an action
still running refuses another, as the real API does. By name
(`POST /v2/volumes/actions`) the volume is named by `volume_name` and
`region`; by id, `region` is optional but must be the volume's own.

The `tags` of an attach request are added to the volume's own at once.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, StrictStr
from starlette.responses import Response

from emulator.core import actions
from emulator.core.context import Ctx, authorized
from emulator.core.errors import NotFound, Unprocessable
from emulator.core.pagination import PageDep
from emulator.core.responses import one
from emulator.core.store import Record, Tx
from emulator.rest.droplets.records import find_droplet
from emulator.rest.tags import ensure_tags
from emulator.rest.volumes import KIND, MAX_SIZE_GIGABYTES, find_by_name, find_volume

router = APIRouter()

# "up to fifteen volumes may be attached to a Droplet at a time" (the spec).
MAX_VOLUMES_PER_DROPLET = 15
ACTION_TYPES = {
    "attach": "attach_volume",
    "detach": "detach_volume",
    "resize": "resize",
}
PENDING = "The volume already has a pending action; wait for it to complete."


class VolumeAction(BaseModel):
    type: Literal["attach", "detach", "resize"]
    droplet_id: int | None = None
    region: StrictStr | None = None
    size_gigabytes: int | None = None
    tags: list[StrictStr] | None = None


class VolumeActionByName(VolumeAction):
    volume_name: StrictStr | None = None


def _is_busy(ctx: Ctx, volume: Record) -> bool:
    action_id = volume.meta.get("action_id")
    action = ctx.tenant.get(actions.KIND, action_id) if action_id else None
    return action is not None and action["status"] == "in-progress"


def _attached_to(ctx: Ctx, droplet_id: int) -> int:
    """Volumes on the droplet, counting those whose attach is still running."""
    return sum(
        1
        for v in ctx.tenant.collection(KIND)
        if droplet_id in v["droplet_ids"] or v.meta.get("attaching") == droplet_id
    )


def _droplet(ctx: Ctx, body: VolumeAction) -> Record:
    if body.droplet_id is None:
        raise Unprocessable(f"droplet_id is required to {body.type} a volume")
    return find_droplet(ctx, body.droplet_id)


def _check_attach(ctx: Ctx, volume: Record, body: VolumeAction) -> dict[str, Any]:
    droplet = _droplet(ctx, body)
    if droplet["region"]["slug"] != volume["region"]["slug"]:
        raise Unprocessable(
            "The volume and the Droplet must be in the same region to attach."
        )
    if volume["droplet_ids"]:
        raise Unprocessable("The volume is already attached to a Droplet.")
    if _attached_to(ctx, droplet["id"]) >= MAX_VOLUMES_PER_DROPLET:
        raise Unprocessable(
            f"A Droplet can have at most {MAX_VOLUMES_PER_DROPLET} volumes attached."
        )
    if body.tags:
        added = ensure_tags(ctx, body.tags)
        ctx.tx.update(volume, tags=list(dict.fromkeys([*volume["tags"], *added])))
    ctx.tx.update_meta(volume, attaching=droplet["id"])
    return {"droplet_id": droplet["id"]}


def _check_detach(ctx: Ctx, volume: Record, body: VolumeAction) -> dict[str, Any]:
    droplet = _droplet(ctx, body)
    if droplet["id"] not in volume["droplet_ids"]:
        raise Unprocessable("Attachment not found")
    return {"droplet_id": droplet["id"]}


def _check_resize(ctx: Ctx, volume: Record, body: VolumeAction) -> dict[str, Any]:
    size = body.size_gigabytes
    if size is None:
        raise Unprocessable("size_gigabytes is required to resize a volume")
    if size <= volume["size_gigabytes"]:
        raise Unprocessable(
            f"Volumes can only be resized upwards: size_gigabytes must exceed {volume['size_gigabytes']}."
        )
    if size > MAX_SIZE_GIGABYTES:
        raise Unprocessable(f"size_gigabytes may be at most {MAX_SIZE_GIGABYTES}.")
    return {"size_gigabytes": size}


CHECKS = {"attach": _check_attach, "detach": _check_detach, "resize": _check_resize}


def start(ctx: Ctx, volume: Record, body: VolumeAction) -> Record:
    """Check the request against the volume and buffer its action."""
    if body.region is not None and body.region != volume["region"]["slug"]:
        raise Unprocessable(f"The volume is not in region {body.region}.")
    if _is_busy(ctx, volume):
        raise Unprocessable(PENDING)
    args = CHECKS[body.type](ctx, volume, body)
    action = actions.start(
        ctx,
        ACTION_TYPES[body.type],
        resource_type="volume",
        resource_id=None,  # a volume's id is a UUID; the API leaves it out
        region=volume["region"],
        effect=f"volume.{body.type}",
        volume_id=volume.id,
        **args,
    )
    ctx.tx.update_meta(volume, action_id=action.id)
    return action


@actions.effect("volume.attach")
def _attach(tx: Tx, action: Record, volume_id: str, droplet_id: int) -> None:
    volume = tx.tenant.get(KIND, volume_id)
    droplet = tx.tenant.get("droplet", droplet_id)
    if volume is None:
        return
    tx.update_meta(volume, attaching=None)
    if droplet is None:
        tx.update(action, status="errored")
        return
    tx.update(volume, droplet_ids=[droplet_id])
    tx.update(droplet, volume_ids=[*droplet["volume_ids"], volume_id])


@actions.effect("volume.detach")
def _detach(tx: Tx, action: Record, volume_id: str, droplet_id: int) -> None:
    volume = tx.tenant.get(KIND, volume_id)
    if volume is not None:
        tx.update(
            volume, droplet_ids=[d for d in volume["droplet_ids"] if d != droplet_id]
        )
    droplet = tx.tenant.get("droplet", droplet_id)
    if droplet is not None:
        tx.update(
            droplet, volume_ids=[v for v in droplet["volume_ids"] if v != volume_id]
        )


@actions.effect("volume.resize")
def _resize(tx: Tx, action: Record, volume_id: str, size_gigabytes: int) -> None:
    volume = tx.tenant.get(KIND, volume_id)
    if volume is not None:
        tx.update(volume, size_gigabytes=size_gigabytes)


def _history(ctx: Ctx, volume: Record) -> list[Record]:
    return [
        a
        for a in ctx.tenant.collection(actions.KIND).ordered()
        if a["resource_type"] == "volume"
        and a.meta.get("args", {}).get("volume_id") == volume.id
    ]


@router.post("/v2/volumes/actions", status_code=202)
async def post_volume_action_by_name(
    ctx: Annotated[Ctx, authorized("block_storage_action:create", "api:write")],
    body: VolumeActionByName,
) -> Response:
    if not body.volume_name or not body.region:
        raise Unprocessable(
            "volume_name and region are required to act on a volume by name"
        )
    volume = find_by_name(ctx, body.volume_name, body.region)
    if volume is None:
        raise NotFound()
    action = start(ctx, volume, body)
    await ctx.commit()
    return one("action", action, status=202)


@router.get("/v2/volumes/{volume_id}/actions")
async def list_volume_actions(
    ctx: Annotated[Ctx, authorized("block_storage_action:read")],
    volume_id: str,
    page: PageDep,
) -> Response:
    return page.respond("actions", _history(ctx, find_volume(ctx, volume_id)))


@router.post("/v2/volumes/{volume_id}/actions", status_code=202)
async def post_volume_action(
    ctx: Annotated[Ctx, authorized("block_storage_action:create", "api:write")],
    volume_id: str,
    body: VolumeAction,
) -> Response:
    action = start(ctx, find_volume(ctx, volume_id), body)
    await ctx.commit()
    return one("action", action, status=202)


@router.get("/v2/volumes/{volume_id}/actions/{action_id}")
async def get_volume_action(
    ctx: Annotated[Ctx, authorized("block_storage_action:read")],
    volume_id: str,
    action_id: str,
) -> Response:
    volume = find_volume(ctx, volume_id)
    action = ctx.tenant.get(actions.KIND, action_id)
    if action is None or action.meta.get("args", {}).get("volume_id") != volume.id:
        raise NotFound()
    return one("action", action)
