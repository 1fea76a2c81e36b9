"""Droplet Actions: power, backups, resize, rebuild, snapshots and the rest.

Each type has a check, run when the action is requested (it may refuse with
the real API's 422, reserve what the action needs, and returns the arguments
its effect is stored with), and an effect, run when the action completes and
the only place the droplet's state changes. `resize`, `snapshot`, `rebuild`
and `restore` lock the droplet while they run. A droplet whose latest action
is still in progress refuses new ones, as the real API does.

Not emulated, though accepted: `password_reset` changes nothing (no password
is kept) and `enable_private_networking` is a no-op (every droplet is in a VPC).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter
from starlette.responses import Response

from emulator.core import actions
from emulator.core.context import Ctx, authorized
from emulator.core.errors import NotFound, Unprocessable
from emulator.core.pagination import PageDep
from emulator.core.responses import many, one
from emulator.core.store import Record, Tx
from emulator.rest import images
from emulator.rest.droplets import networks
from emulator.rest.droplets.backups import full_policy, next_window
from emulator.rest.droplets.models import DropletAction, check_name
from emulator.rest.droplets.provisioning import (
    IMAGE_NOT_IN_REGION,
    SIZE_NOT_IN_REGION,
    disk_info,
    ordered_features,
)
from emulator.rest.droplets.records import (
    KIND,
    check_idle,
    find_droplet,
    has_tag,
    is_gpu,
)

router = APIRouter()

TYPES = frozenset(
    {
        "enable_backups",
        "disable_backups",
        "change_backup_policy",
        "reboot",
        "power_cycle",
        "shutdown",
        "power_off",
        "power_on",
        "restore",
        "password_reset",
        "resize",
        "rebuild",
        "rename",
        "change_kernel",
        "enable_ipv6",
        "enable_private_networking",
        "snapshot",
    }
)
BULK_TYPES = frozenset(
    {
        "power_cycle",
        "power_on",
        "power_off",
        "shutdown",
        "enable_ipv6",
        "enable_backups",
        "disable_backups",
        "snapshot",
    }
)
# Scopes needed beyond droplet:update, from the spec's table of action types.
EXTRA_SCOPES = {
    "restore": "droplet:admin",
    "password_reset": "droplet:admin",
    "rebuild": "droplet:admin",
    "resize": "droplet:create",
    "snapshot": "image:create",
}
LOCKING = frozenset({"resize", "snapshot", "rebuild", "restore"})
POWERED_ON_MESSAGE = "Droplet is currently on. Please power it off to run this event."
SHRINK_MESSAGE = "Size can not decrease size of Droplet's disk image"

Check = Callable[[Ctx, Record, DropletAction], dict[str, Any]]
Apply = Callable[..., None]
_CHECKS: dict[str, Check] = {}


def _checks(*types: str) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        for type_ in types:
            _CHECKS[type_] = check
        return check

    return register


def _applies(*types: str) -> Callable[[Apply], Apply]:
    """Register `apply(tx, droplet, action, **args)` as the effect of each type."""

    def register(apply: Apply) -> Apply:
        def effect(tx: Tx, action: Record, droplet_id: str, **args: Any) -> None:
            droplet = tx.tenant.get(KIND, droplet_id)
            if droplet is not None:  # destroyed meanwhile
                apply(tx, droplet, action, **args)

        for type_ in types:
            actions.effect(f"droplet.{type_}")(effect)
        return apply

    return register


def check_known(body: DropletAction) -> None:
    if body.type not in TYPES:
        raise Unprocessable(f"'{body.type}' is not a valid Droplet action type.")


def check_type(ctx: Ctx, body: DropletAction, allowed: frozenset[str]) -> None:
    check_known(body)
    if body.type not in allowed:
        raise Unprocessable(f"'{body.type}' can not be applied to Droplets by tag.")
    extra = EXTRA_SCOPES.get(body.type)
    if extra:
        ctx.require(extra)


def start(ctx: Ctx, droplet: Record, body: DropletAction) -> Record:
    """Check and buffer one action on `droplet`; return the in-progress action."""
    check_idle(ctx, droplet)
    check = _CHECKS.get(body.type)
    args = check(ctx, droplet, body) if check else {}
    action = actions.start(
        ctx,
        body.type,
        resource_type="droplet",
        resource_id=droplet["id"],
        region=droplet["region"],
        effect=f"droplet.{body.type}",
        droplet_id=droplet.id,
        **args,
    )
    history = [*droplet.meta.get("action_ids", []), action["id"]]
    ctx.tx.update_meta(droplet, action_ids=history, action_id=action.id)
    if body.type in LOCKING:
        ctx.tx.update(droplet, locked=True)
    return action


@_checks("enable_backups")
def _check_enable_backups(
    ctx: Ctx, droplet: Record, body: DropletAction
) -> dict[str, Any]:
    return {"policy": full_policy(body.backup_policy)}


@_checks("change_backup_policy")
def _check_backup_policy(
    ctx: Ctx, droplet: Record, body: DropletAction
) -> dict[str, Any]:
    if body.backup_policy is None:
        raise Unprocessable("backup_policy is required to change the backup policy.")
    if not droplet.meta.get("backups"):
        raise Unprocessable("Backups are not enabled for this Droplet.")
    return {
        "policy": full_policy(body.backup_policy, droplet.meta.get("backup_policy"))
    }


@_checks("restore")
def _check_restore(ctx: Ctx, droplet: Record, body: DropletAction) -> dict[str, Any]:
    if body.image is None:
        raise Unprocessable("image is required to restore a Droplet.")
    image = ctx.tenant.get(images.KIND, images.normal_id(body.image))
    if (
        image is None
        or image.data.get("type") not in ("backup", "snapshot")
        or str(image.meta.get("droplet_id")) != droplet.id
    ):
        raise Unprocessable("The image must be a backup or snapshot of this Droplet.")
    return {}


@_checks("resize")
def _check_resize(ctx: Ctx, droplet: Record, body: DropletAction) -> dict[str, Any]:
    if body.size is None:
        raise Unprocessable("size is required to resize a Droplet.")
    size = ctx.catalogue.size(body.size)
    if size is None:
        raise Unprocessable("You specified an invalid size for Droplet resize.")
    if not size["available"] or size["slug"] not in droplet["region"]["sizes"]:
        raise Unprocessable(SIZE_NOT_IN_REGION)
    if ("gpu_info" in size) != is_gpu(droplet):
        raise Unprocessable(
            "A Droplet can not be resized between GPU and non-GPU sizes."
        )
    if droplet["status"] != "off":
        raise Unprocessable(POWERED_ON_MESSAGE)
    if size["disk"] < droplet["disk"]:
        raise Unprocessable(SHRINK_MESSAGE)
    return {"size": size, "disk": body.disk}


@_checks("rebuild")
def _check_rebuild(ctx: Ctx, droplet: Record, body: DropletAction) -> dict[str, Any]:
    if body.image is None:
        raise Unprocessable("image is required to rebuild a Droplet.")
    image = images.find_image(ctx, body.image)
    if droplet["region"]["slug"] not in (image.data.get("regions") or []):
        raise Unprocessable(IMAGE_NOT_IN_REGION)
    if (image.data.get("min_disk_size") or 0) > droplet["disk"]:
        raise Unprocessable("The image requires a larger disk than this Droplet has.")
    return {"image": image.data}


@_checks("rename")
def _check_rename(ctx: Ctx, droplet: Record, body: DropletAction) -> dict[str, Any]:
    if body.name is None:
        raise Unprocessable("name is required to rename a Droplet.")
    return {"name": check_name(body.name)}


@_checks("change_kernel")
def _check_kernel(ctx: Ctx, droplet: Record, body: DropletAction) -> dict[str, Any]:
    if body.kernel is None:
        raise Unprocessable("kernel is required to change a Droplet's kernel.")
    kernel = ctx.catalogue.kernels.get(str(body.kernel))
    if kernel is None:
        raise Unprocessable(f"Kernel {body.kernel} could not be found.")
    return {"kernel": kernel.data}


@_checks("enable_ipv6")
def _check_ipv6(ctx: Ctx, droplet: Record, body: DropletAction) -> dict[str, Any]:
    if not droplet.meta.get("public_networking", True):
        raise Unprocessable(
            "IPv6 can not be enabled on a Droplet without public networking."
        )
    addresses = droplet.meta["addresses"]
    if not addresses.get("public_v6"):
        # Reserved now so the address is fixed by the request, like every other.
        ctx.tx.update_meta(
            droplet, addresses={**addresses, "public_v6": networks.public_v6(ctx)}
        )
    return {}


@_checks("snapshot")
def _check_snapshot(ctx: Ctx, droplet: Record, body: DropletAction) -> dict[str, Any]:
    name = body.name or f"{droplet['name']}-{int(ctx.clock.now() * 1000)}"
    return {"name": name}


@_applies("enable_backups")
def _enable_backups(
    tx: Tx, droplet: Record, action: Record, policy: dict[str, Any]
) -> None:
    features = ordered_features({*droplet["features"], "backups"})
    window = next_window(policy, action.meta["due"])
    tx.update(droplet, features=features, next_backup_window=window)
    tx.update_meta(droplet, backups=True, backup_policy=policy)


@_applies("disable_backups")
def _disable_backups(tx: Tx, droplet: Record, action: Record) -> None:
    features = [feature for feature in droplet["features"] if feature != "backups"]
    tx.update(droplet, features=features, next_backup_window=None)
    tx.update_meta(droplet, backups=False, backup_policy=None)


@_applies("change_backup_policy")
def _change_backup_policy(
    tx: Tx, droplet: Record, action: Record, policy: dict[str, Any]
) -> None:
    tx.update(droplet, next_backup_window=next_window(policy, action.meta["due"]))
    tx.update_meta(droplet, backup_policy=policy)


@_applies("reboot", "power_cycle", "power_on")
def _power_on(tx: Tx, droplet: Record, action: Record) -> None:
    tx.update(droplet, status="active")


@_applies("shutdown", "power_off")
def _power_off(tx: Tx, droplet: Record, action: Record) -> None:
    tx.update(droplet, status="off")


@_applies("password_reset")
def _password_reset(tx: Tx, droplet: Record, action: Record) -> None:
    """The real API mails a new root password; there is nothing to change here."""


@_applies("enable_private_networking")
def _private_networking(tx: Tx, droplet: Record, action: Record) -> None:
    tx.update(
        droplet, features=ordered_features({*droplet["features"], "private_networking"})
    )


@_applies("restore")
def _restore(tx: Tx, droplet: Record, action: Record) -> None:
    tx.update(droplet, status="active", locked=False)


@_applies("resize")
def _resize(
    tx: Tx, droplet: Record, action: Record, size: dict[str, Any], disk: bool
) -> None:
    # Without `disk` the resize is flexible: CPU and memory change, the disk stays.
    new_disk = size["disk"] if disk else droplet["disk"]
    changes: dict[str, Any] = {
        "size": size,
        "size_slug": size["slug"],
        "memory": size["memory"],
        "vcpus": size["vcpus"],
        "disk": new_disk,
        "disk_info": disk_info(size, new_disk),
        "locked": False,
    }
    if "gpu_info" in size:
        changes["gpu_info"] = size["gpu_info"]
    tx.update(droplet, changes)


@_applies("rebuild")
def _rebuild(tx: Tx, droplet: Record, action: Record, image: dict[str, Any]) -> None:
    tx.update(droplet, image=image, status="active", locked=False)


@_applies("rename")
def _rename(tx: Tx, droplet: Record, action: Record, name: str) -> None:
    tx.update(droplet, name=name)


@_applies("change_kernel")
def _change_kernel(
    tx: Tx, droplet: Record, action: Record, kernel: dict[str, Any]
) -> None:
    tx.update(droplet, kernel=kernel)


@_applies("enable_ipv6")
def _enable_ipv6(tx: Tx, droplet: Record, action: Record) -> None:
    features = ordered_features({*droplet["features"], "ipv6"})
    tx.update(
        droplet,
        features=features,
        networks=networks.networks(droplet.meta["addresses"]),
    )


@_applies("snapshot")
def _snapshot(tx: Tx, droplet: Record, action: Record, name: str) -> None:
    # The images family adds the snapshot to the droplet's `snapshot_ids`.
    images.create_snapshot_image(tx, droplet, name, created_at=action["started_at"])
    tx.update(droplet, locked=False)


@router.post("/v2/droplets/actions", status_code=201)
async def post_actions_by_tag(
    body: DropletAction,
    ctx: Annotated[Ctx, authorized("droplet:update")],
    tag_name: str | None = None,
) -> Response:
    """The same action on every droplet with the tag.

    All or nothing: one droplet that cannot take the action (busy, locked)
    refuses the request. Without `tag_name` no droplet is chosen and the answer
    is an empty list for any known type: the real API's answer is not documented.
    """
    check_known(body)
    if not tag_name:
        return many("actions", [], status=201)
    ctx.require("tag:read")
    check_type(ctx, body, BULK_TYPES)
    tagged = [d for d in ctx.tenant.collection(KIND).ordered() if has_tag(d, tag_name)]
    started = [start(ctx, droplet, body) for droplet in tagged]
    await ctx.commit()
    return many("actions", started, status=201)


@router.get("/v2/droplets/{droplet_id}/actions")
async def list_droplet_actions(
    droplet_id: str, ctx: Annotated[Ctx, authorized("droplet:read")], page: PageDep
) -> Response:
    """The droplet's actions, newest first."""
    droplet = find_droplet(ctx, droplet_id)
    history = reversed(droplet.meta.get("action_ids", []))
    found = [a for a in (ctx.tenant.get("action", i) for i in history) if a is not None]
    return page.respond("actions", found)


@router.post("/v2/droplets/{droplet_id}/actions", status_code=201)
async def post_droplet_action(
    droplet_id: str,
    body: DropletAction,
    ctx: Annotated[Ctx, authorized("droplet:update")],
) -> Response:
    check_type(ctx, body, TYPES)
    action = start(ctx, find_droplet(ctx, droplet_id), body)
    await ctx.commit()
    return one("action", action, status=201)


@router.get("/v2/droplets/{droplet_id}/actions/{action_id}")
async def get_droplet_action(
    droplet_id: str, action_id: str, ctx: Annotated[Ctx, authorized("droplet:read")]
) -> Response:
    droplet = find_droplet(ctx, droplet_id)
    if not action_id.isdigit() or int(action_id) not in droplet.meta.get(
        "action_ids", []
    ):
        raise NotFound()
    action = ctx.tenant.get("action", action_id)
    if action is None:
        raise NotFound()
    return one("action", action)
