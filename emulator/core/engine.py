"""The resource engine: a plain family is a declaration, not five handlers.

A family that is create / list / get / update / delete over one collection
declares what differs (its path, envelope keys, scopes, request models, how a
new object looks, which filters the API documents) and `mount` adds the routes:

    checks = Family(
        kind="uptime_check", singular="check", plural="checks",
        path="/v2/uptime/checks", id_param="check_id",
        scopes=Scopes(read="uptime:read", create="uptime:create",
                      update="uptime:update", delete="uptime:delete"),
        create_model=CheckCreate, update_model=CheckUpdate,
        build=lambda ctx, body, id: {"id": id, **body.model_dump()},
    )
    mount(router, checks)

Everything else comes from `core`: ids (UUIDs, or numbers from a global
sequence), paging, DigitalOcean errors, one commit per request. A family with
special behaviour passes hooks (`check`, `on_create`, `on_update`, `on_delete`)
or writes that one route by hand next to the mounted ones; routes written by
hand on the same router before `mount` take precedence.

This module does not use `from __future__ import annotations`: the handlers it
makes carry the family's models in their annotations, which FastAPI reads.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.responses import Response

from emulator.core import actions, resources
from emulator.core.context import Ctx, authorized
from emulator.core.errors import NotFound
from emulator.core.pagination import PageDep
from emulator.core.responses import no_content, one
from emulator.core.store import Record

Build = Callable[[Ctx, Any, "str | int"], dict[str, Any]]
Hook = Callable[..., None]


@dataclass(frozen=True)
class Scopes:
    """The scopes each verb needs; any one listed suffices."""

    read: str | tuple[str, ...]
    create: str | tuple[str, ...] = ()
    update: str | tuple[str, ...] = ()
    delete: str | tuple[str, ...] = ()

    def of(self, verb: str) -> tuple[str, ...]:
        value = getattr(self, verb)
        return (value,) if isinstance(value, str) else tuple(value)


@dataclass(frozen=True)
class Family:
    kind: str
    singular: str
    plural: str
    path: str
    id_param: str
    scopes: Scopes
    build: Build | None = None
    create_model: type[BaseModel] | None = None
    update_model: type[BaseModel] | None = None
    # "uuid", or the start of a global numeric sequence named after the kind.
    ids: Literal["uuid"] | int = "uuid"
    # id_of(body) -> id, for objects named by what the client gives (domains).
    id_of: Callable[[Any], str] | None = None
    create_status: int = 201
    # Some families answer an update or a delete with 202 (the change runs on).
    update_status: int = 200
    delete_status: int = 204
    update_method: Literal["PUT", "PATCH"] = "PUT"
    # A PUT that changes only the fields sent, as many DigitalOcean PUTs do.
    partial_put: bool = False
    # Query parameters that filter the list by the data field of the same name.
    filters: tuple[str, ...] = ()
    # find(ctx, ref) -> Record | None, for families named by more than the id.
    find: Callable[[Ctx, str], Record | None] | None = None
    # check(ctx, body, record_or_None): raise to refuse before anything changes.
    check: Hook | None = None
    # on_create(ctx, record) / on_update(ctx, record, changes) / on_delete(ctx, record):
    # buffer related changes in ctx.tx (actions, links in other families).
    on_create: Hook | None = None
    on_update: Hook | None = None
    on_delete: Hook | None = None
    # Which routes to mount; leave one out to write it by hand.
    verbs: tuple[str, ...] = ("list", "create", "get", "update", "delete")
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def item_path(self) -> str:
        return f"{self.path}/{{{self.id_param}}}"

    def lookup(self, ctx: Ctx, ref: str) -> Record:
        """The tenant's object named `ref`, or DigitalOcean's 404."""
        found = self.find(ctx, ref) if self.find else ctx.tenant.get(self.kind, ref)
        if found is None:
            raise NotFound()
        return found

    def records(self, ctx: Ctx) -> Sequence[Record]:
        """The list, filtered by the documented query parameters present."""
        records = ctx.tenant.collection(self.kind).ordered()
        wanted = {name: ctx.query(name) for name in self.filters}
        wanted = {name: value for name, value in wanted.items() if value is not None}
        if not wanted:
            return records
        return [
            r
            for r in records
            if all(_matches(r.data.get(k), v) for k, v in wanted.items())
        ]

    def new_id(self, ctx: Ctx) -> str | int:
        if self.ids == "uuid":
            return resources.new_uuid()
        return resources.new_id(ctx, self.kind, start=self.ids)


# Delayed changes are the clock's business now (core/actions.py); these names
# stay for the families that use them.
LATER = actions.LATER
later = actions.later


def _matches(value: Any, wanted: str) -> bool:
    if isinstance(value, list):
        return wanted in value
    return str(value).lower() == wanted.lower() if value is not None else False


def create(ctx: Ctx, family: Family, body: BaseModel | None) -> Record:
    """Check, build and buffer a new object of `family` (the caller commits)."""
    if family.check:
        family.check(ctx, body, None)
    if family.build is None:
        raise TypeError(f"{family.kind}: a family that creates needs `build`")
    number = family.id_of(body) if family.id_of else family.new_id(ctx)
    record = resources.create(ctx, family.kind, number, family.build(ctx, body, number))
    if family.on_create:
        family.on_create(ctx, record)
    return record


def update(ctx: Ctx, family: Family, record: Record, body: BaseModel) -> dict[str, Any]:
    """Check and buffer the fields `body` sets; return them."""
    if family.check:
        family.check(ctx, body, record)
    exclude_unset = family.update_method == "PATCH" or family.partial_put
    changes = body.model_dump(exclude_unset=exclude_unset, exclude_none=exclude_unset)
    changes = {k: v for k, v in changes.items() if k in record.data}
    ctx.tx.update(record, changes)
    if family.on_update:
        family.on_update(ctx, record, changes)
    return changes


def delete(ctx: Ctx, family: Family, record: Record) -> None:
    if family.check:
        family.check(ctx, None, record)
    if family.on_delete:
        family.on_delete(ctx, record)
    ctx.tx.delete(record)


def mount(router: APIRouter, family: Family) -> None:
    """Add the family's routes to `router`, list and create first."""
    if "list" in family.verbs:
        router.add_api_route(family.path, _list_route(family), methods=["GET"])
    if "create" in family.verbs and family.create_model is not None:
        router.add_api_route(
            family.path,
            _create_route(family),
            methods=["POST"],
            status_code=family.create_status,
        )
    if "get" in family.verbs:
        router.add_api_route(family.item_path, _get_route(family), methods=["GET"])
    if "update" in family.verbs and family.update_model is not None:
        router.add_api_route(
            family.item_path,
            _update_route(family),
            methods=[family.update_method],
            status_code=family.update_status,
        )
    if "delete" in family.verbs:
        router.add_api_route(
            family.item_path,
            _delete_route(family),
            methods=["DELETE"],
            status_code=family.delete_status,
        )


