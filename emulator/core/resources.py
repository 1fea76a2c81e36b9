"""What every family does with its records: find them, number them, name them.

    droplet = resources.find(ctx, "droplet", droplet_id)       # or 404
    number = resources.new_id(ctx, "droplet", start=400_000_000)
    record = resources.create(ctx, "ssh_key", number, data)    # buffered in ctx.tx
    urn = resources.urn("droplet", number)                     # "do:droplet:123"

Ids are numbers from per-kind sequences shared by all tenants (as the real
API's are global), or UUIDs; both are durable with the request's commit.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from emulator.core.clock import timestamp
from emulator.core.context import Ctx
from emulator.core.errors import NotFound
from emulator.core.store import Record

# URNs name resources across families (projects, tags); the type word is the
# API's own, which is not always the kind's name (floating IPs, volumes).
URN_TYPES = {
    "droplet": "droplet",
    "volume": "volume",
    "reserved_ip": "floatingip",
    "floating_ip": "floatingip",
    "load_balancer": "loadbalancer",
    "domain": "domain",
    "database": "dbaas",
    "kubernetes_cluster": "kubernetes",
    "space": "space",
    "app": "app",
    "image": "image",
    "vpc": "vpc",
}


def find(
    ctx: Ctx, kind: str, id: str | int | None, *, message: str | None = None
) -> Record:
    record = ctx.tenant.get(kind, id) if id is not None else None
    if record is None:
        raise NotFound(message)
    return record


def find_by(ctx: Ctx, kind: str, test: Callable[[Record], bool]) -> Record | None:
    return next((r for r in ctx.tenant.collection(kind) if test(r)), None)


def new_id(ctx: Ctx, sequence: str, *, start: int) -> int:
    """A fresh number from `sequence`; made durable with the request's commit."""
    number, count = ctx.store.next_id(sequence, start)
    ctx.tx.ops.append(count)
    return number


_uuid_random = random.Random()


def seed(value: int | None) -> None:
    """Make generated UUIDs repeat from run to run (`--seed`)."""
    _uuid_random.seed(value)


def new_uuid() -> str:
    return str(uuid.UUID(int=_uuid_random.getrandbits(128), version=4))


def create(
    ctx: Ctx,
    kind: str,
    id: str | int,
    data: dict[str, Any],
    meta: dict[str, Any] | None = None,
) -> Record:
    """Buffer a new record in the request's transaction."""
    return ctx.tx.put(Record(kind, id, data, meta))


def now(ctx: Ctx) -> str:
    return timestamp(ctx.clock.now())


def urn(kind: str, id: str | int) -> str:
    return f"do:{URN_TYPES.get(kind, kind)}:{id}"


def parse_urn(value: str) -> tuple[str, str] | None:
    """`("droplet", "123")` for `"do:droplet:123"`; None when it is not a URN."""
    parts = value.split(":", 2)
    if len(parts) != 3 or parts[0] != "do" or not parts[1] or not parts[2]:
        return None
    kind = next((k for k, v in URN_TYPES.items() if v == parts[1]), parts[1])
    return kind, parts[2]


def matching(records: Iterable[Record], **fields: Any) -> list[Record]:
    """The records whose data equals every given field (None means "any")."""
    wanted = {k: v for k, v in fields.items() if v is not None}
    return [r for r in records if all(r.data.get(k) == v for k, v in wanted.items())]
