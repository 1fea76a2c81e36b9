"""Droplets: create, list, get, and the read-only views of one droplet.

Destroying is in `destroy.py`, backups in `backups.py`, actions in `actions.py`.
The emulator places every droplet on a host of its own, so no droplet has
neighbors. Kernels are the catalogue's, the same for every droplet.
"""

from __future__ import annotations

from typing import Annotated, Any
from weakref import WeakKeyDictionary

from fastapi import APIRouter
from starlette.responses import Response

from emulator.core.context import Ctx, authorized
from emulator.core.errors import Unprocessable
from emulator.core.pagination import PageDep
from emulator.core.responses import many, one, raw
from emulator.core.store import Record, Tenant
from emulator.rest.droplets import provisioning
from emulator.rest.droplets.models import DropletCreate
from emulator.rest.droplets.records import (
    KIND,
    find_droplet,
    has_tag,
    is_gpu,
    owned_images,
)

router = APIRouter()

# Per tenant: its droplets list as last split, and that list's non-GPU and GPU
# droplets. `Collection.ordered()` returns the same list until a droplet is
# added or removed, and a droplet never changes between GPU and not, so the
# split is redone only then and a page of the default listing stays O(page).
_splits: WeakKeyDictionary[Tenant, tuple[list[Record], list[list[Record]]]] = (
    WeakKeyDictionary()
)


def _split(tenant: Tenant, droplets: list[Record]) -> list[list[Record]]:
    cached = _splits.get(tenant)
    if cached is not None and cached[0] is droplets:
        return cached[1]
    parts: list[list[Record]] = [[], []]
    for droplet in droplets:
        parts[1 if is_gpu(droplet) else 0].append(droplet)
    if not parts[1]:
        parts[0] = droplets
    _splits[tenant] = (droplets, parts)
    return parts


def action_link(ctx: Ctx, action: Record, rel: str) -> dict[str, Any]:
    base = str(ctx.request.base_url).rstrip("/")
    return {"id": action["id"], "rel": rel, "href": f"{base}/v2/actions/{action['id']}"}


@router.post("/v2/droplets", status_code=202)
async def create_droplets(
    body: DropletCreate, ctx: Annotated[Ctx, authorized("droplet:create")]
) -> Response:
    """One droplet for `name`, or one per entry of `names` (a list answer)."""
    built = provisioning.build(ctx, provisioning.plan(ctx, body))
    await ctx.commit()

    links = {"actions": [action_link(ctx, action, "create") for _, action in built]}
    if body.names is None:
        return one("droplet", built[0][0], status=202, extra={"links": links})
    return many(
        "droplets",
        [droplet for droplet, _ in built],
        status=202,
        extra={"links": links},
    )


@router.get("/v2/droplets")
async def list_droplets(
    ctx: Annotated[Ctx, authorized("droplet:read")],
    page: PageDep,
) -> Response:
    """`tag_name` alone, or `name` and `type`; GPU droplets only with `type=gpus`."""
    # Read by hand, not declared: on the busiest route FastAPI's parsing of
    # three optional parameters cost a quarter of the request.
    tag_name = ctx.query("tag_name")
    name = ctx.query("name")
    type = ctx.query("type", choices=("droplets", "gpus"))
    droplets = ctx.tenant.collection(KIND).ordered()
    if tag_name is not None:
        if name is not None or type is not None:
            raise Unprocessable("tag_name can not be combined with name or type.")
        ctx.require("tag:read")
        return page.respond("droplets", [d for d in droplets if has_tag(d, tag_name)])

    droplets = _split(ctx.tenant, droplets)[1 if type == "gpus" else 0]
    if name is not None:
        wanted = name.casefold()
        droplets = [d for d in droplets if d["name"].casefold() == wanted]
    return page.respond("droplets", droplets)


@router.get("/v2/droplets/{droplet_id}")
async def get_droplet(
    droplet_id: str, ctx: Annotated[Ctx, authorized("droplet:read")]
) -> Response:
    return one("droplet", find_droplet(ctx, droplet_id))


@router.get("/v2/droplets/{droplet_id}/snapshots")
async def list_snapshots(
    droplet_id: str, ctx: Annotated[Ctx, authorized("droplet:read")], page: PageDep
) -> Response:
    droplet = find_droplet(ctx, droplet_id)
    return page.respond("snapshots", owned_images(ctx, droplet, "snapshot"))


@router.get("/v2/droplets/{droplet_id}/kernels")
async def list_kernels(
    droplet_id: str, ctx: Annotated[Ctx, authorized("droplet:read")], page: PageDep
) -> Response:
    find_droplet(ctx, droplet_id)
    return page.respond("kernels", list(ctx.catalogue.kernels.values()))


@router.get("/v2/droplets/{droplet_id}/firewalls")
async def list_firewalls(
    droplet_id: str, ctx: Annotated[Ctx, authorized("firewall:read")], page: PageDep
) -> Response:
    """Firewalls that name the droplet or one of its tags."""
    droplet = find_droplet(ctx, droplet_id)
    applied = [
        firewall
        for firewall in ctx.tenant.collection("firewall").ordered()
        if droplet["id"] in (firewall.data.get("droplet_ids") or [])
        or any(has_tag(droplet, tag) for tag in firewall.data.get("tags") or [])
    ]
    return page.respond("firewalls", applied)


@router.get("/v2/droplets/{droplet_id}/neighbors")
async def list_neighbors(
    droplet_id: str, ctx: Annotated[Ctx, authorized("droplet:read")]
) -> Response:
    find_droplet(ctx, droplet_id)
    return raw({"droplets": []})


@router.get("/v2/reports/droplet_neighbors_ids")
async def list_neighbor_ids(
    ctx: Annotated[Ctx, authorized("droplet:read")],
) -> Response:
    return raw({"neighbor_ids": []})
