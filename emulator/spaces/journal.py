"""Durability for Spaces: every accepted write to moto, kept so it can be replayed.

moto's S3 backend lives in memory only. Rather than serialise it (its objects
hold open temporary files and locks), the emulator keeps a journal of the
requests that changed it: method, path, query, the headers moto reads, the
body, and the tenant that sent it. The journal is written before the client
gets its answer, so an acknowledged write survives SIGTERM and kill -9 alike;
at start the requests are sent to moto again, in their order.

Small bodies are stored in the journal row (one fsync, shared by every request
of the database's group commit); large ones are streamed to a file in the data
directory, fsynced, and named by the row. moto hands out new upload and
version ids on replay, so each row notes the ids its answer carried and later
rows are translated.
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from emulator.core.db import Database, Sql

# Bodies up to this size ride in the journal row instead of a file of their own.
INLINE_BODY_BYTES = 256 * 1024

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS spaces_journal ("
    "seq INTEGER PRIMARY KEY, tenant_id TEXT NOT NULL, bucket TEXT NOT NULL, "
    "method TEXT NOT NULL, path TEXT NOT NULL, query TEXT NOT NULL, "
    "headers BLOB NOT NULL, body BLOB, body_file TEXT, note BLOB NOT NULL)"
)


@dataclass
class Entry:
    seq: int
    tenant_id: str
    bucket: str
    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes | None
    body_file: str | None
    note: dict[str, Any]


class Body:
    """A request body on its way in: in memory while small, then in a file."""

    def __init__(self, directory: Callable[[], Path]) -> None:
        self.directory = directory
        self.size = 0
        self._chunks: list[bytes] = []
        self.path: Path | None = None
        self._file: Any = None

    def write(self, chunk: bytes) -> None:
        if not chunk:
            return
        self.size += len(chunk)
        if self._file is None and self.size <= INLINE_BODY_BYTES:
            self._chunks.append(chunk)
            return
        if self._file is None:
            self.path = self.directory() / uuid.uuid4().hex
            self._file = open(self.path, "w+b")  # noqa: SIM115 - kept open while streaming
            for part in self._chunks:
                self._file.write(part)
            self._chunks = []
        self._file.write(chunk)

    def flush(self) -> None:
        """Hand what is buffered to the OS, so that a reader sees all of it."""
        if self._file is not None:
            self._file.flush()

    def sync(self) -> None:
        """Make a file body durable (in a worker thread, after `flush`)."""
        if self._file is not None:
            os.fsync(self._file.fileno())

    @property
    def inline(self) -> bytes | None:
        return b"".join(self._chunks) if self._file is None else None

    def reader(self) -> Any:
        """A file object moto reads the body from."""
        if self._file is not None:
            self._file.seek(0)
            return self._file
        import io

        return io.BytesIO(b"".join(self._chunks))

    def discard(self) -> None:
        self.close()
        if self.path is not None:
            self.path.unlink(missing_ok=True)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


class Journal:
    def __init__(self, database: Database, directory: Path | None) -> None:
        self.database = database
        self._temporary = directory is None
        self._directory = directory
        self._made = False
        with database.engine.begin() as conn:
            conn.exec_driver_sql(_SCHEMA)
        rows = database.select("SELECT coalesce(max(seq), 0) FROM spaces_journal")
        self._seq = itertools.count(rows[0][0] + 1)

    @property
    def directory(self) -> Path:
        """Where large bodies go; in-memory mode makes a temporary one when first needed."""
        if self._directory is None:
            self._directory = Path(tempfile.mkdtemp(prefix="do-emulator-spaces-"))
            atexit.register(self.close)
        if not self._made:
            self._directory.mkdir(parents=True, exist_ok=True)
            self._made = True
        return self._directory

    def new_body(self) -> Body:
        return Body(lambda: self.directory)

    def next_seq(self) -> int:
        """The place of a write in moto's order (taken in a moto thread, under
        its bucket's lock; `count` is safe to share between threads)."""
        return next(self._seq)

    async def record(
        self,
        seq: int,
        tenant_id: str,
        bucket: str,
        method: str,
        path: str,
        query: str,
        headers: list[tuple[str, str]],
        body: Body | None,
        note: dict[str, Any],
    ) -> None:
        """Write one accepted request; returns once it is on disk."""
        inline = body.inline if body is not None else None
        body_file = body.path.name if body is not None and body.path else None
        await self.database.write(
            [
                Sql(
                    "INSERT INTO spaces_journal (seq, tenant_id, bucket, method, path, "
                    "query, headers, body, body_file, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        seq,
                        tenant_id,
                        bucket,
                        method,
                        path,
                        query,
                        orjson.dumps(headers),
                        inline,
                        body_file,
                        orjson.dumps(note),
                    ),
                )
            ]
        )

    def entries(self, *, bodies: bool = True) -> Iterator[Entry]:
        """The journal in order; without `bodies`, headers and bodies are left out."""
        columns = "headers, body" if bodies else "'[]', NULL"
        for row in self.database.select(
            f"SELECT seq, tenant_id, bucket, method, path, query, {columns}, "
            "body_file, note FROM spaces_journal ORDER BY seq"
        ):
            yield Entry(
                row[0],
                row[1],
                row[2],
                row[3],
                row[4],
                row[5],
                [tuple(h) for h in orjson.loads(row[6])],  # type: ignore[misc]
                row[7],
                row[8],
                orjson.loads(row[9]),
            )

    def open_body(self, entry: Entry) -> Any:
        import io

        if entry.body_file:
            return open(self.directory / entry.body_file, "rb")  # noqa: SIM115
        return io.BytesIO(entry.body or b"")

    def forget(self, tenant_id: str | None) -> None:
        """Drop the journal of one tenant, or all of it (the control plane's reset)."""
        if tenant_id is None:
            files = [
                r[0]
                for r in self.database.select(
                    "SELECT body_file FROM spaces_journal WHERE body_file IS NOT NULL"
                )
            ]
            self.database.write_now([Sql("DELETE FROM spaces_journal")])
        else:
            files = [
                r[0]
                for r in self.database.select(
                    "SELECT body_file FROM spaces_journal WHERE body_file IS NOT NULL AND tenant_id = ?",
                    tenant_id,
                )
            ]
            self.database.write_now(
                [Sql("DELETE FROM spaces_journal WHERE tenant_id = ?", (tenant_id,))]
            )
        for name in files:
            (self.directory / name).unlink(missing_ok=True)

    def close(self) -> None:
        if self._temporary and self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)
