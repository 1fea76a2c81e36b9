"""Images: the public catalogue and the account's own snapshots, backups, custom images.

Public images come from the catalogue and are the same for every account; the
account's own ("private") images are records of kind `image`. They are made by
custom image import (`POST /v2/images`), by droplet snapshot actions (the
droplets family calls `create_snapshot_image`), by converting an image (see
`image_actions.py`) and by account transfers between two accounts of this
emulator (`/v2/images/{id}/account_transfer`).

Not emulated: an import never fetches its URL; it always succeeds, and the new
image gets a fixed size. Writes (PUT, DELETE, actions, transfers) look only at
the account's own images, so a public image there is a 404: the spec documents
no 403 for these operations.
"""

from __future__ import annotations

import re
import time
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

from fastapi import APIRouter, Query
from pydantic import BaseModel
from starlette.responses import Response

from emulator.core import actions, resources
from emulator.core.catalogue import Catalogue
from emulator.core.clock import timestamp
from emulator.core.context import Ctx, authorized
from emulator.core.errors import BadRequest, NotFound, Unprocessable
from emulator.core.pagination import PageDep
from emulator.core.responses import no_content, one, raw
from emulator.core.store import Record, Tenant, Tx
from emulator.rest.tags import ensure_tags

router = APIRouter()

KIND = "image"
# Above every catalogue id, so an account's image never hides behind a public one.
ID_START = 190_000_000
TRANSFER_ID_START = 3_100_000

# The spec's `distribution` enum; "any other value will be accepted but ignored,
# and Unknown will be used in its place".
DISTRIBUTIONS = frozenset(
    {
        "Arch Linux",
        "CentOS",
        "CoreOS",
        "Debian",
        "Fedora",
        "Fedora Atomic",
        "FreeBSD",
        "Gentoo",
        "openSUSE",
        "RancherOS",
        "Rocky Linux",
        "Ubuntu",
        "Unknown",
    }
)
# What an import reports once done: the URL is never fetched, so these are made up.
IMPORTED_SIZE_GIGABYTES = 2.34
IMPORTED_MIN_DISK_SIZE = 20
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


class ImageUpdate(BaseModel):
    name: str | None = None
    distribution: str | None = None
    description: str | None = None


class CustomImageCreate(ImageUpdate):
    name: str
    url: str
    region: str
    tags: list[str] | None = None


class AccountTransferCreate(BaseModel):
    recipient_email: str | None = None
    recipient_uuid: str | None = None


class AccountTransferAnswer(BaseModel):
    transfer_id: int


class AccountTransferAccept(AccountTransferAnswer):
    recipient_uuid: str


def normal_id(ref: int | str) -> str:
    """`"0042"` and `42` name the same image as `"42"`; other text is left as it is."""
    text = str(ref)
    return str(int(text)) if text.isascii() and text.isdigit() else text


def find_image(ctx: Ctx, ref: int | str) -> Record:
    """A public image by id or slug, or one of the tenant's by id; 422 when none."""
    found = ctx.catalogue.public_image(ref) or ctx.tenant.get(KIND, normal_id(ref))
    if found is None:
        raise Unprocessable(f"image {ref} not found")
    return found


def own_image(ctx: Ctx, image_id: str) -> Record:
    """One of the account's own images by id; 404 for anything else, public ones too."""
    found = ctx.tenant.get(KIND, normal_id(image_id))
    if found is None:
        raise NotFound()
    return found


def droplet_images(tenant: Tenant, droplet_id: int | str, type: str) -> list[Record]:
    """The tenant's images of `type` ("snapshot", "backup") made from that droplet."""
    wanted = str(droplet_id)
    return [
        image
        for image in tenant.collection(KIND).ordered()
        if image.meta.get("droplet_id") == wanted and image["type"] == type
    ]


