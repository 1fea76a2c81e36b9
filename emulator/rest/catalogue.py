"""Regions and Sizes: the catalogue from `fixtures/catalogue`, the same for everyone."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from starlette.responses import Response

from emulator.core.context import Ctx, authorized
from emulator.core.pagination import PageDep

router = APIRouter()


@router.get("/v2/regions")
async def list_regions(
    ctx: Annotated[Ctx, authorized("regions:read")], page: PageDep
) -> Response:
    return page.respond("regions", list(ctx.catalogue.regions.values()))


@router.get("/v2/sizes")
async def list_sizes(
    ctx: Annotated[Ctx, authorized("sizes:read", "regions:read")], page: PageDep
) -> Response:
    return page.respond("sizes", list(ctx.catalogue.sizes.values()))
