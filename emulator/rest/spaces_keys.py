"""Spaces Keys: `/v2/spaces/keys`, the access keys the S3 side of Spaces accepts.

A key is named by its access key id. Its secret is shown once, in the answer to
create; the emulator keeps it (in `meta`, never served) because the Spaces
surface verifies request signatures with it. Grants say which bucket a key may
touch and how: `read`, `readwrite`, or account-wide `fullaccess` (written with
an empty bucket), which cannot be mixed with scoped grants.
"""

from __future__ import annotations

import base64
import re
import secrets
import string
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.responses import Response

from emulator.core import resources
from emulator.core.context import Ctx, authorized
from emulator.core.errors import BadRequest
from emulator.core.pagination import PageDep
from emulator.core.responses import no_content, one, raw
from emulator.core.store import Record

router = APIRouter()
KIND = "spaces_key"
PERMISSIONS = ("read", "readwrite", "fullaccess")
MIXED = "cannot mix fullaccess permission with scoped permissions."
# Bucket names as Spaces takes them: DNS-compatible, 3 to 63 characters.
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_KEY_ALPHABET = string.ascii_uppercase + string.digits


class GrantBody(BaseModel):
    bucket: str
    permission: str


class KeyBody(BaseModel):
    name: str | None = None
    grants: list[GrantBody] | None = None


def new_access_key() -> str:
    """An id shaped like DigitalOcean's newer keys: `DO00` and 16 more characters."""
    return "DO00" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16))


def new_secret() -> str:
    """43 characters of the base64 alphabet, like a real secret."""
    return base64.b64encode(secrets.token_bytes(32)).decode()[:43]


def _grants(given: list[GrantBody]) -> list[dict[str, str]]:
    """Validate grants as the real API does; return them as stored."""
    grants: list[dict[str, str]] = []
    for grant in given:
        if grant.permission not in PERMISSIONS:
            raise BadRequest(
                f"invalid permission {grant.permission!r}: must be one of read, readwrite, fullaccess."
            )
        if grant.permission == "fullaccess":
            grants.append({"bucket": "", "permission": "fullaccess"})
            continue
        if not _BUCKET_NAME.match(grant.bucket):
            raise BadRequest(f"invalid bucket name {grant.bucket!r}.")
        grants.append({"bucket": grant.bucket, "permission": grant.permission})
    kinds = {g["permission"] == "fullaccess" for g in grants}
    if len(kinds) > 1:
        raise BadRequest(MIXED)
    # One grant per bucket; a repeated bucket keeps its last permission.
    unique = {g["bucket"]: g for g in grants}
    return list(unique.values())


def _check_policies(ctx: Ctx, grants: list[dict[str, str]]) -> None:
    """Refuse a limited grant on a bucket of the account that has a bucket policy."""
    spaces = getattr(ctx.request.app.state, "spaces", None)
    if spaces is None:
        return
    for grant in grants:
        bucket = spaces.buckets.get(grant["bucket"])
        if bucket and bucket.tenant_id == ctx.tenant.id and bucket.has_policy:
            raise BadRequest(
                f"bucket {grant['bucket']} has a bucket policy: limited keys cannot be granted on it."
            )


def is_full_access(grants: list[dict[str, str]]) -> bool:
    return any(g["permission"] == "fullaccess" for g in grants)


def _matches(
    record: Record, name: str | None, bucket: str | None, permission: str | None
) -> bool:
    if name is not None and record.data["name"] != name:
        return False
    grants = record.data["grants"]
    if bucket is not None and not any(g["bucket"] == bucket for g in grants):
        return False
    if permission:
        return any(g["permission"] == permission for g in grants)
    return True


@router.get("/v2/spaces/keys")
async def list_keys(
    ctx: Annotated[Ctx, authorized("spaces_key:read")], page: PageDep
) -> Response:
    sort = ctx.query("sort", choices=("created_at", "name")) or "created_at"
    direction = ctx.query("sort_direction", choices=("asc", "desc")) or "desc"
    name, bucket = ctx.query("name"), ctx.query("bucket")
    permission = ctx.query("permission", choices=(*PERMISSIONS, ""))
    records = [
        r
        for r in ctx.tenant.collection(KIND).ordered()
        if _matches(r, name, bucket, permission)
    ]
    if sort == "name":
        records.sort(key=lambda r: r.data["name"])
    # Creation order is the store's order; ties on the timestamp keep it.
    if direction == "desc":
        records.reverse()
    return page.respond("keys", records)


@router.post("/v2/spaces/keys", status_code=201)
async def create_key(
    ctx: Annotated[Ctx, authorized("spaces_key:create_credentials")], body: KeyBody
) -> Response:
    name = (body.name or "").strip()
    if not name:
        raise BadRequest("name is required.")
    grants = _grants(body.grants or [])
    _check_policies(ctx, grants)
    access_key = new_access_key()
    secret = new_secret()
    data: dict[str, Any] = {
        "name": name,
        "access_key": access_key,
        "grants": grants,
        "created_at": resources.now(ctx),
    }
    resources.create(ctx, KIND, access_key, data, {"secret": secret})
    await ctx.commit()
    return raw({"key": {**data, "secret_key": secret}}, status=201)


@router.get("/v2/spaces/keys/{access_key}")
async def get_key(
    ctx: Annotated[Ctx, authorized("spaces_key:read")], access_key: str
) -> Response:
    return one("key", resources.find(ctx, KIND, access_key))


async def _update(ctx: Ctx, access_key: str, body: KeyBody) -> Response:
    record = resources.find(ctx, KIND, access_key)
    changes: dict[str, Any] = {}
    if body.name is not None:
        if not body.name.strip():
            raise BadRequest("name is required.")
        changes["name"] = body.name.strip()
    if body.grants is not None:
        grants = _grants(body.grants)
        # A key stays what it was made: full access or scoped.
        if is_full_access(grants) != is_full_access(record.data["grants"]):
            raise BadRequest(MIXED)
        _check_policies(ctx, grants)
        changes["grants"] = grants
    if changes:
        ctx.tx.update(record, changes)
        await ctx.commit()
    return one("key", record)


@router.put("/v2/spaces/keys/{access_key}")
async def replace_key(
    ctx: Annotated[Ctx, authorized("spaces_key:update")],
    access_key: str,
    body: KeyBody,
) -> Response:
    return await _update(ctx, access_key, body)


@router.patch("/v2/spaces/keys/{access_key}")
async def patch_key(
    ctx: Annotated[Ctx, authorized("spaces_key:update")],
    access_key: str,
    body: KeyBody,
) -> Response:
    return await _update(ctx, access_key, body)


@router.delete("/v2/spaces/keys/{access_key}")
async def delete_key(
    ctx: Annotated[Ctx, authorized("spaces_key:delete")], access_key: str
) -> Response:
    ctx.tx.delete(resources.find(ctx, KIND, access_key))
    await ctx.commit()
    return no_content()
