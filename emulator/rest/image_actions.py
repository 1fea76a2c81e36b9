"""Image Actions: `transfer` an image to another region, `convert` one to a snapshot.

Only the account's own images take actions: a public image (or another
account's) is a 404 here, the one error the spec documents for these routes.
Both actions run on the shared action clock; their effect lands when the
action completes.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.responses import Response

from emulator.core import actions
from emulator.core.context import Ctx, authorized
from emulator.core.errors import NotFound, Unprocessable
from emulator.core.pagination import PageDep
from emulator.core.responses import one
from emulator.core.store import Record, Tx
from emulator.rest.images import KIND, own_image

router = APIRouter()


class ImageAction(BaseModel):
    type: Literal["convert", "transfer"]
    region: str | None = None


def _region_of(ctx: Ctx, image: Record) -> dict[str, Any] | None:
    """Where the image lives now; the spec's transfer example reports this region."""
    regions = image["regions"] or []
    return ctx.catalogue.region(regions[0]) if regions else None


def _transfer(ctx: Ctx, image: Record, slug: str | None) -> Record:
    if not slug:
        raise Unprocessable("region is required to transfer an image")
    target = ctx.catalogue.region(slug)
    if target is None or not target["available"]:
        raise Unprocessable(f"region {slug} is not available")
    if slug in (image["regions"] or []):
        raise Unprocessable(f"the image is already available in {slug}")
    return actions.start(
        ctx,
        "transfer",
        resource_type="image",
        resource_id=image.id,
        region=_region_of(ctx, image) or target,
        effect="image.transfer",
        image_id=image.id,
        region_slug=slug,
    )


def _convert(ctx: Ctx, image: Record) -> Record:
    """Turn a backup (or a custom image) into a snapshot.

    The spec describes converting "an image, for example, a backup"; custom
    images are accepted too, snapshots refused.
    """
    if image["type"] == "snapshot":
        raise Unprocessable("the image is already a snapshot")
    return actions.start(
        ctx,
        "convert",
        resource_type="image",
        resource_id=image.id,
        region=_region_of(ctx, image),
        effect="image.convert",
        image_id=image.id,
    )


@actions.effect("image.transfer")
def _transferred(tx: Tx, action: Record, image_id: str, region_slug: str) -> None:
    image = tx.tenant.get(KIND, image_id)
    if image is None or region_slug in image["regions"]:
        return
    tx.update(image, regions=[*image["regions"], region_slug])


@actions.effect("image.convert")
def _converted(tx: Tx, action: Record, image_id: str) -> None:
    image = tx.tenant.get(KIND, image_id)
    if image is None or image["type"] == "snapshot":
        return
    tx.update(image, type="snapshot")
    # A converted backup moves from the droplet's backups to its snapshots.
    droplet_id = image.meta.get("droplet_id")
    droplet = tx.tenant.get("droplet", droplet_id) if droplet_id else None
    if droplet is None:
        return
    number = int(image.id)
    backups = [i for i in droplet.data.get("backup_ids") or [] if i != number]
    snapshots = [i for i in droplet.data.get("snapshot_ids") or [] if i != number]
    tx.update(droplet, backup_ids=backups, snapshot_ids=[*snapshots, number])


@router.get("/v2/images/{image_id}/actions")
async def list_image_actions(
    image_id: str, ctx: Annotated[Ctx, authorized("image:read")], page: PageDep
) -> Response:
    image = own_image(ctx, image_id)
    number = int(image.id)
    found = [
        action
        for action in ctx.tenant.collection(actions.KIND).ordered()
        if action["resource_type"] == "image" and action["resource_id"] == number
    ]
    return page.respond("actions", found)


@router.post("/v2/images/{image_id}/actions", status_code=201)
async def post_image_action(
    image_id: str, body: ImageAction, ctx: Annotated[Ctx, authorized("image:update")]
) -> Response:
    image = own_image(ctx, image_id)
    if image["status"] != "available":
        raise Unprocessable(
            "the image is not available yet; wait until its import completes"
        )

    if body.type == "transfer":
        action = _transfer(ctx, image, body.region)
    else:
        action = _convert(ctx, image)
    await ctx.commit()
    return one("action", action, status=201)


@router.get("/v2/images/{image_id}/actions/{action_id}")
async def get_image_action(
    image_id: str, action_id: str, ctx: Annotated[Ctx, authorized("image:read")]
) -> Response:
    image = own_image(ctx, image_id)
    action = ctx.tenant.get(actions.KIND, action_id)
    if (
        action is None
        or action["resource_type"] != "image"
        or action["resource_id"] != int(image.id)
    ):
        raise NotFound()
    return one("action", action)
