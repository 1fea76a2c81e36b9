"""Tags: labels on droplets, images, volumes, volume snapshots and databases.

A tag is a record of kind `tag` whose id is the lower-cased name: names are
case-stable, so the capitalisation used first is canonical and later uses in
another case map to it. Which resources carry a tag is known from their own
`tags` lists; the tag's `resources` summary is computed from them each time a
tag is shown, so it never goes stale.

Left out: `last_tagged_uri` names the most recently created resource carrying
the tag, not the one tagged last (the API does not say when a tag was applied).
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from weakref import WeakKeyDictionary

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.responses import Response

from emulator.core import resources
from emulator.core.context import Ctx, authorized
from emulator.core.errors import BadRequest, NotFound, Unprocessable
from emulator.core.pagination import PageDep
from emulator.core.responses import no_content, raw
from emulator.core.store import Record, Tx

router = APIRouter()
KIND = "tag"

NAME_PATTERN = re.compile(r"^[a-zA-Z0-9_\-:]+$")
MAX_NAME_LENGTH = 255

# What can carry a tag: the `resource_type` word, the record kind, the key in a
# tag's `resources` summary and the API path of one such resource.
TAGGABLE = {
    "droplet": ("droplet", "droplets", "droplets"),
    "image": ("image", "images", "images"),
    "volume": ("volume", "volumes", "volumes"),
    "volume_snapshot": ("volume_snapshot", "volume_snapshots", "snapshots"),
    "database": ("database", "databases", "databases"),
}

# Tags buffered by a transaction but not yet committed: reads do not see a
# request's own changes, and one request may name the same new tag twice.
_pending: WeakKeyDictionary[Tx, dict[str, Record]] = WeakKeyDictionary()


class TagCreate(BaseModel):
    # A missing name is refused by the tags service itself, with its own 400.
    name: str = ""


class TaggedResource(BaseModel):
    resource_id: int | str
    resource_type: str


class TagResources(BaseModel):
    resources: list[TaggedResource]


def _problem(name: str) -> str | None:
    """Why `name` cannot be a tag, worded as the tags service words it, or None."""
    if not name:
        return "tag-name must not be empty"
    if len(name) > MAX_NAME_LENGTH:
        return f"tag-name is longer than {MAX_NAME_LENGTH} characters"
    if not NAME_PATTERN.match(name):
        return f'tag-name "{name}" contains invalid characters'
    return None


def find_tag(ctx: Ctx, name: str) -> Record | None:
    """The tag called `name` in any capitalisation, including one buffered in ctx.tx."""
    key = name.lower()
    return ctx.tenant.get(KIND, key) or _pending.get(ctx.tx, {}).get(key)


def _new_tag(ctx: Ctx, name: str) -> Record:
    record = resources.create(
        ctx, KIND, name.lower(), {"name": name, "resources": _empty()}
    )
    _pending.setdefault(ctx.tx, {})[record.id] = record
    return record


def ensure_tags(ctx: Ctx, names: list[str]) -> list[str]:
    """Validate tag names, create missing tags in ctx.tx; return canonical names (422 if invalid).

    Every name is checked before any tag is buffered, so a refused request
    leaves nothing behind.
    """
    for name in names:
        problem = (
            _problem(name) if isinstance(name, str) else "tag names must be strings"
        )
        if problem:
            raise Unprocessable(
                f"{problem}: tags may contain letters, numbers, colons, dashes, and underscores, up to 255 characters"
            )
    canonical = [(find_tag(ctx, name) or _new_tag(ctx, name))["name"] for name in names]
    return list(dict.fromkeys(canonical))


def _empty() -> dict[str, Any]:
    return {"count": 0, **{key: {"count": 0} for _, key, _ in TAGGABLE.values()}}


def _tagged(ctx: Ctx) -> dict[str, list[tuple[str, Record]]]:
    """Every tagged resource of the tenant by lower-cased tag name, in one pass."""
    found: dict[str, list[tuple[str, Record]]] = {}
    for kind, _, _ in TAGGABLE.values():
        for record in ctx.tenant.collection(kind):
            for name in record.data.get("tags") or ():
                found.setdefault(name.lower(), []).append((kind, record))
    return found


def _stats(
    ctx: Ctx, items: list[tuple[str, Record]], kind: str | None
) -> dict[str, Any]:
    chosen = [(k, r) for k, r in items if kind is None or k == kind]
    stats: dict[str, Any] = {"count": len(chosen)}
    if chosen:
        last_kind, last = max(chosen, key=lambda item: item[1].seq)
        path = next(p for k, _, p in TAGGABLE.values() if k == last_kind)
        base = str(ctx.request.base_url).rstrip("/")
        stats["last_tagged_uri"] = f"{base}/v2/{path}/{last.id}"
    return stats


def _render(
    ctx: Ctx, tag: Record, tagged: dict[str, list[tuple[str, Record]]]
) -> dict[str, Any]:
    items = tagged.get(tag.id, [])
    summary = _stats(ctx, items, None)
    for kind, key, _ in TAGGABLE.values():
        summary[key] = _stats(ctx, items, kind)
    return {"name": tag["name"], "resources": summary}


def _bad_request(ctx: Ctx, problem: str) -> Response:
    """The 400 body the tags service sends: `error`, `messages`, `root_causes`.

    The usual `id`, `message` and `request_id` ride along: godo reads only
    `message`, and would otherwise report an empty error.
    """
    # The service quotes the problem as Go's %q does: inner quotes get a backslash.
    quoted = problem.replace("\\", "\\\\").replace('"', '\\"')
    error = f'Error validating resource tag: "{quoted}"'
    return raw(
        {
            "error": error,
            "messages": None,
            "root_causes": [f"rpc error: code = InvalidArgument desc = {error}"],
            "id": BadRequest.id,
            "message": error,
            "request_id": ctx.request.scope.get("state", {}).get("request_id"),
        },
        status=400,
    )


def _existing(ctx: Ctx, tag_id: str) -> Record:
    """The tag named exactly `tag_id`: URLs must use the canonical capitalisation."""
    found = ctx.tenant.get(KIND, tag_id.lower())
    if found is None or found["name"] != tag_id:
        raise NotFound()
    return found


def _targets(ctx: Ctx, body: TagResources) -> list[Record]:
    """The tenant's records named in the body; 422 for an unknown type, 404 for a missing one."""
    records = []
    for item in body.resources:
        if item.resource_type not in TAGGABLE:
            raise Unprocessable(
                f"resource_type {item.resource_type!r} cannot be tagged: use droplet, image, volume, volume_snapshot or database"
            )
        kind = TAGGABLE[item.resource_type][0]
        records.append(resources.find(ctx, kind, str(item.resource_id)))
    return records


