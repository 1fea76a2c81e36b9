"""Every tenant's objects in memory, each with its JSON ready; changes go through `Tx`.

Reads are the hot path of an emulator (clients poll), so an object's JSON is
rendered once after it changes and list pages are joined from those bytes. The
database (`db.py`) is the durable copy: a tenant's rows are loaded on its first
request, and each request's changes are written before its response.

A request changes state only through a `Tx`: it buffers puts, updates and
deletes, and `commit` applies them to memory at once (no await in between, so
concurrent requests never see half of it) and then waits until they are on disk.
A request that raises before `commit` leaves nothing behind.

    record = Record("droplet", "123", {"id": 123, "name": "web"})
    tx = Tx(store, tenant)
    tx.put(record)
    tx.update(other, status="active")
    await tx.commit()
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from typing import Any

import orjson

from emulator.core.db import Count, Database, Delete, Op, Put, Sql


class Record:
    """One API object: `data` is exactly what the API shows, `meta` our own state."""

    __slots__ = ("kind", "id", "data", "meta", "seq", "_json")

    def __init__(
        self,
        kind: str,
        id: str | int,
        data: dict[str, Any],
        meta: dict[str, Any] | None = None,
        seq: int | None = None,
    ) -> None:
        self.kind = kind
        self.id = str(id)
        self.data = data
        self.meta = meta if meta is not None else {}
        self.seq = seq or 0  # given by the store when the record is first put
        self._json: bytes | None = None

    @property
    def json(self) -> bytes:
        if self._json is None:
            # orjson's bytes keep the capacity of its growing buffer (about 8 KiB
            # for a 2 KiB droplet); a right-sized copy makes a stored object
            # cost a quarter of the memory.
            self._json = bytes(memoryview(orjson.dumps(self.data)))
        return self._json

    def __getitem__(self, field: str) -> Any:
        return self.data[field]

    def __repr__(self) -> str:
        return f"<{self.kind} {self.id}>"


class Collection:
    """The objects of one kind in one tenant, in creation order."""

    __slots__ = ("items", "_ordered")

    def __init__(self) -> None:
        self.items: dict[str, Record] = {}
        self._ordered: list[Record] | None = None

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Record]:
        return iter(self.items.values())

    def get(self, id: str | int) -> Record | None:
        return self.items.get(str(id))

    def ordered(self) -> list[Record]:
        """All objects as a list; rebuilt only after an insert or delete."""
        if self._ordered is None:
            self._ordered = sorted(self.items.values(), key=lambda r: r.seq)
        return self._ordered

    def add(self, record: Record) -> None:
        if self.items.get(record.id) is not record:
            self._ordered = None
        self.items[record.id] = record

    def remove(self, record: Record) -> None:
        if self.items.pop(record.id, None) is not None:
            self._ordered = None


class Tenant:
    """An account: its identity, its collections and its actions still to complete."""

    def __init__(self, id: str, *, uuid: str, email: str, created_at: str) -> None:
        self.id = id
        self.uuid = uuid
        self.email = email
        self.created_at = created_at
        self.collections: dict[str, Collection] = {}
        # (due time, kind, id) of what the clock will change: in-progress
        # actions, and records with a delayed change; see core/actions.py.
        self.due: list[tuple[float, str, str]] = []

    def collection(self, kind: str) -> Collection:
        found = self.collections.get(kind)
        if found is None:
            found = self.collections[kind] = Collection()
        return found

    def get(self, kind: str, id: str | int) -> Record | None:
        found = self.collections.get(kind)
        return found.get(id) if found is not None else None

    def schedule(self, due: float, kind: str, id: str) -> None:
        heapq.heappush(self.due, (due, kind, id))


class Store:
    """Tenants in memory, loaded from the database on first use, and id counters."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.tenants: dict[str, Tenant] = {}
        self.counters: dict[str, int] = {
            name: value
            for name, value in database.select("SELECT name, value FROM counter")
        }
        self._seq = database.select("SELECT coalesce(max(seq), 0) FROM record")[0][0]
        # Called with each tenant after its rows are loaded (actions re-arm timers).
        self.on_load: list[Callable[[Tenant], None]] = []
        # Called with each record a transaction adds or changes, once applied.
        self.on_change: list[Callable[[Tenant, Record], None]] = []

    def next_id(self, name: str, start: int) -> tuple[int, Count]:
        """A new numeric id of the sequence `name`, and the op that makes it durable."""
        value = max(self.counters.get(name, start), start) + 1
        self.counters[name] = value
        return value, Count(name, value)

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def tenant(self, id: str) -> Tenant | None:
        return self.tenants.get(id)

    def add_tenant(self, tenant: Tenant) -> Tenant:
        """Register a tenant and load what the database holds for it."""
        self.tenants[tenant.id] = tenant
        for kind, rid, seq, data, meta in self.database.select(
            "SELECT kind, id, seq, data, meta FROM record WHERE tenant_id = ? ORDER BY seq",
            tenant.id,
        ):
            record = Record(kind, rid, orjson.loads(data), orjson.loads(meta), seq)
            tenant.collection(kind).add(record)
        for hook in self.on_load:
            hook(tenant)
        return tenant

    def forget(self, tenant_id: str) -> list[Op]:
        """Drop a tenant from memory; return the ops that erase it from disk."""
        self.tenants.pop(tenant_id, None)
        return [
            Sql("DELETE FROM record WHERE tenant_id = ?", (tenant_id,)),
            Sql("DELETE FROM token WHERE tenant_id = ?", (tenant_id,)),
            Sql("DELETE FROM tenant WHERE id = ?", (tenant_id,)),
        ]


