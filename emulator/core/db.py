"""The durable side of the store: SQLite (or any SQLAlchemy URL) through SQLModel.

Reads never come here after a tenant is loaded: `store.py` keeps every object in
memory with its JSON ready, which is what makes list pages cheap. This module
only loads rows and writes changes, and it writes them so that an acknowledged
request is on disk: WAL with `synchronous=FULL`, and a single writer thread
that commits the changes of every request waiting at that moment in one
transaction (group commit), so concurrent clients share each fsync.

    database = Database(settings.sqlalchemy_url)
    await database.write([Put(...), Delete(...)])   # returns once durable
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Field, SQLModel, create_engine

log = logging.getLogger(__name__)


class TenantRow(SQLModel, table=True):
    __tablename__ = "tenant"

    id: str = Field(primary_key=True)
    uuid: str
    email: str
    created_at: str


class TokenRow(SQLModel, table=True):
    """A bearer token, kept only as its SHA-256 digest."""

    __tablename__ = "token"

    digest: str = Field(primary_key=True)
    tenant_id: str = Field(index=True)
    name: str
    scopes: str  # JSON list
    created_at: str
    expires_at: float | None = None


class RecordRow(SQLModel, table=True):
    """One API object of one tenant: its public JSON and its internal state."""

    __tablename__ = "record"

    tenant_id: str = Field(primary_key=True)
    kind: str = Field(primary_key=True)
    id: str = Field(primary_key=True)
    seq: int
    data: bytes
    meta: bytes


class CounterRow(SQLModel, table=True):
    """The last id handed out for each kind of numeric id."""

    __tablename__ = "counter"

    name: str = Field(primary_key=True)
    value: int


@dataclass(slots=True)
class Put:
    tenant_id: str
    kind: str
    id: str
    seq: int
    data: bytes
    meta: bytes


@dataclass(slots=True)
class Delete:
    tenant_id: str
    kind: str
    id: str


@dataclass(slots=True)
class Count:
    name: str
    value: int


@dataclass(slots=True)
class AddRow:
    row: SQLModel


@dataclass(slots=True)
class Sql:
    """A statement for what the other ops do not cover (reset, revoke)."""

    statement: str
    params: tuple[Any, ...] = ()


Op = Put | Delete | Count | AddRow | Sql


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        options: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
        if url in ("sqlite://", "sqlite:///:memory:"):
            options["poolclass"] = StaticPool
        engine = create_engine(url, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


class Database:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        SQLModel.metadata.create_all(self.engine)
        # One thread: SQLite has one writer anyway, and ordering stays simple.
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="db-writer")
        self._waiting: list[tuple[Sequence[Op], asyncio.Future[None]]] = []
        self._flushing = False

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        self.engine.dispose()

    def select(self, statement: str, *params: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.exec_driver_sql(statement, params))

    async def write(self, ops: Sequence[Op]) -> None:
        """Return once `ops` are committed; one transaction per batch of callers."""
        if not ops:
            return
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._waiting.append((ops, future))
        if not self._flushing:
            self._flushing = True
            loop.create_task(self._flush())
        await future

    def write_soon(self, ops: Sequence[Op]) -> None:
        """Queue `ops` without waiting: for changes that can be derived again.

        Writes keep their order, so a later `write` that returns has these on
        disk too.
        """
        if not ops:
            return
        loop = asyncio.get_running_loop()
        self._waiting.append((ops, loop.create_future()))
        if not self._flushing:
            self._flushing = True
            loop.create_task(self._flush())

    def write_now(self, ops: Sequence[Op]) -> None:
        """Blocking write, for start-up and the control plane outside a request."""
        self._executor.submit(self._commit, [ops]).result()

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    await loop.run_in_executor(
                        self._executor, self._commit, [ops for ops, _ in batch]
                    )
                except Exception as exc:  # noqa: BLE001 - handed to each waiting request
                    log.exception("commit of %d requests failed", len(batch))
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                else:
                    for _, future in batch:
                        if not future.done():
                            future.set_result(None)
        finally:
            self._flushing = False

    def _commit(self, batches: Iterable[Sequence[Op]]) -> None:
        """One transaction for every waiting request's ops, in their order.

        Runs of puts go to the driver as one executemany; counters only grow,
        so each is written once, at its highest value.
        """
        puts: list[tuple[Any, ...]] = []
        counters: dict[str, int] = {}
        with self.engine.begin() as conn:
            for ops in batches:
                for op in ops:
                    if isinstance(op, Put):
                        puts.append(
                            (op.tenant_id, op.kind, op.id, op.seq, op.data, op.meta)
                        )
                    elif isinstance(op, Count):
                        counters[op.name] = max(op.value, counters.get(op.name, 0))
                    else:
                        self._put_many(conn, puts)
                        puts = []
                        self._apply(conn, op)
            self._put_many(conn, puts)
            if counters:
                conn.exec_driver_sql(
                    "INSERT INTO counter (name, value) VALUES (?, ?) "
                    "ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)",
                    list(counters.items()),
                )

    @staticmethod
    def _put_many(conn: Any, puts: list[tuple[Any, ...]]) -> None:
        if not puts:
            return
        conn.exec_driver_sql(
            "INSERT INTO record (tenant_id, kind, id, seq, data, meta) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (tenant_id, kind, id) DO UPDATE SET seq = excluded.seq, "
            "data = excluded.data, meta = excluded.meta",
            puts,
        )

    @staticmethod
    def _apply(conn: Any, op: Op) -> None:
        if isinstance(op, Delete):
            conn.exec_driver_sql(
                "DELETE FROM record WHERE tenant_id = ? AND kind = ? AND id = ?",
                (op.tenant_id, op.kind, op.id),
            )
        elif isinstance(op, AddRow):
            table = type(op.row).__table__  # type: ignore[attr-defined]
            conn.execute(
                table.insert().prefix_with("OR REPLACE"), [op.row.model_dump()]
            )
        elif isinstance(op, Sql):
            conn.exec_driver_sql(op.statement, op.params)
