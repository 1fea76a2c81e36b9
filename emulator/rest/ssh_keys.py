"""SSH Keys: `/v2/account/keys`, the public keys an account can put on droplets.

A key is named by its numeric id or by its MD5 fingerprint, as DigitalOcean
shows it (`3b:16:bf:...`). Create parses the OpenSSH public key line (type,
base64 blob, optional comment) and refuses what would not parse, in the real
API's words. Keys are never installed anywhere: droplets only record them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.responses import Response

from emulator.core import resources
from emulator.core.context import Ctx, authorized
from emulator.core.errors import NotFound, Unprocessable
from emulator.core.pagination import PageDep
from emulator.core.responses import no_content, one
from emulator.core.store import Record

router = APIRouter()
KIND = "ssh_key"
ID_START = 41_000_000

KEY_TYPES = (
    "ssh-rsa",
    "ssh-dss",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "ssh-ed25519",
)
INVALID_TYPE = "Key invalid type, we support 'ssh-rsa', 'ssh-dss', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', or 'ssh-ed25519'"
INVALID_KEY = "Fingerprint could not be generated, please make sure your key is valid"
DUPLICATE = "SSH Key is already in use on your account"

# DigitalOcean's documentation keys (the spec's request example among them) are
# real keys whose first base64 characters were overwritten with "EXAMPLE", which
# breaks the blob's length prefix. Accepted so the documented request works;
# the fingerprint is then the MD5 of whatever bytes decode.
_DOCUMENTATION_MARKER = "EXAMPLE"

# The fields after the type name in each key type's blob (RFC 4253, 5656, 8709):
# "mpint"/"string" are length-prefixed; ECDSA names its curve, ed25519 is 32 bytes.
_LAYOUTS = {
    "ssh-rsa": 2,
    "ssh-dss": 4,
    "ecdsa-sha2-nistp256": 2,
    "ecdsa-sha2-nistp384": 2,
    "ecdsa-sha2-nistp521": 2,
    "ssh-ed25519": 1,
}


class KeyCreate(BaseModel):
    name: str
    public_key: str


class KeyUpdate(BaseModel):
    name: str | None = None


def _fields(blob: bytes) -> list[bytes] | None:
    """The length-prefixed fields of an SSH wire blob, or None when they do not add up."""
    fields, offset = [], 0
    while offset < len(blob):
        if offset + 4 > len(blob):
            return None
        size = int.from_bytes(blob[offset : offset + 4], "big")
        offset += 4
        if offset + size > len(blob):
            return None
        fields.append(blob[offset : offset + size])
        offset += size
    return fields


def _is_well_formed(key_type: str, blob: bytes) -> bool:
    fields = _fields(blob)
    if not fields or fields[0] != key_type.encode():
        return False
    rest = fields[1:]
    if len(rest) != _LAYOUTS[key_type]:
        return False
    if key_type == "ssh-ed25519":
        return len(rest[0]) == 32
    if key_type.startswith("ecdsa-"):
        return rest[0] == key_type.rsplit("-", 1)[1].encode() and rest[1][:1] == b"\x04"
    return all(rest)


def fingerprint_of(public_key: str) -> str:
    """The MD5 fingerprint of an OpenSSH public key line; 422 in the API's words if it is not one."""
    parts = public_key.split()
    if not parts or parts[0] not in KEY_TYPES:
        raise Unprocessable(INVALID_TYPE)
    if len(parts) < 2:
        raise Unprocessable(INVALID_KEY)
    key_type, text = parts[0], parts[1]
    try:
        blob = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Unprocessable(INVALID_KEY) from None
    is_example = _DOCUMENTATION_MARKER in text[:16]
    if not blob or not (_is_well_formed(key_type, blob) or is_example):
        raise Unprocessable(INVALID_KEY)
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def _lookup(ctx: Ctx, ref: int | str) -> Record | None:
    text = str(ref).strip()
    if text.isdigit():
        return ctx.tenant.get(KIND, text)
    return resources.find_by(ctx, KIND, lambda r: r["fingerprint"] == text)


def find_key(ctx: Ctx, ref: int | str) -> Record:
    """A key of the tenant by id or fingerprint; 422 when there is none (droplet create)."""
    found = _lookup(ctx, ref)
    if found is None:
        raise Unprocessable(f"{ref} are invalid key identifiers for Droplet creation.")
    return found


def _existing(ctx: Ctx, ref: str) -> Record:
    found = _lookup(ctx, ref)
    if found is None:
        raise NotFound()
    return found


def _check_name(name: str) -> str:
    if not name.strip():
        raise Unprocessable("Name can't be blank")
    return name


@router.get("/v2/account/keys")
async def list_keys(
    ctx: Annotated[Ctx, authorized("ssh_key:read")], page: PageDep
) -> Response:
    return page.respond("ssh_keys", ctx.tenant.collection(KIND).ordered())


@router.post("/v2/account/keys", status_code=201)
async def create_key(
    ctx: Annotated[Ctx, authorized("ssh_key:create")], body: KeyCreate
) -> Response:
    name = _check_name(body.name)
    public_key = body.public_key.strip()
    fingerprint = fingerprint_of(public_key)
    if _lookup(ctx, fingerprint) is not None:
        raise Unprocessable(DUPLICATE)

    number = resources.new_id(ctx, KIND, start=ID_START)
    data = {
        "id": number,
        "fingerprint": fingerprint,
        "public_key": public_key,
        "name": name,
    }
    record = resources.create(ctx, KIND, number, data)
    await ctx.commit()
    return one("ssh_key", record, status=201)


@router.get("/v2/account/keys/{ssh_key_identifier}")
async def get_key(
    ctx: Annotated[Ctx, authorized("ssh_key:read")], ssh_key_identifier: str
) -> Response:
    return one("ssh_key", _existing(ctx, ssh_key_identifier))


@router.put("/v2/account/keys/{ssh_key_identifier}")
async def update_key(
    ctx: Annotated[Ctx, authorized("ssh_key:update")],
    ssh_key_identifier: str,
    body: KeyUpdate,
) -> Response:
    record = _existing(ctx, ssh_key_identifier)
    if body.name is not None:
        ctx.tx.update(record, name=_check_name(body.name))
        await ctx.commit()
    return one("ssh_key", record)


@router.delete("/v2/account/keys/{ssh_key_identifier}")
async def delete_key(
    ctx: Annotated[Ctx, authorized("ssh_key:delete")], ssh_key_identifier: str
) -> Response:
    ctx.tx.delete(_existing(ctx, ssh_key_identifier))
    await ctx.commit()
    return no_content()
