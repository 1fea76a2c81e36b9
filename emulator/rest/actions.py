"""Actions: `/v2/actions`, the account's history of asynchronous work.

Every family's actions are records of kind `action` (see core/actions.py);
this module only shows them. The history lists the newest action first, as
the control panel's does, and keeps completed actions forever.

With `Accept: application/vnd.digitalocean.reserveip+json` a client asks for
reserved-IP naming: an action on a floating IP then shows `resource_type`
`reserved_ip`. Nothing else differs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, overload

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from emulator.core import actions
from emulator.core.context import Ctx, authorized
from emulator.core.errors import NotFound
from emulator.core.pagination import PageDep
from emulator.core.responses import one, raw
from emulator.core.store import Record

router = APIRouter()

RESERVED_IP_MEDIA = "application/vnd.digitalocean.reserveip+json"


class _Newest(Sequence[Record]):
    """The actions newest first, without copying the list on every request."""

    def __init__(self, records: list[Record]) -> None:
        self.records = records

    def __len__(self) -> int:
        return len(self.records)

    @overload
    def __getitem__(self, index: int) -> Record: ...

    @overload
    def __getitem__(self, index: slice) -> list[Record]: ...

    def __getitem__(self, index: int | slice) -> Record | list[Record]:
        if isinstance(index, slice):
            start, stop, _ = index.indices(len(self.records))
            size = len(self.records)
            # Items [start, stop) counted from the end are [size-stop, size-start) in order.
            return self.records[size - stop : size - start][::-1]
        return self.records[len(self.records) - 1 - index]


def wants_reserved_ip(request: Request) -> bool:
    return RESERVED_IP_MEDIA in request.headers.get("accept", "")


def reserved_ip_view(action: Record) -> dict[str, Any]:
    """The action as a client asking for reserved-IP naming sees it."""
    if action["resource_type"] == "floating_ip":
        return {**action.data, "resource_type": "reserved_ip"}
    return action.data


@router.get("/v2/actions")
async def list_actions(
    ctx: Annotated[Ctx, authorized("actions:read")], page: PageDep
) -> Response:
    history = _Newest(ctx.tenant.collection(actions.KIND).ordered())
    if not wants_reserved_ip(ctx.request):
        return page.respond("actions", history)

    total = len(history)
    shown = [reserved_ip_view(action) for action in page.slice(history)]
    return raw({"actions": shown, "links": page.links(total), "meta": {"total": total}})


@router.get("/v2/actions/{action_id}")
async def get_action(
    ctx: Annotated[Ctx, authorized("actions:read")], action_id: str
) -> Response:
    action = ctx.tenant.get(actions.KIND, action_id) if action_id.isdigit() else None
    if action is None:
        raise NotFound()
    if wants_reserved_ip(ctx.request):
        return raw({"action": reserved_ip_view(action)})
    return one("action", action)