def _list_route(family: Family) -> Callable[..., Any]:
    async def list_objects(
        ctx: Annotated[Ctx, authorized(*family.scopes.of("read"))], page: PageDep
    ) -> Response:
        return page.respond(family.plural, family.records(ctx))

    return list_objects


def _create_route(family: Family) -> Callable[..., Any]:
    model = family.create_model

    async def create_object(
        ctx: Annotated[Ctx, authorized(*family.scopes.of("create"))],
        body: model,  # type: ignore[valid-type]
    ) -> Response:
        record = create(ctx, family, body)
        await ctx.commit()
        return one(family.singular, record, status=family.create_status)

    return create_object


def _get_route(family: Family) -> Callable[..., Any]:
    async def get_object(
        ctx: Annotated[Ctx, authorized(*family.scopes.of("read"))], object_id: str
    ) -> Response:
        record = family.lookup(ctx, object_id)
        return one(family.singular, record)

    return _named(get_object, family.id_param)


def _update_route(family: Family) -> Callable[..., Any]:
    model = family.update_model

    async def update_object(
        ctx: Annotated[Ctx, authorized(*family.scopes.of("update"))],
        object_id: str,
        body: model,  # type: ignore[valid-type]
    ) -> Response:
        record = family.lookup(ctx, object_id)
        update(ctx, family, record, body)
        await ctx.commit()
        return one(family.singular, record, status=family.update_status)

    return _named(update_object, family.id_param)


def _delete_route(family: Family) -> Callable[..., Any]:
    async def delete_object(
        ctx: Annotated[Ctx, authorized(*family.scopes.of("delete"))], object_id: str
    ) -> Response:
        delete(ctx, family, family.lookup(ctx, object_id))
        await ctx.commit()
        if family.delete_status == 204:
            return no_content()
        return Response(status_code=family.delete_status)

    return _named(delete_object, family.id_param)


def _named(handler: Callable[..., Any], id_param: str) -> Callable[..., Any]:
    """Rename the handler's `object_id` parameter to the path's own name."""
    import inspect

    signature = inspect.signature(handler)
    parameters = [
        p.replace(name=id_param) if p.name == "object_id" else p
        for p in signature.parameters.values()
    ]

    async def handler_with_path_name(**kwargs: Any) -> Response:
        kwargs["object_id"] = kwargs.pop(id_param)
        return await handler(**kwargs)

    handler_with_path_name.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    handler_with_path_name.__name__ = handler.__name__
    return handler_with_path_name