def create_snapshot_image(
    tx: Tx, droplet: Record, name: str, *, created_at: str | None = None
) -> Record:
    """Buffer a snapshot of `droplet` in `tx`; add it to the droplet's `snapshot_ids`.

    For the droplets family's snapshot action effect. `tx` carries no clock, so
    pass `created_at` (the action's `started_at` is what DigitalOcean shows);
    without it the wall clock is used.
    """
    number, count = tx.store.next_id(KIND, ID_START)
    tx.ops.append(count)
    source = droplet.data.get("image") or {}
    region = (droplet.data.get("region") or {}).get("slug")
    data = {
        "id": number,
        "name": name,
        "type": "snapshot",
        "distribution": source.get("distribution") or "Unknown",
        "slug": None,
        "public": False,
        "regions": [region] if region else [],
        "created_at": created_at or timestamp(time.time()),
        "min_disk_size": droplet.data.get("disk") or source.get("min_disk_size"),
        "size_gigabytes": source.get("size_gigabytes") or IMPORTED_SIZE_GIGABYTES,
        "description": "",
        "tags": [],
        "status": "available",
        "error_message": "",
    }
    image = tx.put(Record(KIND, number, data, {"droplet_id": droplet.id}))
    tx.update(droplet, snapshot_ids=[*(droplet.data.get("snapshot_ids") or []), number])
    return image


def delete_image(ctx: Ctx, image: Record) -> None:
    """Buffer the deletion of an account's image; a pending transfer goes with it."""
    ctx.tx.delete(image)
    _forget_on_droplet(ctx.tx, image)


def _forget_on_droplet(tx: Tx, image: Record) -> None:
    """Drop the image from its droplet's `snapshot_ids`/`backup_ids`, if it is here."""
    droplet_id = image.meta.get("droplet_id")
    droplet = tx.tenant.get("droplet", droplet_id) if droplet_id else None
    if droplet is None:
        return
    number = int(image.id)
    changes = {
        field: [i for i in droplet.data[field] if i != number]
        for field in ("snapshot_ids", "backup_ids")
        if number in (droplet.data.get(field) or [])
    }
    if changes:
        tx.update(droplet, changes)


_public_lists: WeakKeyDictionary[Catalogue, dict[str, list[Record]]] = (
    WeakKeyDictionary()
)


def _public(catalogue: Catalogue) -> dict[str, list[Record]]:
    """The catalogue's images as lists per `type` filter, built once per catalogue."""
    found = _public_lists.get(catalogue)
    if found is None:
        every = sorted(catalogue.images.values(), key=lambda record: record.seq)
        found = _public_lists[catalogue] = {
            "all": every,
            "application": [r for r in every if r.meta.get("application")],
            "distribution": [r for r in every if not r.meta.get("application")],
        }
    return found


def _distribution(value: str | None) -> str:
    return value if value in DISTRIBUTIONS else "Unknown"


def _name(value: str) -> str:
    if not value.strip():
        raise Unprocessable("name must not be blank")
    return value


def _import_region(ctx: Ctx, slug: str) -> dict[str, Any]:
    region = ctx.catalogue.region(slug)
    if region is None or not region["available"]:
        raise Unprocessable(f"region {slug} is not available")
    return region


def _check_url(url: str) -> None:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Unprocessable(
            "url must be an http or https URL from which the image can be downloaded"
        )


@actions.effect("image.import")
def _imported(tx: Tx, action: Record, image_id: str, region_slug: str) -> None:
    image = tx.tenant.get(KIND, image_id)
    if image is None:  # deleted while it was importing
        return
    tx.update(
        image,
        status="available",
        regions=[region_slug],
        min_disk_size=IMPORTED_MIN_DISK_SIZE,
        size_gigabytes=IMPORTED_SIZE_GIGABYTES,
    )


@router.get("/v2/images")
async def list_images(
    ctx: Annotated[Ctx, authorized("image:read")],
    page: PageDep,
    kind: Annotated[
        Literal["application", "distribution"] | None, Query(alias="type")
    ] = None,
    private: bool | None = None,
    tag_name: str | None = None,
) -> Response:
    """Public images first, then the account's own; `type` picks public images only."""
    public = _public(ctx.catalogue)
    own = ctx.tenant.collection(KIND).ordered()
    if kind is not None:
        images = [] if private else public[kind]
    elif private:
        images = own
    else:
        images = public["all"] + own
    if tag_name is not None:
        # Tag names match whatever their case, as the tags API treats them.
        wanted = tag_name.lower()
        images = [i for i in images if wanted in (t.lower() for t in i["tags"] or ())]
    return page.respond("images", images)


