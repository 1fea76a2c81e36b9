"""Families of the REST API the emulator does not reproduce yet: an honest 501.

Every path under these prefixes answers 501 `not_implemented` in DigitalOcean's
error shape (after authentication, like any route), so a client learns at once
that the emulator, not its request, is the limit. docs/coverage.md lists them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from emulator.core.context import Ctx, authorized
from emulator.core.errors import NotEmulated

router = APIRouter()

NOT_EMULATED = {
    "/v2/apps": "App Platform",
    "/v2/kubernetes": "Kubernetes",
    "/v2/databases": "Managed Databases",
    "/v2/registry": "Container Registry",
    "/v2/registries": "Container Registries",
    "/v2/functions": "Functions",
    "/v2/monitoring": "Monitoring",
    "/v2/gen-ai": "the GradientAI Platform",
    "/v2/dedicated-inferences": "Dedicated Inference",
    "/v2/vector-databases": "Vector Databases",
}
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def _refuse(family: str):  # type: ignore[no-untyped-def]
    async def not_emulated(ctx: Annotated[Ctx, authorized()]) -> None:
        raise NotEmulated(f"{family} is not emulated yet.")

    return not_emulated


for prefix, family in NOT_EMULATED.items():
    router.add_api_route(prefix, _refuse(family), methods=METHODS)
    router.add_api_route(prefix + "/{rest:path}", _refuse(family), methods=METHODS)
