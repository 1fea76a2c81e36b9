"""Droplet autoscale pools: a droplet template kept at a number of real droplets.

Create checks the template as a droplet create would (region, size, image, and
the rest through the droplets package), then builds the pool's droplets with
their create actions; they are ordinary droplets of the account. A static pool
holds `target_number_instances`; a dynamic one holds `min_instances`, since no
load is ever measured (utilisation reads 0). An update that changes the count
adds or destroys droplets (newest first). Each change is a history event.
Delete destroys the droplets; the dangerous delete also destroys what they
hold (volumes, reserved IPs, snapshots), as the droplets' own dangerous destroy.
The template's `project_id` is stored; the droplets go to the default project.
A member destroyed by hand is not replaced (no autoscaler runs).
"""

from __future__ import annotations

import dataclasses
import secrets
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field, StrictBool, StrictInt, StrictStr
from starlette.responses import Response

from emulator.core import resources
from emulator.core.context import Ctx, authorized
from emulator.core.engine import Family, Scopes, mount
from emulator.core.errors import BadRequest, Unprocessable
from emulator.core.pagination import PageDep
from emulator.core.responses import one
from emulator.core.store import Record
from emulator.rest.droplets import destroy, provisioning
from emulator.rest.droplets.models import DropletCreate

router = APIRouter()
KIND = "autoscale_pool"
Region = Literal[
    "nyc1", "nyc2", "nyc3", "ams2", "ams3", "sfo1", "sfo2", "sfo3",
    "sgp1", "lon1", "fra1", "tor1", "blr1", "syd1",
]  # fmt: skip
STATUSES = {"new": "provisioning", "active": "active", "off": "off"}


class Config(BaseModel):
    target_number_instances: StrictInt | None = Field(default=None, ge=1, le=1000)
    min_instances: StrictInt | None = Field(default=None, ge=1, le=500)
    max_instances: StrictInt | None = Field(default=None, ge=1, le=1000)
    target_cpu_utilization: float | None = Field(default=None, ge=0.05, le=1)
    target_memory_utilization: float | None = Field(default=None, ge=0.05, le=1)
    cooldown_minutes: StrictInt | None = Field(default=None, ge=5, le=20)


class Template(BaseModel):
    name: StrictStr | None = None
    region: Region
    size: StrictStr
    image: StrictStr
    ssh_keys: list[StrictStr]
    tags: list[StrictStr] = []
    vpc_uuid: StrictStr | None = None
    with_droplet_agent: StrictBool | None = None
    project_id: StrictStr | None = None
    ipv6: StrictBool = False
    user_data: StrictStr | None = None
    public_networking: StrictBool = True
    backups: StrictBool = False
    monitoring: StrictBool = False


class PoolRequest(BaseModel):
    name: StrictStr = Field(min_length=1, max_length=255)
    config: Config
    droplet_template: Template


def _desired(config: Config) -> int:
    """The number of droplets the pool holds (422 when the config is not one kind)."""
    if config.target_number_instances is not None:
        if config.min_instances is not None or config.max_instances is not None:
            raise Unprocessable(
                "config sets either target_number_instances or min_instances and max_instances, not both"
            )
        return config.target_number_instances
    if config.min_instances is None or config.max_instances is None:
        raise Unprocessable(
            "config needs target_number_instances, or min_instances and max_instances"
        )
    if config.min_instances > config.max_instances:
        raise Unprocessable("min_instances must not exceed max_instances")
    if (
        config.target_cpu_utilization is None
        and config.target_memory_utilization is None
    ):
        raise Unprocessable(
            "a dynamic pool needs target_cpu_utilization or target_memory_utilization"
        )
    return config.min_instances


def _plan(
    ctx: Ctx, pool_name: str, template: Template, count: int
) -> provisioning.Plan:
    """Check the template as one droplet create, then widen it to `count` names."""
    ctx.require("droplet:create")
    base = template.name or pool_name
    names = [f"{base}-{secrets.token_hex(3)}" for _ in range(max(count, 1))]
    body = DropletCreate(
        name=names[0],
        region=template.region,
        size=template.size,
        image=template.image,
        ssh_keys=list(template.ssh_keys),
        backups=template.backups,
        ipv6=template.ipv6,
        monitoring=template.monitoring,
        tags=template.tags or None,
        user_data=template.user_data,
        vpc_uuid=template.vpc_uuid,
        with_droplet_agent=template.with_droplet_agent,
        public_networking=template.public_networking,
    )
    plan = provisioning.plan(ctx, body)
    limit = ctx.emulator.settings.droplet_limit
    if len(ctx.tenant.collection("droplet")) + count > limit:
        raise Unprocessable(provisioning.LIMIT_MESSAGE)
    return dataclasses.replace(plan, names=names[:count])


def _event(ctx: Ctx, current: int, desired: int, reason: str) -> dict[str, Any]:
    now = resources.now(ctx)
    return {
        "history_event_id": resources.new_uuid(),
        "current_instance_count": current,
        "desired_instance_count": desired,
        "reason": reason,
        "status": "success",
        "created_at": now,
        "updated_at": now,
    }