@router.post("/v2/images", status_code=202)
async def create_custom_image(
    body: CustomImageCreate, ctx: Annotated[Ctx, authorized("image:create")]
) -> Response:
    """Import a custom image: `NEW` now, `available` in `region` when its action ends."""
    if body.tags:
        # The spec notes that tagging on create needs the scope to make tags.
        ctx.require("tag:create")
    name = _name(body.name)
    region = _import_region(ctx, body.region)
    _check_url(body.url)
    tags = ensure_tags(ctx, body.tags or [])

    number = resources.new_id(ctx, KIND, start=ID_START)
    data = {
        "id": number,
        "name": name,
        "type": "custom",
        "distribution": _distribution(body.distribution),
        "slug": None,
        "public": False,
        "regions": [],
        "created_at": resources.now(ctx),
        "min_disk_size": None,
        "size_gigabytes": None,
        "description": body.description or "",
        "tags": tags,
        "status": "NEW",
        "error_message": "",
    }
    image = resources.create(ctx, KIND, number, data, {"url": body.url})
    actions.start(
        ctx,
        "import",
        resource_type="image",
        resource_id=number,
        region=region,
        effect="image.import",
        image_id=image.id,
        region_slug=region["slug"],
    )
    await ctx.commit()
    return one("image", image, status=202)


@router.get("/v2/images/{image_id}")
async def get_image(
    image_id: str, ctx: Annotated[Ctx, authorized("image:read")]
) -> Response:
    """A public image by id or slug, or one of the account's by id."""
    image = ctx.catalogue.public_image(image_id) or ctx.tenant.get(
        KIND, normal_id(image_id)
    )
    if image is None:
        raise NotFound()
    return one("image", image)


@router.put("/v2/images/{image_id}")
async def update_image(
    image_id: str, body: ImageUpdate, ctx: Annotated[Ctx, authorized("image:update")]
) -> Response:
    """Rename an image; `distribution` and `description` change on custom images only.

    The spec allows those two "for custom images"; on snapshots and backups they
    are accepted and ignored.
    """
    image = own_image(ctx, image_id)
    changes: dict[str, Any] = {}
    if body.name is not None:
        changes["name"] = _name(body.name)
    if image["type"] == "custom":
        if body.distribution is not None:
            changes["distribution"] = _distribution(body.distribution)
        if body.description is not None:
            changes["description"] = body.description

    if changes:
        ctx.tx.update(image, changes)
        await ctx.commit()
    return one("image", image)


@router.delete("/v2/images/{image_id}")
async def delete_own_image(
    image_id: str, ctx: Annotated[Ctx, authorized("image:delete")]
) -> Response:
    delete_image(ctx, own_image(ctx, image_id))
    await ctx.commit()
    return no_content()


def _recipient(ctx: Ctx, body: AccountTransferCreate) -> dict[str, str]:
    """The transfer's one recipient, checked; the spec answers 400 for a bad one."""
    email, team = body.recipient_email, body.recipient_uuid
    if (email is None) == (team is None):
        raise BadRequest(
            "give the recipient as either recipient_email or recipient_uuid"
        )
    if email is not None:
        if not _EMAIL.match(email):
            raise BadRequest("recipient_email is not a valid email address")
        if email.lower() == ctx.tenant.email.lower():
            raise BadRequest("an image cannot be transferred to its own account")
        return {"recipient_email": email}
    assert team is not None
    if not _UUID.match(team):
        raise BadRequest("recipient_uuid is not a valid team UUID")
    if team.lower() == ctx.tenant.uuid.lower():
        raise BadRequest("an image cannot be transferred to its own account")
    return {"recipient_uuid": team.lower()}


@router.post("/v2/images/{image_id}/account_transfer", status_code=201)
async def transfer_image_to_account(
    image_id: str,
    body: AccountTransferCreate,
    ctx: Annotated[Ctx, authorized("image:update")],
) -> Response:
    """Offer a snapshot to another account (by email) or team (by UUID).

    The transfer stays pending until the recipient accepts it: here a team is
    never one the sender belongs to, so the real API's automatic acceptance
    (`transfer_id` 0) does not happen. Recipients are not looked up: an email
    with no account behind it is an invitation nobody accepts yet.
    """
    # Handing an image to someone else takes it out of this account, hence both scopes.
    ctx.require("image:delete")
    image = own_image(ctx, image_id)
    recipient = _recipient(ctx, body)
    if image["type"] != "snapshot":
        raise BadRequest("only snapshot images can be transferred to another account")
    if image.meta.get("transfer"):
        raise BadRequest(
            "the image already has a pending account transfer; cancel it first"
        )

    transfer_id = resources.new_id(ctx, "image_transfer", start=TRANSFER_ID_START)
    ctx.tx.update_meta(image, transfer={"id": transfer_id, **recipient})
    await ctx.commit()
    return raw({"transfer_id": transfer_id}, status=201)


