"""VPCs: for now only the default VPC each region gets on first use.

The VPCs family's routes belong to a later change; droplets already need a
`vpc_uuid` and a private address range, and those come from here.
"""

from __future__ import annotations

from emulator.core import resources
from emulator.core.context import Ctx
from emulator.core.store import Record

KIND = "vpc"


def _ip_range(ctx: Ctx, region_slug: str) -> str:
    """A distinct 10.x.0.0/20 per region, in catalogue order, as DigitalOcean assigns them."""
    slugs = list(ctx.catalogue.regions)
    index = slugs.index(region_slug) if region_slug in slugs else len(slugs)
    return f"10.{100 + index}.0.0/20"


def default_vpc(ctx: Ctx, region_slug: str) -> Record:
    """The region's default VPC, created (in the request's transaction) if absent."""
    found = resources.find_by(
        ctx, KIND, lambda r: r["region"] == region_slug and r["default"]
    )
    if found is not None:
        return found
    vpc_uuid = resources.new_uuid()
    return resources.create(
        ctx,
        KIND,
        vpc_uuid,
        {
            "id": vpc_uuid,
            "urn": f"do:vpc:{vpc_uuid}",
            "name": f"default-{region_slug}",
            "description": "",
            "region": region_slug,
            "ip_range": _ip_range(ctx, region_slug),
            "default": True,
            "created_at": resources.now(ctx),
        },
    )
