"""Snapshots: droplet and volume snapshots together, as `/v2/snapshots` shows them.

A droplet snapshot is one of the account's images of type `snapshot` (see
`images.py`), shown here in the `snapshots` shape: id as a string, the source
droplet as `resource_id`. A volume snapshot is a record of kind
`volume_snapshot`, stored in that shape already by the volumes family.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter
from starlette.responses import Response

from emulator.core.context import Ctx, authorized
from emulator.core.errors import BadRequest, NotFound
from emulator.core.pagination import PageDep
from emulator.core.responses import no_content, one, raw
from emulator.core.store import Record
from emulator.rest import images

router = APIRouter()

VOLUME_KIND = "volume_snapshot"


def _view(record: Record) -> dict[str, Any]:
    """A droplet snapshot in the `snapshots` shape; a volume snapshot as stored."""
    if record.kind == VOLUME_KIND:
        return record.data
    data = record.data
    return {
        "id": record.id,
        "name": data["name"],
        "created_at": data["created_at"],
        "regions": data["regions"],
        "min_disk_size": data["min_disk_size"],
        "size_gigabytes": data["size_gigabytes"],
        # A snapshot converted from a custom image has no droplet behind it.
        "resource_id": record.meta.get("droplet_id") or "",
        "resource_type": "droplet",
        "tags": data["tags"],
    }


def _find(ctx: Ctx, snapshot_id: str) -> Record:
    """A volume snapshot by UUID or a droplet snapshot by id.

    An image that is not a snapshot (a custom image, a backup, a public image)
    is the spec's 400 "the resource is not a snapshot".
    """
    volume_snapshot = ctx.tenant.get(VOLUME_KIND, snapshot_id)
    if volume_snapshot is not None:
        return volume_snapshot
    number = images.normal_id(snapshot_id)
    image = ctx.tenant.get(images.KIND, number)
    if image is None and number not in ctx.catalogue.images:
        raise NotFound()
    if image is None or image["type"] != "snapshot":
        raise BadRequest("the resource is not a snapshot")
    return image


@router.get("/v2/snapshots")
async def list_snapshots(
    ctx: Annotated[Ctx, authorized("snapshot:read")],
    page: PageDep,
    resource_type: Literal["droplet", "volume"] | None = None,
) -> Response:
    """Droplet snapshots, then volume snapshots, each in creation order."""
    found: list[Record] = []
    if resource_type != "volume":
        found = [
            i
            for i in ctx.tenant.collection(images.KIND).ordered()
            if i["type"] == "snapshot"
        ]
    if resource_type != "droplet":
        found += ctx.tenant.collection(VOLUME_KIND).ordered()
    # Only the page's droplet snapshots are reshaped, so a request costs per_page views.
    total = len(found)
    return raw(
        {
            "snapshots": [_view(record) for record in page.slice(found)],
            "links": page.links(total),
            "meta": {"total": total},
        }
    )


@router.get("/v2/snapshots/{snapshot_id}")
async def get_snapshot(
    snapshot_id: str,
    ctx: Annotated[Ctx, authorized("snapshot:read", "block_storage_snapshot:read")],
) -> Response:
    record = _find(ctx, snapshot_id)
    if record.kind == VOLUME_KIND:
        return one("snapshot", record)
    return raw({"snapshot": _view(record)})


@router.delete("/v2/snapshots/{snapshot_id}")
async def delete_snapshot(
    snapshot_id: str,
    ctx: Annotated[Ctx, authorized("snapshot:delete", "image:delete")],
) -> Response:
    record = _find(ctx, snapshot_id)
    if record.kind == VOLUME_KIND:
        ctx.tx.delete(record)
    else:
        images.delete_image(ctx, record)
    await ctx.commit()
    return no_content()