def _holder(ctx: Ctx, image_id: str) -> tuple[Tenant, Record] | None:
    """The account holding the image, whichever it is (image ids are global)."""
    for tenant in list(ctx.store.tenants.values()):
        image = tenant.get(KIND, image_id)
        if image is not None:
            return tenant, image
    # After a restart the sender may not be loaded yet: ask the database who it is.
    rows = ctx.store.database.select(
        "SELECT tenant_id FROM record WHERE kind = ? AND id = ?", KIND, image_id
    )
    for (tenant_id,) in rows:
        try:
            tenant = ctx.emulator.tenants.load(tenant_id)
        except KeyError:
            continue
        image = tenant.get(KIND, image_id)
        if image is not None:
            return tenant, image
    return None


def _is_recipient(tenant: Tenant, transfer: dict[str, Any]) -> bool:
    email = transfer.get("recipient_email")
    if email is not None:
        return bool(email.lower() == tenant.email.lower())
    return bool(transfer.get("recipient_uuid") == tenant.uuid.lower())


def _incoming(ctx: Ctx, image_id: str, transfer_id: int) -> tuple[Tenant, Record]:
    """The sender and image of a transfer pending to the caller; 404 for anyone else."""
    found = _holder(ctx, normal_id(image_id))
    transfer = found[1].meta.get("transfer") if found else None
    if (
        found is None
        or not transfer
        or transfer["id"] != transfer_id
        or not _is_recipient(ctx.tenant, transfer)
    ):
        raise NotFound("the image account transfer could not be found")
    return found


@router.post("/v2/images/{image_id}/account_transfer/accept", status_code=201)
async def accept_image_transfer(
    image_id: str,
    body: AccountTransferAccept,
    ctx: Annotated[Ctx, authorized("image:create")],
) -> Response:
    """Move the image into the caller's account: it keeps its id, loses its tags.

    Both accounts change in one durable write, so the image is never in both.
    """
    sender, image = _incoming(ctx, image_id, body.transfer_id)
    if body.recipient_uuid.lower() != ctx.tenant.uuid.lower():
        raise BadRequest("recipient_uuid must be the UUID of your own team")

    sender_tx = Tx(ctx.store, sender)
    sender_tx.delete(image)
    _forget_on_droplet(sender_tx, image)
    # Tags belong to the sender's account; the droplet id stays as the snapshot's origin
    # (the snapshots list shows it as `resource_id`).
    data = {**image.data, "regions": list(image["regions"]), "tags": []}
    ctx.tx.put(
        Record(KIND, image.id, data, {"droplet_id": image.meta.get("droplet_id")})
    )
    await ctx.store.database.write([*sender_tx.apply(), *ctx.tx.apply()])
    # The spec documents 201 with no body here.
    return Response(status_code=201)


@router.post("/v2/images/{image_id}/account_transfer/cancel", status_code=204)
async def cancel_image_transfer(
    image_id: str,
    body: AccountTransferAnswer,
    ctx: Annotated[Ctx, authorized("image:update")],
) -> Response:
    """Only the sender cancels: the image stays where it is."""
    image = own_image(ctx, image_id)
    transfer = image.meta.get("transfer")
    if not transfer or transfer["id"] != body.transfer_id:
        raise NotFound("the image account transfer could not be found")

    ctx.tx.update_meta(image, transfer=None)
    await ctx.commit()
    return no_content()


@router.post("/v2/images/{image_id}/account_transfer/decline", status_code=204)
async def decline_image_transfer(
    image_id: str,
    body: AccountTransferAnswer,
    ctx: Annotated[Ctx, authorized("image:create")],
) -> Response:
    """Only the recipient declines: the image stays with the sender, not offered now."""
    sender, image = _incoming(ctx, image_id, body.transfer_id)

    sender_tx = Tx(ctx.store, sender)
    sender_tx.update_meta(image, transfer=None)
    await sender_tx.commit()
    return no_content()
