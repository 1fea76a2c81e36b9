"""Paged lists as DigitalOcean answers them.

`page` (from 1) and `per_page` (default 20, at most 200: larger asks are
clamped, as the real API does) come from the query; the body holds the page's
objects, `links.pages` with absolute URLs for first/prev/next/last where they
make sense, and `meta.total`.

    @router.get("/v2/ssh_keys")
    async def list_keys(ctx: ..., page: PageDep) -> Response:
        return page.respond("ssh_keys", ctx.tenant.collection("ssh_key").ordered())
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any
from urllib.parse import urlencode

import orjson
from fastapi import Depends, Request
from starlette.responses import Response

from emulator.core.errors import BadRequest
from emulator.core.responses import JSONBytes
from emulator.core.store import Record

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 200


def _positive(request: Request, name: str, default: int) -> int:
    value = request.query_params.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f"{name} must be a positive integer") from None
    if number < 1:
        raise BadRequest(f"{name} must be a positive integer")
    return number


class Page:
    __slots__ = ("request", "page", "per_page")

    def __init__(self, request: Request, page: int, per_page: int) -> None:
        self.request = request
        self.page = page
        self.per_page = per_page

    def slice(self, items: Sequence[Any]) -> Sequence[Any]:
        start = (self.page - 1) * self.per_page
        return items[start : start + self.per_page]

    def links(self, total: int) -> dict[str, Any]:
        last = max((total + self.per_page - 1) // self.per_page, 1)
        if last == 1:
            return {}
        pages: dict[str, str] = {}
        if self.page > 1:
            pages["first"] = self._url(1)
            pages["prev"] = self._url(min(self.page - 1, last))
        if self.page < last:
            pages["next"] = self._url(self.page + 1)
            pages["last"] = self._url(last)
        return {"pages": pages}

    def _url(self, page: int) -> str:
        request = self.request
        query = [
            (k, v)
            for k, v in request.query_params.multi_items()
            if k not in ("page", "per_page")
        ]
        query += [("page", str(page)), ("per_page", str(self.per_page))]
        base = str(request.base_url).rstrip("/")
        return f"{base}{request.url.path}?{urlencode(query)}"

    def respond(
        self,
        key: str,
        records: Sequence[Record],
        *,
        extra: dict[str, Any] | None = None,
    ) -> Response:
        """The page of `records` in the list envelope, joined from ready JSON."""
        total = len(records)
        chunk = b",".join(record.json for record in self.slice(records))
        tail: dict[str, Any] = {"links": self.links(total), "meta": {"total": total}}
        if extra:
            tail.update(extra)
        body = b'{"' + key.encode() + b'":[' + chunk + b"]," + orjson.dumps(tail)[1:]
        return JSONBytes(body)

    def respond_data(self, key: str, items: Sequence[dict[str, Any]]) -> Response:
        """The same, for objects built per request (catalogue views, listings of children)."""
        total = len(items)
        body = {
            key: list(self.slice(items)),
            "links": self.links(total),
            "meta": {"total": total},
        }
        return JSONBytes(orjson.dumps(body))


async def paged(request: Request) -> Page:
    # async: a sync dependency would cost a trip through the thread pool per request.
    per_page = min(_positive(request, "per_page", DEFAULT_PER_PAGE), MAX_PER_PAGE)
    return Page(request, _positive(request, "page", 1), per_page)


PageDep = Annotated[Page, Depends(paged)]
