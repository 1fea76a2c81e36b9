"""Creating droplets: checking a create request, then building what it asks for.

`plan` checks the whole request before anything is written (a refused request
leaves nothing behind, not even a tag or a default VPC); `build` then buffers
each droplet with its `create` action. A droplet is `new` with empty networks
until that action completes; the `droplet.create` effect makes it `active`,
shows its addresses and attaches the requested volumes.

Error messages are the real API's where they are known. No machine boots, so
`user_data` and the `ssh_keys` found are kept for the metadata service, never
used, and `monitoring` and `with_droplet_agent` only set features.

References to objects the account does not have: in strict auth mode, `ssh_keys`
and a `vpc_uuid` that name none of the account's are refused, as DigitalOcean
refuses them. In permissive mode, where any token is an account conjured on
first use and so cannot hold the keys and VPCs a client was written against
(the spec's own create example names both), unknown keys are left out and an
unknown VPC is replaced by the region's default one, with a warning in the log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from emulator.core import actions, resources
from emulator.core.context import Ctx
from emulator.core.errors import Unprocessable
from emulator.core.store import Record, Tx
from emulator.rest import images, projects, ssh_keys, tags, vpcs
from emulator.rest.droplets import networks
from emulator.rest.droplets.backups import full_policy, next_window
from emulator.rest.droplets.models import DropletCreate, check_name
from emulator.rest.droplets.records import KIND

log = logging.getLogger(__name__)

ID_START = 400_000_000
MAX_NAMES = 10
USER_DATA_LIMIT = 64 * 1024
FEATURE_ORDER = ("backups", "private_networking", "ipv6", "monitoring", "droplet_agent")

LIMIT_MESSAGE = "creating this/these droplet(s) will exceed your droplet limit"
INVALID_REGION = "You specified an invalid region for Droplet creation."
UNAVAILABLE_REGION = "Region is not available"
INVALID_SIZE = "You specified an invalid size for Droplet creation."
SIZE_NOT_IN_REGION = "Size is not available in this region."
IMAGE_NOT_IN_REGION = "The image you specified is not available in the selected region, you can transfer it to this region from the images pages."


@dataclass
class Plan:
    """A checked create request: everything `build` needs, found and validated."""

    body: DropletCreate
    names: list[str]
    region: dict[str, Any]
    size: dict[str, Any]
    image: Record
    vpc: Record
    key_ids: list[int]
    tags: list[str]
    volumes: list[Record]


def ordered_features(features: set[str]) -> list[str]:
    return [feature for feature in FEATURE_ORDER if feature in features] + sorted(
        features.difference(FEATURE_ORDER)
    )


def plan(ctx: Ctx, body: DropletCreate) -> Plan:
    """Check a create request (422 with the real API's message when it is refused)."""
    _require_scopes(ctx, body)
    names = _names(body)
    if (
        len(ctx.tenant.collection(KIND)) + len(names)
        > ctx.emulator.settings.droplet_limit
    ):
        raise Unprocessable(LIMIT_MESSAGE)
    if body.user_data is not None and len(body.user_data.encode()) > USER_DATA_LIMIT:
        raise Unprocessable("user_data must be plain text of at most 64 KiB.")
    if body.ipv6 and not body.public_networking:
        raise Unprocessable("ipv6 must be false when public_networking is false.")

    size = ctx.catalogue.size(body.size)
    if size is None:
        raise Unprocessable(INVALID_SIZE)
    image = images.find_image(ctx, body.image)
    chosen_vpc = _given_vpc(ctx, body.vpc_uuid)
    region = _region(ctx, body.region, size, image, chosen_vpc)
    _check_fits(image, size)
    if chosen_vpc is not None and chosen_vpc["region"] != region["slug"]:
        raise Unprocessable("The VPC specified is not in the Droplet's region.")

    keys = _keys(ctx, body.ssh_keys or [])
    volumes = _volumes(ctx, body.volumes or [], region, len(names))
    vpc = chosen_vpc or vpcs.default_vpc(ctx, region["slug"])
    return Plan(
        body=body,
        names=names,
        region=region,
        size=size,
        image=image,
        vpc=vpc,
        key_ids=[key["id"] for key in keys],
        tags=tags.ensure_tags(ctx, body.tags or []),
        volumes=volumes,
    )


def _require_scopes(ctx: Ctx, body: DropletCreate) -> None:
    # The spec notes these fields need the scope of what they name.
    if body.tags:
        ctx.require("tag:create")
    if body.ssh_keys:
        ctx.require("ssh_key:read")
    if body.vpc_uuid:
        ctx.require("vpc:read")
    if body.volumes:
        ctx.require("block_storage:read")


def _names(body: DropletCreate) -> list[str]:
    if body.name is not None and body.names is not None:
        raise Unprocessable("Specify either name or names, not both.")
    if body.names is not None:
        if not body.names:
            raise Unprocessable("names must list at least one name.")
        if len(body.names) > MAX_NAMES:
            raise Unprocessable(
                f"You can create at most {MAX_NAMES} Droplets at a time."
            )
        return [check_name(name) for name in body.names]
    if body.name is None:
        raise Unprocessable("name is required.")
    return [check_name(body.name)]


def _is_strict(ctx: Ctx) -> bool:
    return ctx.emulator.settings.auth_mode == "strict"


def _keys(ctx: Ctx, refs: list[int | str]) -> list[Record]:
    found = []
    for ref in refs:
        try:
            found.append(ssh_keys.find_key(ctx, ref))
        except Unprocessable:
            if _is_strict(ctx):
                raise
            log.warning(
                "droplet create: ssh key %s is not the account's; left out", ref
            )
    return found


def _given_vpc(ctx: Ctx, vpc_uuid: str | None) -> Record | None:
    if vpc_uuid is None:
        return None
    found = ctx.tenant.get(vpcs.KIND, vpc_uuid)
    if found is None:
        if _is_strict(ctx):
            raise Unprocessable(f"VPC {vpc_uuid} could not be found.")
        log.warning(
            "droplet create: VPC %s is not the account's; using the default", vpc_uuid
        )
    return found


def _region(
    ctx: Ctx,
    slug: str | None,
    size: dict[str, Any],
    image: Record,
    vpc: Record | None,
) -> dict[str, Any]:
    """The region to use: the one named, one matching a prefix (`nyc`), or any.

    Among several candidates the first that offers the size and the image wins;
    when none does, the first candidate's refusal is the answer.
    """
    if slug is None and vpc is not None:
        slug = vpc["region"]
    if slug is None:
        candidates = [r.data for r in ctx.catalogue.regions.values() if r["available"]]
    elif (exact := ctx.catalogue.region(slug)) is not None:
        if not exact["available"]:
            raise Unprocessable(UNAVAILABLE_REGION)
        candidates = [exact]
    else:
        candidates = [
            r.data
            for r in ctx.catalogue.regions.values()
            if r["slug"].startswith(slug) and r["available"]
        ]
    if not candidates:
        raise Unprocessable(INVALID_REGION)
    for region in candidates:
        if _offers(region, size, image) is None:
            return region
    raise Unprocessable(_offers(candidates[0], size, image))


def _offers(region: dict[str, Any], size: dict[str, Any], image: Record) -> str | None:
    """Why `region` cannot host the size and image, or None when it can."""
    if not size["available"] or size["slug"] not in region["sizes"]:
        return SIZE_NOT_IN_REGION
    if region["slug"] not in (image.data.get("regions") or []):
        return IMAGE_NOT_IN_REGION
    return None


def _check_fits(image: Record, size: dict[str, Any]) -> None:
    needed = image.data.get("min_disk_size") or 0
    if needed > size["disk"]:
        raise Unprocessable(
            f"The image requires a disk of at least {needed} GB; choose a larger size."
        )


def _volumes(
    ctx: Ctx, volume_ids: list[str], region: dict[str, Any], count: int
) -> list[Record]:
    if volume_ids and count > 1:
        raise Unprocessable(
            "Volumes can only be attached when creating a single Droplet."
        )
    found = []
    for volume_id in volume_ids:
        volume = ctx.tenant.get("volume", volume_id)
        if volume is None:
            raise Unprocessable(f"Volume {volume_id} could not be found.")
        if volume.data.get("region", {}).get("slug") != region["slug"]:
            raise Unprocessable(f"Volume {volume_id} is not in the Droplet's region.")
        if volume.data.get("droplet_ids"):
            raise Unprocessable(f"Volume {volume_id} is already attached to a Droplet.")
        found.append(volume)
    return found


def build(ctx: Ctx, plan: Plan) -> list[tuple[Record, Record]]:
    """Buffer the planned droplets and their `create` actions; return both, in order."""
    taken: set[str] = set()  # addresses handed out by this request
    built = []
    for name in plan.names:
        droplet_id = resources.new_id(ctx, "droplet", start=ID_START)
        addresses = _addresses(ctx, plan, taken)
        taken.add(addresses["private_v4"]["ip_address"])
        action = actions.start(
            ctx,
            "create",
            resource_type="droplet",
            resource_id=droplet_id,
            region=plan.region,
            effect="droplet.create",
            droplet_id=str(droplet_id),
        )
        data = _data(ctx, plan, droplet_id, name)
        meta = _meta(plan, droplet_id, addresses, action)
        droplet = resources.create(ctx, KIND, droplet_id, data, meta)
        projects.assign_default(ctx, resources.urn(KIND, droplet_id))
        built.append((droplet, action))
    return built


def _addresses(ctx: Ctx, plan: Plan, taken: set[str]) -> dict[str, Any]:
    public = plan.body.public_networking
    return {
        "private_v4": networks.private_v4(ctx, plan.vpc, taken),
        "public_v4": networks.public_v4(ctx) if public else None,
        "public_v6": networks.public_v6(ctx) if plan.body.ipv6 else None,
    }


def _data(ctx: Ctx, plan: Plan, droplet_id: int, name: str) -> dict[str, Any]:
    body, size = plan.body, plan.size
    features = {"private_networking"}
    features.update(
        feature
        for feature, wanted in (
            ("backups", body.backups),
            ("ipv6", body.ipv6),
            ("monitoring", body.monitoring),
            ("droplet_agent", body.with_droplet_agent is not False),
        )
        if wanted
    )
    data: dict[str, Any] = {
        "id": droplet_id,
        "name": name,
        "memory": size["memory"],
        "vcpus": size["vcpus"],
        "disk": size["disk"],
        "disk_info": disk_info(size, size["disk"]),
        "locked": False,
        "status": "new",
        "kernel": None,
        "created_at": resources.now(ctx),
        "features": ordered_features(features),
        "backup_ids": [],
        "next_backup_window": None,
        "snapshot_ids": [],
        "image": plan.image.data,
        "volume_ids": [],
        "size": size,
        "size_slug": size["slug"],
        "networks": {"v4": [], "v6": []},
        "region": plan.region,
        "tags": plan.tags,
        "vpc_uuid": plan.vpc.id,
    }
    if body.backups:
        policy = full_policy(body.backup_policy)
        data["next_backup_window"] = next_window(policy, ctx.clock.now())
    if "gpu_info" in size:
        data["gpu_info"] = size["gpu_info"]
    return data


def disk_info(size: dict[str, Any], disk: int) -> list[dict[str, Any]]:
    """The size's disks, with the boot disk at `disk` GiB (it outlives a flexible resize)."""
    disks = size.get("disk_info") or [
        {"type": "local", "size": {"amount": disk, "unit": "gib"}}
    ]
    return [
        {**d, "size": {"amount": disk, "unit": "gib"}}
        if d["type"] in ("local", "boot")
        else d
        for d in disks
    ]


def _meta(
    plan: Plan, droplet_id: int, addresses: dict[str, Any], action: Record
) -> dict[str, Any]:
    body = plan.body
    return {
        "user_data": body.user_data,
        "ssh_keys": plan.key_ids,
        "with_droplet_agent": body.with_droplet_agent,
        "public_networking": body.public_networking,
        "backups": body.backups,
        "backup_policy": full_policy(body.backup_policy) if body.backups else None,
        "addresses": addresses,
        "macs": {
            "public": networks.mac(droplet_id, 1),
            "private": networks.mac(droplet_id, 2),
        },
        "volumes": [volume.id for volume in plan.volumes],
        "action_ids": [action["id"]],
        "action_id": action.id,
    }


@actions.effect("droplet.create")
def _activate(tx: Tx, action: Record, droplet_id: str) -> None:
    droplet = tx.tenant.get(KIND, droplet_id)
    if droplet is None:
        return
    changes: dict[str, Any] = {
        "status": "active",
        "networks": networks.networks(droplet.meta["addresses"]),
    }
    attached = []
    for volume_id in droplet.meta.get("volumes", []):
        volume = tx.tenant.get("volume", volume_id)
        if volume is not None and not volume.data.get("droplet_ids"):
            tx.update(volume, droplet_ids=[droplet["id"]])
            attached.append(volume_id)
    if attached:
        changes["volume_ids"] = attached
    tx.update(droplet, changes)
