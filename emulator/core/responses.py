"""Answers assembled from records' ready JSON, without re-encoding them.

return one("droplet", record)                   # {"droplet": {...}}
return one("droplet", record, status=202, extra={"links": {...}})
return raw({"account": {...}})                    # anything else
return no_content()
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

from emulator.core.store import Record

MEDIA_TYPE = "application/json; charset=utf-8"


class JSONBytes(Response):
    media_type = MEDIA_TYPE


def _members(extra: dict[str, Any] | None) -> bytes:
    if not extra:
        return b""
    return b"," + orjson.dumps(extra)[1:-1]


def one(
    key: str, record: Record, *, status: int = 200, extra: dict[str, Any] | None = None
) -> Response:
    body = b'{"' + key.encode() + b'":' + record.json + _members(extra) + b"}"
    return JSONBytes(body, status_code=status)


def many(
    key: str,
    records: list[Record],
    *,
    status: int = 200,
    extra: dict[str, Any] | None = None,
) -> Response:
    """A list without paging (`{"key": [...]}`), for the few answers the API leaves unpaged."""
    body = (
        b'{"'
        + key.encode()
        + b'":['
        + b",".join(r.json for r in records)
        + b"]"
        + _members(extra)
        + b"}"
    )
    return JSONBytes(body, status_code=status)


def raw(content: Any, *, status: int = 200) -> Response:
    return JSONBytes(orjson.dumps(content), status_code=status)


def no_content() -> Response:
    return Response(status_code=204)
