"""Actions: asynchronous work that moves from `in-progress` to `completed`.

A family starts an action with the effect to apply when it completes, named
and registered once at import:

    @actions.effect("droplet.activate")
    def _activate(tx: Tx, action: Record, droplet_id: str) -> None: ...

    action = actions.start(ctx, "create", resource_type="droplet",
                           resource_id=droplet.id, region=region,
                           effect="droplet.activate", droplet_id=droplet.id)

The clock decides when an action is due; a tenant's due actions are completed
at the start of its next request (and by the control plane's clock calls), so
state never changes between two reads of the same request. `completed_at` is
the moment the action became due, not when it was noticed.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from emulator.core.clock import Clock, timestamp
from emulator.core.store import Record, Store, Tenant, Tx

if TYPE_CHECKING:
    from emulator.core.context import Ctx

KIND = "action"
ID_START = 1_900_000_000

Effect = Callable[..., None]
EFFECTS: dict[str, Effect] = {}


def effect(name: str) -> Callable[[Effect], Effect]:
    def register(function: Effect) -> Effect:
        EFFECTS[name] = function
        return function

    return register


def start(
    ctx: Ctx,
    type: str,
    *,
    resource_type: str,
    resource_id: int | str | None,
    region: dict[str, Any] | None,
    effect: str | None = None,
    delay: float | None = None,
    **args: Any,
) -> Record:
    """Buffer a new in-progress action in `ctx.tx`; it is armed at commit."""
    number, count = ctx.store.next_id(KIND, ID_START)
    now = ctx.clock.now()
    due = now + (ctx.clock.action_delay() if delay is None else delay)
    data = {
        "id": number,
        "status": "in-progress",
        "type": type,
        "started_at": timestamp(now),
        "completed_at": None,
        "resource_id": _as_int(resource_id),
        "resource_type": resource_type,
        "region": region,
        "region_slug": region["slug"] if region else None,
    }
    action = Record(KIND, number, data, {"due": due, "effect": effect, "args": args})
    ctx.tx.ops.append(count)
    ctx.tx.put(action)  # armed by `watch` once applied
    return action


def completed(ctx: Ctx, type: str, **kwargs: Any) -> Record:
    """An action that is already done when the request answers (renames, tags)."""
    return start(ctx, type, delay=0.0, **kwargs)


def _as_int(value: int | str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def rearm(tenant: Tenant) -> None:
    """After a tenant is loaded from disk, schedule what the clock still owes it."""
    for collection in tenant.collections.values():
        for record in collection:
            watch(tenant, record)


def watch(tenant: Tenant, record: Record) -> None:
    """Schedule `record` if the clock owes it a change (called on every change)."""
    if record.kind == KIND:
        if record["status"] == "in-progress":
            tenant.schedule(record.meta.get("due", 0.0), KIND, record.id)
        return
    pending = record.meta.get(LATER)
    if pending:
        tenant.schedule(pending["due"], record.kind, record.id)


async def settle(store: Store, clock: Clock, tenant: Tenant) -> None:
    """Apply every change of `tenant` the clock has made due, durably.

    Actions complete, with their effects; records with a delayed change
    (`meta["later"]`, see `later`) take it.
    """
    due = tenant.due
    if not due or due[0][0] > clock.now():
        return
    now = clock.now()
    tx = Tx(store, tenant)
    ops = []
    while due and due[0][0] <= now:
        when, kind, id = heapq.heappop(due)
        record = tenant.get(kind, id)
        if record is None:
            continue
        if kind == KIND:
            _complete(tx, record, when)
        else:
            _ripen(tx, record, now)
        ops.extend(tx.apply())
    # No wait for the disk: these changes follow from due times that are
    # durable already; after a crash, `rearm` makes them again, in order.
    store.database.write_soon(ops)


def _complete(tx: Tx, action: Record, when: float) -> None:
    if action["status"] != "in-progress":
        return
    tx.update(action, status="completed", completed_at=timestamp(when))
    name = action.meta.get("effect")
    if name:
        EFFECTS[name](tx, action, **action.meta.get("args", {}))


def _ripen(tx: Tx, record: Record, now: float) -> None:
    pending = record.meta.get(LATER)
    if pending and pending["due"] <= now:
        tx.update(record, pending["changes"])
        tx.update_meta(record, **{LATER: None})


LATER = "later"


def later(ctx: Ctx, changes: dict[str, Any]) -> dict[str, Any]:
    """A `meta["later"]` entry: `changes` to the data, due after the clock's action delay.

    For state that moves on by itself with no action in the history (a load
    balancer's `new` -> `active`, a certificate's `pending` -> `verified`).
    Put it in a new record's meta, or `ctx.tx.update_meta(record, later=...)`;
    the clock applies it like an action's effect.
    """
    return {"due": ctx.clock.now() + ctx.clock.action_delay(), "changes": changes}
