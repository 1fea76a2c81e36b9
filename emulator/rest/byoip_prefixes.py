"""BYOIP prefixes: address ranges an account brings, on the engine.

A prefix is `in_progress` while DigitalOcean checks its signature, then
`active` once the clock's action delay has passed (no action shows it). The
signature is stored, never verified; no address of a prefix is ever assigned,
so `/ips` lists none. `advertise` flips `advertised` at once. Delete answers
202 and the prefix is gone.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field, StrictBool, StrictStr
from starlette.responses import Response

from emulator.core import actions, resources
from emulator.core.context import Ctx, authorized
from emulator.core.engine import Family, Scopes, mount
from emulator.core.errors import Unprocessable
from emulator.core.pagination import PageDep
from emulator.core.responses import raw
from emulator.rest import projects

router = APIRouter()
KIND = "byoip_prefix"


class PrefixCreate(BaseModel):
    prefix: StrictStr
    region: StrictStr
    signature: StrictStr = Field(min_length=1)


class PrefixUpdate(BaseModel):
    # The request says `advertise`, the prefix shows `advertised`.
    advertised: StrictBool | None = Field(default=None, alias="advertise")


def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        network = ipaddress.ip_network(text, strict=True)
    except ValueError:
        raise Unprocessable(f"{text} is not a valid CIDR prefix") from None
    # DigitalOcean takes public ranges only: /24 or wider for IPv4, /48 for IPv6.
    widest = 24 if network.version == 4 else 48
    if network.prefixlen > widest or not network.is_global:
        raise Unprocessable(
            f"prefix must be a public range of /{widest} or wider, got {text}"
        )
    return network


def _refuse_duplicate(ctx: Ctx, prefix: str) -> None:
    for other in ctx.tenant.collection(KIND):
        if other["prefix"] == prefix:
            raise Unprocessable(f"prefix {prefix} is already registered")


PREFIXES = Family(
    kind=KIND,
    singular="byoip_prefix",
    plural="byoip_prefixes",
    path="/v2/byoip_prefixes",
    id_param="byoip_prefix_uuid",
    scopes=Scopes(
        read="byoip_prefix:read",
        create="byoip_prefix:create",
        update="byoip_prefix:write",
        delete="byoip_prefix:delete",
    ),
    update_model=PrefixUpdate,
    update_method="PATCH",
    update_status=202,
    delete_status=202,
    verbs=("list", "get", "update", "delete"),
)


@router.post("/v2/byoip_prefixes", status_code=202)
async def create_prefix(
    ctx: Annotated[Ctx, authorized("byoip_prefix:create")], body: PrefixCreate
) -> Response:
    """The answer is flat (`uuid`, `region`, `status`), as the spec documents it."""
    network = str(_network(body.prefix.strip()))
    region = ctx.catalogue.region(body.region)
    if region is None:
        raise Unprocessable(f"region {body.region} is not valid")
    _refuse_duplicate(ctx, network)

    uuid = resources.new_uuid()
    project = projects.default_project(ctx)
    data = {
        "uuid": uuid,
        "name": "",
        "prefix": network,
        "status": "in_progress",
        "region": region["slug"],
        "validations": [],
        "failure_reason": "",
        "locked": False,
        "advertised": False,
        "project_id": project.id,
    }
    meta = {
        "signature": body.signature,
        actions.LATER: actions.later(ctx, {"status": "active"}),
    }
    resources.create(ctx, KIND, uuid, data, meta)
    await ctx.commit()
    return raw(
        {"uuid": uuid, "region": region["slug"], "status": "in_progress"}, status=202
    )


@router.get("/v2/byoip_prefixes/{byoip_prefix_uuid}/ips")
async def list_prefix_ips(
    ctx: Annotated[Ctx, authorized("byoip_prefix:read")],
    byoip_prefix_uuid: str,
    page: PageDep,
) -> Response:
    PREFIXES.lookup(ctx, byoip_prefix_uuid)
    return page.respond_data("ips", [])


mount(router, PREFIXES)