def _put(tenant: Tenant, record: Record) -> Put:
    return Put(
        tenant.id,
        record.kind,
        record.id,
        record.seq,
        record.json,
        orjson.dumps(record.meta),
    )


class Tx:
    """The changes of one request to one tenant, applied together by `commit`."""

    def __init__(self, store: Store, tenant: Tenant) -> None:
        self.store = store
        self.tenant = tenant
        self._puts: dict[int, Record] = {}
        self._updates: list[tuple[Record, dict[str, Any], dict[str, Any]]] = []
        self._deletes: dict[int, Record] = {}
        self._after: list[Callable[[], None]] = []
        self.ops: list[Op] = []

    def put(self, record: Record) -> Record:
        """Add a new object (or replace one wholesale)."""
        self._puts[id(record)] = record
        self._deletes.pop(id(record), None)
        return record

    def update(
        self, record: Record, fields: dict[str, Any] | None = None, **values: Any
    ) -> Record:
        """Set top-level fields of `record.data` (keyword or dict) at commit."""
        self._updates.append((record, {**(fields or {}), **values}, {}))
        return record

    def update_meta(self, record: Record, **values: Any) -> Record:
        self._updates.append((record, {}, values))
        return record

    def delete(self, record: Record) -> None:
        self._deletes[id(record)] = record
        self._puts.pop(id(record), None)

    def after_commit(self, hook: Callable[[], None]) -> None:
        """Run `hook` when the changes are applied in memory (timers, caches)."""
        self._after.append(hook)

    @property
    def is_empty(self) -> bool:
        return not (self._puts or self._updates or self._deletes or self.ops)

    def apply(self) -> list[Op]:
        """Apply every buffered change to memory; return the ops that persist it."""
        touched: dict[int, Record] = dict(self._puts)
        for record in self._puts.values():
            if not record.seq:
                record.seq = self.store.next_seq()
            self.tenant.collection(record.kind).add(record)
        for record, fields, meta in self._updates:
            if id(record) in self._deletes:
                continue
            record.data.update(fields)
            record.meta.update(meta)
            record._json = None
            touched[id(record)] = record
        for record in self._deletes.values():
            self.tenant.collection(record.kind).remove(record)
            touched.pop(id(record), None)

        ops = list(self.ops)
        ops.extend(_put(self.tenant, record) for record in touched.values())
        ops.extend(
            Delete(self.tenant.id, record.kind, record.id)
            for record in self._deletes.values()
        )
        for record in touched.values():
            for on_change in self.store.on_change:
                on_change(self.tenant, record)
        for hook in self._after:
            hook()
        self._puts, self._updates, self._deletes, self._after, self.ops = (
            {},
            [],
            {},
            [],
            [],
        )
        return ops

    async def commit(self) -> None:
        await self.store.database.write(self.apply())