@router.get("/v2/tags")
async def list_tags(
    ctx: Annotated[Ctx, authorized("tag:read")], page: PageDep
) -> Response:
    tags = ctx.tenant.collection(KIND).ordered()
    chunk = page.slice(tags)
    tagged = _tagged(ctx) if chunk else {}

    # Only the page is rendered; the envelope still counts every tag.
    rendered = [_render(ctx, tag, tagged) for tag in chunk]
    total = len(tags)
    return raw({"tags": rendered, "links": page.links(total), "meta": {"total": total}})


@router.post("/v2/tags", status_code=201)
async def create_tag(
    ctx: Annotated[Ctx, authorized("tag:create")], body: TagCreate
) -> Response:
    problem = _problem(body.name)
    if problem:
        return _bad_request(ctx, problem)

    # Creating a tag that exists answers with it, in its canonical capitalisation.
    tag = find_tag(ctx, body.name) or _new_tag(ctx, body.name)
    await ctx.commit()
    return raw({"tag": _render(ctx, tag, _tagged(ctx))}, status=201)


@router.get("/v2/tags/{tag_id}")
async def get_tag(ctx: Annotated[Ctx, authorized("tag:read")], tag_id: str) -> Response:
    tag = _existing(ctx, tag_id)
    return raw({"tag": _render(ctx, tag, _tagged(ctx))})


@router.delete("/v2/tags/{tag_id}")
async def delete_tag(
    ctx: Annotated[Ctx, authorized("tag:delete")], tag_id: str
) -> Response:
    tag = _existing(ctx, tag_id)

    for _, record in _tagged(ctx).get(tag.id, []):
        _untag(ctx, record, tag)
    ctx.tx.delete(tag)
    await ctx.commit()
    return no_content()


def _untag(ctx: Ctx, record: Record, tag: Record) -> None:
    names = list(record.data.get("tags") or ())
    kept = [name for name in names if name.lower() != tag.id]
    if kept != names:
        ctx.tx.update(record, tags=kept)


@router.post("/v2/tags/{tag_id}/resources")
async def tag_resources(
    ctx: Annotated[Ctx, authorized("tag:create")], tag_id: str, body: TagResources
) -> Response:
    tag = _existing(ctx, tag_id)
    targets = _targets(ctx, body)

    for record in dict.fromkeys(targets):
        names = list(record.data.get("tags") or ())
        if tag.id not in (name.lower() for name in names):
            ctx.tx.update(record, tags=[*names, tag["name"]])
    await ctx.commit()
    return no_content()


@router.delete("/v2/tags/{tag_id}/resources")
async def untag_resources(
    ctx: Annotated[Ctx, authorized("tag:delete")], tag_id: str, body: TagResources
) -> Response:
    tag = _existing(ctx, tag_id)
    targets = _targets(ctx, body)

    for record in dict.fromkeys(targets):
        _untag(ctx, record, tag)
    await ctx.commit()
    return no_content()
