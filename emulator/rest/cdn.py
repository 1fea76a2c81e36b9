"""CDN Endpoints: `/v2/cdn/endpoints`, edge caches in front of a Space.

The only origin DigitalOcean allows is a Space, named by its host
`{bucket}.{region}.digitaloceanspaces.com`; the emulator insists the bucket
exists and belongs to the account (the Spaces surface knows who owns which
bucket). The edge host is the origin with `.cdn` inserted. Nothing is cached,
so purging only checks its request and answers 204 as the real API does.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.responses import Response

from emulator.core import resources
from emulator.core.context import Ctx, authorized
from emulator.core.errors import Conflict, Unprocessable
from emulator.core.pagination import PageDep
from emulator.core.responses import no_content, one
from emulator.core.store import Record

router = APIRouter()
KIND = "cdn_endpoint"
TTLS = (60, 600, 3600, 86400, 604800)
DEFAULT_TTL = 3600
_ORIGIN = re.compile(
    r"^([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\.([a-z]{3}\d)\.digitaloceanspaces\.com$"
)
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)
BAD_TTL = "ttl must be one of 60, 600, 3600, 86400 or 604800."


class EndpointCreate(BaseModel):
    origin: str
    ttl: int | None = None
    certificate_id: str | None = None
    custom_domain: str | None = None


class EndpointUpdate(BaseModel):
    ttl: int | None = None
    certificate_id: str | None = None
    custom_domain: str | None = None


class PurgeCache(BaseModel):
    files: list[str]


def _bucket_exists(ctx: Ctx, bucket: str, region: str) -> bool:
    spaces = getattr(ctx.request.app.state, "spaces", None)
    if spaces is None:
        return False
    found = spaces.buckets.get(bucket)
    return bool(found and found.tenant_id == ctx.tenant.id and found.region == region)


def _check_domain(
    ctx: Ctx, custom_domain: str | None, certificate_id: str | None
) -> None:
    if custom_domain:
        if not _HOSTNAME.match(custom_domain.lower()):
            raise Unprocessable(
                f"custom_domain {custom_domain!r} is not a valid hostname."
            )
        if not certificate_id:
            raise Unprocessable("certificate_id is required when custom_domain is set.")
    if certificate_id and ctx.tenant.get("certificate", certificate_id) is None:
        raise Unprocessable(f"certificate {certificate_id} was not found.")


def _check_ttl(ttl: int | None) -> int | None:
    if ttl is not None and ttl not in TTLS:
        raise Unprocessable(BAD_TTL)
    return ttl


@router.get("/v2/cdn/endpoints")
async def list_endpoints(
    ctx: Annotated[Ctx, authorized("cdn:read")], page: PageDep
) -> Response:
    return page.respond("endpoints", ctx.tenant.collection(KIND).ordered())


@router.post("/v2/cdn/endpoints", status_code=201)
async def create_endpoint(
    ctx: Annotated[Ctx, authorized("cdn:create")], body: EndpointCreate
) -> Response:
    origin = body.origin.strip().lower()
    match = _ORIGIN.match(origin)
    if match is None:
        raise Unprocessable(
            "origin must be a Space: {bucket}.{region}.digitaloceanspaces.com."
        )
    bucket, region = match.group(1), match.group(2)
    if not _bucket_exists(ctx, bucket, region):
        raise Unprocessable(f"origin {origin} is not a Space of this account.")
    ttl = _check_ttl(body.ttl) or DEFAULT_TTL
    _check_domain(ctx, body.custom_domain, body.certificate_id)
    if any(r.data["origin"] == origin for r in ctx.tenant.collection(KIND)):
        raise Conflict("An endpoint already exists for this origin.")

    cdn_id = resources.new_uuid()
    data: dict[str, Any] = {
        "id": cdn_id,
        "origin": origin,
        "endpoint": f"{bucket}.{region}.cdn.digitaloceanspaces.com",
        "ttl": ttl,
    }
    if body.certificate_id:
        data["certificate_id"] = body.certificate_id
    if body.custom_domain:
        data["custom_domain"] = body.custom_domain.lower()
    data["created_at"] = resources.now(ctx)
    record = resources.create(ctx, KIND, cdn_id, data)
    await ctx.commit()
    return one("endpoint", record, status=201)


@router.get("/v2/cdn/endpoints/{cdn_id}")
async def get_endpoint(
    ctx: Annotated[Ctx, authorized("cdn:read")], cdn_id: str
) -> Response:
    return one("endpoint", resources.find(ctx, KIND, cdn_id))


@router.put("/v2/cdn/endpoints/{cdn_id}")
async def update_endpoint(
    ctx: Annotated[Ctx, authorized("cdn:update")], cdn_id: str, body: EndpointUpdate
) -> Response:
    record = resources.find(ctx, KIND, cdn_id)
    changes: dict[str, Any] = {}
    ttl = _check_ttl(body.ttl)
    if ttl is not None:
        changes["ttl"] = ttl
    given = body.model_fields_set
    certificate_id = (
        body.certificate_id
        if "certificate_id" in given
        else record.data.get("certificate_id")
    )
    custom_domain = (
        body.custom_domain
        if "custom_domain" in given
        else record.data.get("custom_domain")
    )
    _check_domain(ctx, custom_domain or None, certificate_id or None)
    # An empty value removes the custom domain (how the control panel turns it off).
    if "certificate_id" in given:
        changes["certificate_id"] = certificate_id or None
    if "custom_domain" in given:
        changes["custom_domain"] = (custom_domain or "").lower() or None
    if not changes:
        return one("endpoint", record)
    # A replacement record, so that removed fields are left out as the API
    # leaves them out of an endpoint without them.
    data = {k: v for k, v in {**record.data, **changes}.items() if v is not None}
    updated = ctx.tx.put(Record(KIND, record.id, data, record.meta, record.seq))
    await ctx.commit()
    return one("endpoint", updated)


@router.delete("/v2/cdn/endpoints/{cdn_id}")
async def delete_endpoint(
    ctx: Annotated[Ctx, authorized("cdn:delete")], cdn_id: str
) -> Response:
    ctx.tx.delete(resources.find(ctx, KIND, cdn_id))
    await ctx.commit()
    return no_content()


@router.delete("/v2/cdn/endpoints/{cdn_id}/cache")
async def purge_cache(
    ctx: Annotated[Ctx, authorized("cdn:delete")], cdn_id: str, body: PurgeCache
) -> Response:
    resources.find(ctx, KIND, cdn_id)
    if not body.files or any(not f.strip() for f in body.files):
        raise Unprocessable("files must list at least one path.")
    return no_content()
