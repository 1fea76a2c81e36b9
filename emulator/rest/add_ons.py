"""Add-Ons: the SaaS add-on marketplace and the add-on resources of an account.

Apps, their plans and the metadata each app asks for come from
`fixtures/catalogue/add_on_apps.json` (the first is the spec's own sample app).
A resource is `provisioning` until the clock's action delay has passed, then
`provisioned`; nothing is provisioned anywhere, and `sso_url` leads nowhere.
Metadata is checked against the app's: known names only, of the right type.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, Field, StrictInt, StrictStr
from starlette.responses import Response

from emulator.core import actions
from emulator.core.context import Ctx, authorized
from emulator.core.engine import Family, Scopes, mount
from emulator.core.errors import NotFound, Unprocessable
from emulator.core.pagination import PageDep
from emulator.core.responses import one, raw
from emulator.core.store import Record

router = APIRouter()
KIND = "add_on"


class MetadataValue(BaseModel):
    name: StrictStr
    value: Any = None


class AddOnCreate(BaseModel):
    app_slug: StrictStr
    plan_slug: StrictStr
    name: StrictStr = Field(min_length=1, max_length=255)
    metadata: list[MetadataValue] = []
    linked_droplet_id: StrictInt | None = None
    fleet_uuid: StrictStr | None = None


class AddOnUpdate(BaseModel):
    name: StrictStr = Field(min_length=1, max_length=255)


class PlanChange(BaseModel):
    plan_slug: StrictStr


def _app(ctx: Ctx, slug: str) -> Record:
    app = ctx.catalogue.add_on_apps.get(slug)
    if app is None:
        raise Unprocessable(f"add-on app {slug} not found")
    return app


def _plan(app: Record, slug: str) -> dict[str, Any]:
    plans: list[dict[str, Any]] = app["plans"]
    found = next((p for p in plans if p["slug"] == slug), None)
    if found is None or not found["available"]:
        raise Unprocessable(f"plan {slug} is not a plan of {app['app_slug']}")
    return found


def _metadata(app: Record, given: list[MetadataValue]) -> list[dict[str, Any]]:
    wanted = {m["name"]: m for m in app.meta.get("metadata", [])}
    for item in given:
        spec = wanted.get(item.name)
        if spec is None:
            raise Unprocessable(f"{item.name} is not metadata of {app['app_slug']}")
        is_bool = isinstance(item.value, bool)
        if (spec["type"] == "boolean") != is_bool or item.value is None:
            raise Unprocessable(f"metadata {item.name} must be a {spec['type']}")
        if spec.get("options") and item.value not in spec["options"]:
            raise Unprocessable(
                f"metadata {item.name} must be one of {spec['options']}"
            )
    return [{"name": item.name, "value": item.value} for item in given]


def _plan_fields(plan: dict[str, Any]) -> dict[str, Any]:
    return {
        "plan_name": plan["display_name"],
        "plan_slug": plan["slug"],
        "plan_price_per_month": plan["price_per_month"],
    }


def _build(ctx: Ctx, body: AddOnCreate, uuid: str | int) -> dict[str, Any]:
    app = _app(ctx, body.app_slug)
    plan = _plan(app, body.plan_slug)
    metadata = _metadata(app, body.metadata)
    if body.linked_droplet_id is not None:
        if ctx.tenant.get("droplet", body.linked_droplet_id) is None:
            raise Unprocessable(f"droplet {body.linked_droplet_id} not found")
    return {
        "uuid": uuid,
        "name": body.name,
        "state": "provisioning",
        "app_name": app.meta.get("name", app["app_slug"]),
        "app_slug": app["app_slug"],
        **_plan_fields(plan),
        "has_config": bool(app.meta.get("metadata")),
        "metadata": metadata,
        "sso_url": f"https://{app['app_slug']}.example.com/sso/{uuid}",
        "message": "Resource is being provisioned.",
    }


def _start_provisioning(ctx: Ctx, record: Record) -> None:
    done = {"state": "provisioned", "message": "Resource is provisioned successfully."}
    ctx.tx.update_meta(record, **{actions.LATER: actions.later(ctx, done)})


RESOURCES = Family(
    kind=KIND,
    singular="resource",
    plural="resources",
    path="/v2/add-ons/saas",
    id_param="resource_uuid",
    scopes=Scopes(
        read="addon:read",
        create="addon:create",
        update="addon:update",
        delete="addon:delete",
    ),
    create_model=AddOnCreate,
    update_model=AddOnUpdate,
    update_method="PATCH",
    create_status=200,
    delete_status=200,
    build=_build,
    on_create=_start_provisioning,
)


@router.get("/v2/add-ons/apps")
async def list_apps(ctx: Annotated[Ctx, authorized()], page: PageDep) -> Response:
    return page.respond("apps", list(ctx.catalogue.add_on_apps.values()))


@router.get("/v2/add-ons/apps/{app_slug}/metadata")
async def get_app_metadata(
    ctx: Annotated[Ctx, authorized()], app_slug: str
) -> Response:
    app = ctx.catalogue.add_on_apps.get(app_slug)
    if app is None:
        raise NotFound()
    return raw({"metadata": app.meta.get("metadata", [])})


@router.patch("/v2/add-ons/saas/{resource_uuid}/plan")
async def change_plan(
    ctx: Annotated[Ctx, authorized("addon:update")],
    resource_uuid: str,
    body: PlanChange,
) -> Response:
    resource = RESOURCES.lookup(ctx, resource_uuid)
    plan = _plan(_app(ctx, resource["app_slug"]), body.plan_slug)

    ctx.tx.update(resource, _plan_fields(plan))
    await ctx.commit()
    return one("resource", resource)


mount(router, RESOURCES)
