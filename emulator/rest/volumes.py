"""Block Storage: `/v2/volumes`, volumes and their snapshots.

A volume (kind `volume`) lives in one region; its name is unique there, so
name and region together name it (list filters, delete by name, actions by
name). `droplet_ids` changes only when an attach or detach action completes
(see `volume_actions.py`); a deleted droplet lets go of its volumes in
`droplets/destroy.py`. A volume snapshot is a record of kind `volume_snapshot`
in the `snapshots` shape, which `/v2/snapshots` also lists.

Not emulated: a snapshot holds no data, so its `size_gigabytes` is 0 (the real
API shows the space the data takes) and a volume made from it starts empty.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, Field, StrictStr
from starlette.responses import Response

from emulator.core import engine, resources
from emulator.core.context import Ctx, authorized
from emulator.core.engine import Family, Scopes, mount
from emulator.core.errors import BadRequest, Conflict, NotFound, Unprocessable
from emulator.core.pagination import PageDep
from emulator.core.responses import no_content, one
from emulator.core.store import Record
from emulator.rest import projects
from emulator.rest.account import VOLUME_LIMIT
from emulator.rest.tags import ensure_tags

router = APIRouter()

KIND = "volume"
SNAPSHOT_KIND = "volume_snapshot"
MAX_SIZE_GIGABYTES = 16 * 1024  # "The maximum size for a volume is 16TiB."
# The spec's own examples ("xfs_example") use underscores, so they pass too.
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
LABEL_LIMITS = {"ext4": 16, "xfs": 12}
ATTACHED = "A volume that's attached to a Droplet cannot be deleted. Please detach it first before deleting."


class VolumeCreate(BaseModel):
    name: StrictStr
    size_gigabytes: int
    region: StrictStr
    description: StrictStr = ""
    snapshot_id: StrictStr | None = None
    filesystem_type: StrictStr | None = None
    filesystem_label: StrictStr | None = None
    tags: list[StrictStr] | None = None


class SnapshotCreate(BaseModel):
    name: StrictStr = Field(min_length=1)
    tags: list[StrictStr] | None = None


def find_volume(ctx: Ctx, volume_id: str) -> Record:
    return resources.find(ctx, KIND, volume_id)


def find_by_name(ctx: Ctx, name: str, region: str) -> Record | None:
    return resources.find_by(
        ctx, KIND, lambda v: v["name"] == name and v["region"]["slug"] == region
    )


def _region(ctx: Ctx, slug: str) -> dict[str, Any]:
    region = ctx.catalogue.region(slug)
    if region is None or not region["available"]:
        raise Unprocessable(f"Region {slug} is not available.")
    if "storage" not in region["features"]:
        raise Unprocessable(f"Block storage is not available in region {slug}.")
    return region


def _check(ctx: Ctx, body: VolumeCreate | None, volume: Record | None) -> None:
    """Refuse a create (body) or a delete (no body) before anything changes."""
    if body is None:
        if volume is not None and volume["droplet_ids"]:
            raise Conflict(ATTACHED)
        return
    if len(ctx.tenant.collection(KIND)) >= VOLUME_LIMIT:
        raise Unprocessable(
            f"You have reached the limit of {VOLUME_LIMIT} volumes for your account."
        )
    if not NAME_PATTERN.match(body.name):
        raise Unprocessable(
            "name must be lowercase, begin with a letter and contain only letters, numbers and '-', up to 64 characters"
        )
    if not 1 <= body.size_gigabytes <= MAX_SIZE_GIGABYTES:
        raise Unprocessable(
            f"size_gigabytes must be between 1 and {MAX_SIZE_GIGABYTES}"
        )
    _region(ctx, body.region)
    if find_by_name(ctx, body.name, body.region) is not None:
        raise Conflict(
            f"a volume named {body.name} already exists in region {body.region}"
        )
    kind = body.filesystem_type
    if kind and kind not in LABEL_LIMITS:
        raise Unprocessable("filesystem_type must be one of: ext4, xfs")
    label = body.filesystem_label or ""
    if label and len(label) > LABEL_LIMITS.get(kind or "ext4", 16):
        raise Unprocessable(
            f"filesystem_label may have at most {LABEL_LIMITS.get(kind or 'ext4')} characters for {kind or 'ext4'}"
        )
    if body.snapshot_id is not None:
        _check_source(ctx, body)


def _check_source(ctx: Ctx, body: VolumeCreate) -> None:
    snapshot = ctx.tenant.get(SNAPSHOT_KIND, body.snapshot_id or "")
    if snapshot is None:
        raise Unprocessable(f"snapshot {body.snapshot_id} not found")
    if body.region not in snapshot["regions"]:
        raise Unprocessable("The snapshot is not available in the volume's region.")
    if body.size_gigabytes < snapshot["min_disk_size"]:
        raise Unprocessable(
            f"size_gigabytes must be at least {snapshot['min_disk_size']}, the size of the snapshot's volume"
        )


def _build(ctx: Ctx, body: VolumeCreate, volume_id: str | int) -> dict[str, Any]:
    return {
        "id": volume_id,
        "region": ctx.catalogue.region(body.region),
        "droplet_ids": [],
        "name": body.name,
        "description": body.description,
        "size_gigabytes": body.size_gigabytes,
        "created_at": resources.now(ctx),
        "filesystem_type": body.filesystem_type or "",
        "filesystem_label": body.filesystem_label or "",
        "tags": ensure_tags(ctx, body.tags or []),
    }


def _joined(ctx: Ctx, volume: Record) -> None:
    projects.assign_default(ctx, resources.urn(KIND, volume.id))


def _remove(ctx: Ctx, volume: Record) -> None:
    """Deleting a volume also forgets it in its project; its snapshots stay."""
    projects.unassign(ctx, resources.urn(KIND, volume.id))


VOLUMES = Family(
    kind=KIND,
    singular="volume",
    plural="volumes",
    path="/v2/volumes",
    id_param="volume_id",
    scopes=Scopes(
        read=("block_storage:read", "api:read", "api:write"),
        create=("block_storage:create", "api:write"),
        delete="block_storage:delete",
    ),
    create_model=VolumeCreate,
    build=_build,
    check=_check,
    on_create=_joined,
    on_delete=_remove,
    filters=("name",),
    verbs=("create", "get", "delete"),
)


@router.get("/v2/volumes")
async def list_volumes(
    ctx: Annotated[Ctx, authorized(*VOLUMES.scopes.of("read"))], page: PageDep
) -> Response:
    volumes = VOLUMES.records(ctx)
    region = ctx.query("region")
    if region is not None:
        volumes = [v for v in volumes if v["region"]["slug"] == region]
    return page.respond("volumes", volumes)


@router.delete("/v2/volumes")
async def delete_volume_by_name(
    ctx: Annotated[Ctx, authorized("block_storage:delete", "api:write")],
) -> Response:
    name, region = ctx.query("name"), ctx.query("region")
    if not name or not region:
        raise BadRequest("name and region are required to delete a volume by name")
    volume = find_by_name(ctx, name, region)
    if volume is None:
        raise NotFound()
    engine.delete(ctx, VOLUMES, volume)
    await ctx.commit()
    return no_content()


@router.get("/v2/volumes/snapshots/{snapshot_id}")
async def get_volume_snapshot(
    ctx: Annotated[Ctx, authorized("block_storage_snapshot:read")], snapshot_id: str
) -> Response:
    return one("snapshot", resources.find(ctx, SNAPSHOT_KIND, snapshot_id))


@router.delete("/v2/volumes/snapshots/{snapshot_id}")
async def delete_volume_snapshot(
    ctx: Annotated[Ctx, authorized("block_storage_snapshot:delete")], snapshot_id: str
) -> Response:
    ctx.tx.delete(resources.find(ctx, SNAPSHOT_KIND, snapshot_id))
    await ctx.commit()
    return no_content()


@router.get("/v2/volumes/{volume_id}/snapshots")
async def list_volume_snapshots(
    ctx: Annotated[Ctx, authorized("block_storage_snapshot:read")],
    volume_id: str,
    page: PageDep,
) -> Response:
    volume = find_volume(ctx, volume_id)
    taken = [
        s
        for s in ctx.tenant.collection(SNAPSHOT_KIND).ordered()
        if s["resource_id"] == volume.id
    ]
    return page.respond("snapshots", taken)


@router.post("/v2/volumes/{volume_id}/snapshots", status_code=201)
async def create_volume_snapshot(
    ctx: Annotated[Ctx, authorized("block_storage_snapshot:create")],
    volume_id: str,
    body: SnapshotCreate,
) -> Response:
    volume = find_volume(ctx, volume_id)
    tags = ensure_tags(ctx, body.tags or [])

    snapshot_id = resources.new_uuid()
    data = {
        "id": snapshot_id,
        "name": body.name,
        "created_at": resources.now(ctx),
        "regions": [volume["region"]["slug"]],
        "min_disk_size": volume["size_gigabytes"],
        "size_gigabytes": 0,
        "resource_id": volume.id,
        "resource_type": "volume",
        "tags": tags,
    }
    record = resources.create(ctx, SNAPSHOT_KIND, snapshot_id, data)
    await ctx.commit()
    return one("snapshot", record, status=201)


mount(router, VOLUMES)