def _data(ctx: Ctx, pool_id: str, body: PoolRequest, count: int) -> dict[str, Any]:
    now = resources.now(ctx)
    return {
        "id": pool_id,
        "name": body.name,
        "config": body.config.model_dump(exclude_none=True),
        "droplet_template": body.droplet_template.model_dump(exclude_none=True),
        "current_utilization": {"memory": 0.0, "cpu": 0.0},
        "created_at": now,
        "updated_at": now,
        "status": "active",
        "active_resources_count": count,
    }


def _members(ctx: Ctx, pool: Record) -> list[Record]:
    found = (ctx.tenant.get("droplet", i) for i in pool.meta.get("droplet_ids", []))
    return [droplet for droplet in found if droplet is not None]


POOLS = Family(
    kind=KIND,
    singular="autoscale_pool",
    plural="autoscale_pools",
    path="/v2/droplets/autoscale",
    id_param="autoscale_pool_id",
    scopes=Scopes(read="droplet:read"),
    filters=("name",),
    verbs=("list", "get"),
)


@router.post("/v2/droplets/autoscale", status_code=202)
async def create_pool(
    ctx: Annotated[Ctx, authorized("droplet:create")], body: PoolRequest
) -> Response:
    count = _desired(body.config)
    plan = _plan(ctx, body.name, body.droplet_template, count)

    built = provisioning.build(ctx, plan)
    pool_id = resources.new_uuid()
    meta = {
        "droplet_ids": [droplet.id for droplet, _ in built],
        "history": [_event(ctx, 0, count, "CONFIGURATION_CHANGE")],
    }
    pool = resources.create(ctx, KIND, pool_id, _data(ctx, pool_id, body, count), meta)
    await ctx.commit()
    return one("autoscale_pool", pool, status=202)


@router.put("/v2/droplets/autoscale/{autoscale_pool_id}")
async def update_pool(
    ctx: Annotated[Ctx, authorized("droplet:create")],
    autoscale_pool_id: str,
    body: PoolRequest,
) -> Response:
    pool = POOLS.lookup(ctx, autoscale_pool_id)
    members = _members(ctx, pool)
    desired = _desired(body.config)
    plan = _plan(ctx, body.name, body.droplet_template, max(desired - len(members), 0))

    kept = members[:desired]
    for droplet in members[desired:]:
        destroy.destroy(ctx, droplet)
    added = (
        [droplet for droplet, _ in provisioning.build(ctx, plan)] if plan.names else []
    )
    event = _event(ctx, len(members), desired, "CONFIGURATION_CHANGE")
    data = _data(ctx, pool.id, body, desired)
    data["created_at"] = pool["created_at"]
    ctx.tx.update(pool, data)
    ctx.tx.update_meta(
        pool,
        droplet_ids=[d.id for d in [*kept, *added]],
        history=[*pool.meta.get("history", []), event],
    )
    await ctx.commit()
    return one("autoscale_pool", pool)


async def _delete(ctx: Ctx, pool_id: str, *, dangerous: bool) -> Response:
    pool = POOLS.lookup(ctx, pool_id)
    for droplet in _members(ctx, pool):
        if dangerous:
            # The droplets' own dangerous destroy: the droplet and all it holds.
            destroy._destroy_with(ctx, droplet, destroy.associated(ctx, droplet))
        else:
            destroy.destroy(ctx, droplet)
    ctx.tx.delete(pool)
    await ctx.commit()
    return Response(status_code=202)


@router.delete("/v2/droplets/autoscale/{autoscale_pool_id}", status_code=202)
async def delete_pool(
    ctx: Annotated[Ctx, authorized("droplet:delete")], autoscale_pool_id: str
) -> Response:
    return await _delete(ctx, autoscale_pool_id, dangerous=False)


@router.delete("/v2/droplets/autoscale/{autoscale_pool_id}/dangerous", status_code=202)
async def delete_pool_dangerous(
    ctx: Annotated[Ctx, authorized("droplet:delete")], autoscale_pool_id: str
) -> Response:
    if ctx.request.headers.get("x-dangerous", "").lower() != "true":
        raise BadRequest(
            "Set the X-Dangerous header to true to delete a pool with its droplets and all their resources."
        )
    return await _delete(ctx, autoscale_pool_id, dangerous=True)


@router.get("/v2/droplets/autoscale/{autoscale_pool_id}/members")
async def list_members(
    ctx: Annotated[Ctx, authorized("droplet:read")],
    autoscale_pool_id: str,
    page: PageDep,
) -> Response:
    pool = POOLS.lookup(ctx, autoscale_pool_id)
    members = [
        {
            "droplet_id": droplet["id"],
            "created_at": droplet["created_at"],
            "updated_at": droplet["created_at"],
            "health_status": "healthy",
            "status": STATUSES.get(droplet["status"], "active"),
            "current_utilization": {"memory": 0.0, "cpu": 0.0},
        }
        for droplet in _members(ctx, pool)
    ]
    return page.respond_data("droplets", members)


@router.get("/v2/droplets/autoscale/{autoscale_pool_id}/history")
async def list_history(
    ctx: Annotated[Ctx, authorized("droplet:read")],
    autoscale_pool_id: str,
    page: PageDep,
) -> Response:
    pool = POOLS.lookup(ctx, autoscale_pool_id)
    return page.respond_data("history", pool.meta.get("history", []))


mount(router, POOLS)
