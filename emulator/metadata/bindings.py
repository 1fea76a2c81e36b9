"""Bindings: which droplet answers metadata requests from a given source address.

A container or a network namespace rarely has a droplet's own address, so the
control plane ties a source address to a droplet:

- `POST   /_emulator/metadata/bindings`           `{"source": "10.0.0.5", "droplet_id": 123}` -> 201
- `GET    /_emulator/metadata/bindings`           every binding
- `DELETE /_emulator/metadata/bindings/{source}`  204, or 404 when there is none

Bindings are kept on disk. They describe the network, not an account, so a
reset of the emulator keeps them; a binding whose droplet is gone is passed over.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, BeforeValidator
from sqlmodel import Field, SQLModel
from starlette.responses import Response

from emulator.core.clock import timestamp
from emulator.core.db import AddRow, Database, Sql
from emulator.core.errors import NotFound, Unprocessable
from emulator.core.responses import no_content, raw

if TYPE_CHECKING:
    from emulator.metadata.service import Metadata

log = logging.getLogger(__name__)
router = APIRouter(prefix="/_emulator/metadata")


class BindingRow(SQLModel, table=True):
    __tablename__ = "metadata_binding"

    source: str = Field(primary_key=True)
    droplet_id: int
    created_at: str


def normalize(address: str) -> str:
    """An address in canonical form; an IPv4-mapped IPv6 source becomes IPv4."""
    parsed = ipaddress.ip_address(address.strip())
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped:
        return str(parsed.ipv4_mapped)
    return str(parsed)


class Bindings:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.rows: dict[str, BindingRow] = {
            source: BindingRow(source=source, droplet_id=droplet_id, created_at=at)
            for source, droplet_id, at in database.select(
                "SELECT source, droplet_id, created_at FROM metadata_binding"
            )
        }

    def droplet_id(self, source: str) -> int | None:
        row = self.rows.get(source)
        return row.droplet_id if row else None

    async def bind(self, source: str, droplet_id: int, now: float) -> BindingRow:
        row = BindingRow(
            source=source, droplet_id=droplet_id, created_at=timestamp(now)
        )
        await self.database.write([AddRow(row)])
        self.rows[source] = row
        return row

    async def unbind(self, source: str) -> bool:
        if source not in self.rows:
            return False
        await self.database.write(
            [Sql("DELETE FROM metadata_binding WHERE source = ?", (source,))]
        )
        del self.rows[source]
        return True


def _number(value: object) -> object:
    # Ids arrive as numbers or strings, as everywhere else in the API.
    return int(value) if isinstance(value, str) and value.isdigit() else value


class BindingRequest(BaseModel):
    source: str
    droplet_id: Annotated[int, BeforeValidator(_number)]


def _metadata(request: Request) -> Metadata:
    metadata: Metadata = request.app.state.metadata
    return metadata


@router.get("/bindings")
async def list_bindings(request: Request) -> Response:
    rows = sorted(_metadata(request).bindings.rows.values(), key=lambda r: r.source)
    return raw({"bindings": [row.model_dump() for row in rows]})


@router.post("/bindings", status_code=201)
async def create_binding(request: Request, body: BindingRequest) -> Response:
    metadata = _metadata(request)
    try:
        source = normalize(body.source)
    except ValueError as exc:
        raise Unprocessable(
            f"source must be an IP address, not {body.source!r}."
        ) from exc
    if metadata.directory.droplet(body.droplet_id) is None:
        raise Unprocessable(f"Droplet {body.droplet_id} could not be found.")

    row = await metadata.bindings.bind(
        source, body.droplet_id, metadata.emulator.clock.now()
    )
    log.info("metadata: source %s bound to droplet %s", source, body.droplet_id)
    return raw({"binding": row.model_dump()}, status=201)


@router.delete("/bindings/{source}")
async def delete_binding(request: Request, source: str) -> Response:
    try:
        source = normalize(source)
    except ValueError as exc:
        raise NotFound() from exc
    if not await _metadata(request).bindings.unbind(source):
        raise NotFound("No binding for that source address.")
    log.info("metadata: binding of source %s removed", source)
    return no_content()
