"""Projects and Project Resources: `/v2/projects`, the groups resources live in.

Every account has exactly one default project, made on its first look at
projects or its first resource; resources created without a `project_id` land
in it. Membership is a record of kind `project_resource` per resource (id =
the resource's URN, data = the spec's `resource` object, meta = the project's
id), so a resource is in exactly one project and assigning it elsewhere moves
it. `default` stands for the default project wherever a project id goes, as
godo's `DefaultProject` expects.

Left out: a rename is not checked for a name already in use (only a create is).
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any
from weakref import WeakKeyDictionary

from fastapi import APIRouter
from pydantic import BaseModel, Field
from starlette.responses import Response

from emulator.core import resources
from emulator.core.context import Ctx, authorized
from emulator.core.errors import (
    BadRequest,
    Conflict,
    NotEmulated,
    PreconditionFailed,
    Unprocessable,
)
from emulator.core.pagination import PageDep
from emulator.core.responses import no_content, one, raw
from emulator.core.store import Record, Tx

router = APIRouter()
KIND = "project"
MEMBER = "project_resource"
DEFAULT = "default"

# The real default project is usually the account's first project, named by its
# owner at sign-up; an emulated account has none, so it gets this name.
DEFAULT_NAME = "first-project"
DEFAULT_PURPOSE = "Just trying out DigitalOcean"
DEFAULT_ENVIRONMENT = "Development"

# Purposes the API keeps as given; any other is stored as "Other: <purpose>".
PURPOSES = frozenset(
    {
        "Just trying out DigitalOcean",
        "Class project / Educational purposes",
        "Website or blog",
        "Web Application",
        "Service or API",
        "Mobile Application",
        "Machine learning / AI / Data processing",
        "IoT",
        "Operational / Developer tooling",
    }
)

# Resources a project can hold: record kind -> API path of one (for `links.self`).
# Spaces buckets have no API URL of their own.
ASSIGNABLE = {
    "droplet": "droplets",
    "volume": "volumes",
    "reserved_ip": "floating_ips",
    "domain": "domains",
    "load_balancer": "load_balancers",
    "kubernetes_cluster": "kubernetes/clusters",
    "database": "databases",
    "app": "apps",
    "space": None,
}

ENVIRONMENTS = ("Development", "Staging", "Production")

# A default project buffered by a transaction but not committed yet: one
# request may create several resources (droplets by `names`) before commit.
_pending: WeakKeyDictionary[Tx, Record] = WeakKeyDictionary()


class ProjectCreate(BaseModel):
    name: str = Field(min_length=1, max_length=175)
    description: str = Field("", max_length=255)
    purpose: str = Field(min_length=1, max_length=255)
    environment: str | None = None


class ProjectReplace(BaseModel):
    name: str = Field(min_length=1, max_length=175)
    description: str = Field(max_length=255)
    purpose: str = Field(min_length=1, max_length=255)
    environment: str
    is_default: bool


class ProjectPatch(BaseModel):
    """godo sends every field, `null` for those it leaves alone."""

    name: str | None = Field(None, min_length=1, max_length=175)
    description: str | None = Field(None, max_length=255)
    purpose: str | None = Field(None, min_length=1, max_length=255)
    environment: str | None = None
    is_default: bool | None = None


class Assignment(BaseModel):
    resources: list[str]


def owner_id(ctx: Ctx) -> int:
    """A stable integer id for the tenant (the API shows the owner's user id)."""
    return int(hashlib.sha256(ctx.tenant.id.encode()).hexdigest()[:7], 16)


def _purpose(value: str) -> str:
    if value in PURPOSES or value.startswith("Other: "):
        return value
    return f"Other: {value}"


def _environment(value: str) -> str:
    """The canonical spelling of an environment; "" (godo's "not set") stays empty."""
    if not value:
        return ""
    for name in ENVIRONMENTS:
        if name.lower() == value.lower():
            return name
    raise Unprocessable("environment must be one of Development, Staging, Production")


def _new_project(ctx: Ctx, fields: dict[str, Any], *, is_default: bool) -> Record:
    project_id = resources.new_uuid()
    stamp = resources.now(ctx)
    data = {
        "id": project_id,
        "owner_uuid": ctx.tenant.uuid,
        "owner_id": owner_id(ctx),
        "name": fields["name"],
        "description": fields.get("description") or "",
        "purpose": _purpose(fields["purpose"]),
        "created_at": stamp,
        "updated_at": stamp,
        "is_default": is_default,
    }
    # godo and Terraform send "" for a project without an environment. The
    # field is left out rather than shown as "", which is outside the spec's
    # enum; Go clients read both the same way.
    environment = _environment(fields.get("environment") or "")
    if environment:
        data["environment"] = environment
    return resources.create(ctx, KIND, project_id, data)


def default_project(ctx: Ctx) -> Record:
    """The tenant's default project, created in ctx.tx the first time it is needed."""
    found = resources.find_by(ctx, KIND, lambda r: r["is_default"])
    if found is not None:
        return found
    pending = _pending.get(ctx.tx)
    if pending is not None:
        return pending
    fields = {
        "name": DEFAULT_NAME,
        "purpose": DEFAULT_PURPOSE,
        "environment": DEFAULT_ENVIRONMENT,
    }
    record = _pending[ctx.tx] = _new_project(ctx, fields, is_default=True)
    return record


def resource_url(ctx: Ctx, kind: str, rid: str) -> str:
    """The absolute API URL of a resource, on the host the client called."""
    path = ASSIGNABLE.get(kind)
    if path is None:
        return ""
    return f"{str(ctx.request.base_url).rstrip('/')}/v2/{path}/{rid}"


def _membership(ctx: Ctx, urn: str, project_id: str) -> dict[str, Any]:
    """Buffer `urn`'s membership of `project_id`; return it as the API shows it."""
    existing = ctx.tenant.get(MEMBER, urn)
    if existing is not None and existing.meta.get("project_id") == project_id:
        return existing.data
    kind, rid = resources.parse_urn(urn) or ("", "")
    data = {
        "urn": urn,
        "assigned_at": resources.now(ctx),
        "links": {"self": resource_url(ctx, kind, rid)},
        "status": "ok",
    }
    if existing is None:
        resources.create(ctx, MEMBER, urn, data, {"project_id": project_id})
    else:
        # A resource is in exactly one project: assigning it elsewhere moves it.
        ctx.tx.update(existing, data)
        ctx.tx.update_meta(existing, project_id=project_id)
    return data


def assign_default(ctx: Ctx, urn: str, project_id: str | None = None) -> None:
    """Put the resource `urn` in `project_id` (422 if unknown), or the default project, within ctx.tx."""
    if project_id is None:
        _membership(ctx, urn, default_project(ctx).id)
        return
    project = ctx.tenant.get(KIND, str(project_id))
    if project is None:
        raise Unprocessable(f"project {project_id} not found")
    _membership(ctx, urn, project.id)


def unassign(ctx: Ctx, urn: str) -> None:
    """Remove `urn` from whatever project holds it (the resource is being deleted)."""
    existing = ctx.tenant.get(MEMBER, urn)
    if existing is not None:
        ctx.tx.delete(existing)


def _existing(ctx: Ctx, project_id: str) -> Record:
    if project_id == DEFAULT:
        return default_project(ctx)
    return resources.find(ctx, KIND, project_id)


def _members(ctx: Ctx, project: Record) -> list[Record]:
    return [
        r
        for r in ctx.tenant.collection(MEMBER).ordered()
        if r.meta.get("project_id") == project.id
    ]


async def _commit_default(ctx: Ctx) -> None:
    """Make the default project durable when a read was the first to need it."""
    if not ctx.tx.is_empty:
        await ctx.commit()


@router.get("/v2/projects")
async def list_projects(
    ctx: Annotated[Ctx, authorized("project:read")], page: PageDep
) -> Response:
    default_project(ctx)
    await _commit_default(ctx)
    return page.respond("projects", ctx.tenant.collection(KIND).ordered())


@router.post("/v2/projects", status_code=201)
async def create_project(
    ctx: Annotated[Ctx, authorized("project:create")], body: ProjectCreate
) -> Response:
    default = default_project(ctx)
    taken = resources.find_by(ctx, KIND, lambda r: r["name"] == body.name)
    if taken is not None or default["name"] == body.name:
        raise Conflict(
            f"a project named {body.name!r} already exists; project names must be unique"
        )

    record = _new_project(ctx, body.model_dump(), is_default=False)
    await ctx.commit()
    return one("project", record, status=201)


@router.get("/v2/projects/default")
async def get_default_project(
    ctx: Annotated[Ctx, authorized("project:read")],
) -> Response:
    record = default_project(ctx)
    await _commit_default(ctx)
    return one("project", record)


async def _update(ctx: Ctx, project: Record, changes: dict[str, Any]) -> Response:
    """Apply PUT/PATCH fields; `is_default: true` takes the default from the old one.

    `is_default: false` on the default project is ignored: an account always
    has one default, which only changes when another project takes it.
    """
    fields = {k: v for k, v in changes.items() if v is not None and k != "is_default"}
    if "purpose" in fields:
        fields["purpose"] = _purpose(fields["purpose"])
    if "environment" in fields:
        fields["environment"] = _environment(fields["environment"])
        if not fields["environment"] and "environment" not in project.data:
            del fields["environment"]
    if changes.get("is_default") and not project["is_default"]:
        old = default_project(ctx)
        if old is not project:
            ctx.tx.update(old, is_default=False, updated_at=resources.now(ctx))
        fields["is_default"] = True

    fields["updated_at"] = resources.now(ctx)
    ctx.tx.update(project, fields)
    await ctx.commit()
    return one("project", project)


@router.put("/v2/projects/default")
async def replace_default_project(
    ctx: Annotated[Ctx, authorized("project:update")], body: ProjectReplace
) -> Response:
    return await _update(ctx, default_project(ctx), body.model_dump())


@router.patch("/v2/projects/default")
async def patch_default_project(
    ctx: Annotated[Ctx, authorized("project:update")], body: ProjectPatch
) -> Response:
    return await _update(ctx, default_project(ctx), body.model_dump())


@router.get("/v2/projects/default/resources")
async def list_default_resources(
    ctx: Annotated[Ctx, authorized("project:read")], page: PageDep
) -> Response:
    project = default_project(ctx)
    await _commit_default(ctx)
    return page.respond("resources", _members(ctx, project))


@router.post("/v2/projects/default/resources")
async def assign_default_resources(
    ctx: Annotated[Ctx, authorized("project:assign_resource")], body: Assignment
) -> Response:
    return await _assign(ctx, default_project(ctx), body)


@router.get("/v2/projects/{project_id}")
async def get_project(
    ctx: Annotated[Ctx, authorized("project:read")], project_id: str
) -> Response:
    record = _existing(ctx, project_id)
    await _commit_default(ctx)
    return one("project", record)


@router.put("/v2/projects/{project_id}")
async def replace_project(
    ctx: Annotated[Ctx, authorized("project:update")],
    project_id: str,
    body: ProjectReplace,
) -> Response:
    return await _update(ctx, _existing(ctx, project_id), body.model_dump())


@router.patch("/v2/projects/{project_id}")
async def patch_project(
    ctx: Annotated[Ctx, authorized("project:update")],
    project_id: str,
    body: ProjectPatch,
) -> Response:
    return await _update(ctx, _existing(ctx, project_id), body.model_dump())


@router.delete("/v2/projects/{project_id}")
async def delete_project(
    ctx: Annotated[Ctx, authorized("project:delete")], project_id: str
) -> Response:
    project = _existing(ctx, project_id)
    if project["is_default"]:
        raise BadRequest(
            "cannot delete the default project. make another project the default first"
        )
    if _members(ctx, project):
        raise PreconditionFailed(
            "cannot delete a project with resources. move or remove the resources first"
        )

    ctx.tx.delete(project)
    await ctx.commit()
    return no_content()


@router.get("/v2/projects/{project_id}/resources")
async def list_resources(
    ctx: Annotated[Ctx, authorized("project:read")], project_id: str, page: PageDep
) -> Response:
    project = _existing(ctx, project_id)
    await _commit_default(ctx)
    return page.respond("resources", _members(ctx, project))


@router.post("/v2/projects/{project_id}/resources")
async def assign_resources(
    ctx: Annotated[Ctx, authorized("project:assign_resource")],
    project_id: str,
    body: Assignment,
) -> Response:
    return await _assign(ctx, _existing(ctx, project_id), body)


def _resolve(ctx: Ctx, urn: str) -> tuple[str, str]:
    """The record kind and id a URN names; 422 when it is not a URN, 501 for kinds not held."""
    parsed = resources.parse_urn(urn)
    if parsed is None:
        raise Unprocessable(
            f"{urn!r} is not a valid URN: expected do:<type>:<id>, e.g. do:droplet:123"
        )
    kind, rid = parsed
    if kind not in ASSIGNABLE:
        raise NotEmulated(
            f"assigning {urn.split(':')[1]} resources to projects is not emulated"
        )
    return kind, rid


async def _assign(ctx: Ctx, project: Record, body: Assignment) -> Response:
    """Move every named resource into `project`; answer each with its status.

    A URN naming nothing in the account is answered with status `not_found`
    and left out, as the spec's `resource.status` describes.
    """
    named = [(urn, *_resolve(ctx, urn)) for urn in dict.fromkeys(body.resources)]

    answered = []
    for urn, kind, rid in named:
        if ctx.tenant.get(kind, rid) is None:
            answered.append(_not_found(ctx, urn, kind, rid))
        else:
            answered.append(_membership(ctx, urn, project.id))
    await _commit_default(ctx)
    return raw({"resources": answered})


def _not_found(ctx: Ctx, urn: str, kind: str, rid: str) -> dict[str, Any]:
    return {
        "urn": urn,
        "assigned_at": resources.now(ctx),
        "links": {"self": resource_url(ctx, kind, rid)},
        "status": "not_found",
    }
