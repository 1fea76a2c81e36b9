"""1-Click Applications: the catalogue of droplet and Kubernetes 1-Clicks.

The list comes from `fixtures/catalogue/one_clicks.json`. Installing on a
Kubernetes cluster needs a cluster of the account, and Kubernetes is not
emulated: the install answers 404 for the cluster, as the real API does for a
cluster it does not know, once the add-on slugs are found valid.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field, StrictStr
from starlette.responses import Response

from emulator.core.context import Ctx, authorized
from emulator.core.errors import NotEmulated, NotFound, Unprocessable
from emulator.core.responses import raw

router = APIRouter()
TYPES = ("droplet", "kubernetes")


class KubernetesInstall(BaseModel):
    addon_slugs: list[StrictStr] = Field(min_length=1)
    cluster_uuid: StrictStr


@router.get("/v2/1-clicks")
async def list_one_clicks(ctx: Annotated[Ctx, authorized()]) -> Response:
    """Unpaged, as the real list is: `{"1_clicks": [...]}`."""
    wanted = ctx.query("type", choices=TYPES)
    items = [
        record.data
        for record in ctx.catalogue.one_clicks.values()
        if wanted is None or record["type"] == wanted
    ]
    return raw({"1_clicks": items})


@router.post("/v2/1-clicks/kubernetes")
async def install_kubernetes_one_clicks(
    ctx: Annotated[Ctx, authorized("kubernetes:update")], body: KubernetesInstall
) -> Response:
    ctx.require("addon:create")
    known = ctx.catalogue.one_clicks
    unknown = [
        slug
        for slug in body.addon_slugs
        if slug not in known or known[slug]["type"] != "kubernetes"
    ]
    if unknown:
        raise Unprocessable(f"unknown Kubernetes 1-Click slugs: {', '.join(unknown)}")
    if ctx.tenant.get("kubernetes_cluster", body.cluster_uuid) is None:
        raise NotFound(f"cluster {body.cluster_uuid} not found")
    raise NotEmulated("installing 1-Click applications on a cluster is not emulated")
