"""Finding droplets and what belongs to them, for every module of the family.

A droplet's `meta` holds what the API does not show: `user_data`, `ssh_keys`,
`addresses` and `macs` (for the metadata service), the backup settings, the
ids of its actions (`action_ids`, oldest first) and its latest action
(`action_id`), whose state says whether the droplet is busy.
"""

from __future__ import annotations

from emulator.core.context import Ctx
from emulator.core.errors import NotFound, Unprocessable
from emulator.core.store import Record
from emulator.rest import images

KIND = "droplet"
PENDING_MESSAGE = "Droplet already has a pending event."


def find_droplet(ctx: Ctx, droplet_id: str | int) -> Record:
    """The tenant's droplet, or 404; an id that is not a number names no droplet."""
    if isinstance(droplet_id, str) and not droplet_id.isdigit():
        raise NotFound()
    found = ctx.tenant.get(KIND, int(droplet_id))
    if found is None:
        raise NotFound()
    return found


def is_gpu(droplet: Record) -> bool:
    return "gpu_info" in droplet.data


def is_busy(ctx: Ctx, droplet: Record) -> bool:
    """Whether the droplet's latest action is still in progress."""
    latest = droplet.meta.get("action_id")
    action = ctx.tenant.get("action", latest) if latest is not None else None
    return action is not None and action["status"] == "in-progress"


def check_idle(ctx: Ctx, droplet: Record) -> None:
    """The real API refuses a new event while one runs (clients must wait for it)."""
    if is_busy(ctx, droplet):
        raise Unprocessable(PENDING_MESSAGE)


def owned_images(ctx: Ctx, droplet: Record, image_type: str) -> list[Record]:
    """The tenant's images of `image_type` ("snapshot", "backup") taken of the droplet."""
    return images.droplet_images(ctx.tenant, droplet.id, image_type)


def has_tag(droplet: Record, tag_name: str) -> bool:
    """Tag names match whatever their case, as the tags API treats them."""
    wanted = tag_name.casefold()
    return any(tag.casefold() == wanted for tag in droplet["tags"])
