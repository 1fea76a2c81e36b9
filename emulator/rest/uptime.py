"""Uptime: checks on the engine, their alerts as children, and a check's state.

Nothing is probed. A check's state is derived from the check itself: every
region it runs from is `UP` since the check was created (or `CHECKING` while it
is disabled), with one short outage in the past to show clients the shape of
`previous_outage`. Alert notifications are stored, never sent. Deleting a check
deletes its alerts, as DigitalOcean does.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field, StrictBool, StrictInt, StrictStr
from starlette.responses import Response

from emulator.core import resources
from emulator.core.context import Ctx, authorized
from emulator.core.engine import Family, Scopes, mount
from emulator.core.errors import NotFound, Unprocessable
from emulator.core.pagination import PageDep
from emulator.core.responses import no_content, one, raw
from emulator.core.store import Record

router = APIRouter()
CHECK = "uptime_check"
ALERT = "uptime_alert"

Region = Literal["us_east", "us_west", "eu_west", "se_asia"]
CheckType = Literal["ping", "http", "https"]
AlertType = Literal["latency", "down", "down_global", "ssl_expiry"]
Period = Literal["2m", "3m", "5m", "10m", "15m", "30m", "1h"]


class CheckCreate(BaseModel):
    name: StrictStr = Field(min_length=1, max_length=255)
    type: CheckType
    target: StrictStr = Field(min_length=1)
    regions: list[Region] = Field(min_length=1)
    enabled: StrictBool = True


class CheckUpdate(BaseModel):
    name: StrictStr | None = Field(default=None, min_length=1, max_length=255)
    type: CheckType | None = None
    target: StrictStr | None = Field(default=None, min_length=1)
    regions: list[Region] | None = Field(default=None, min_length=1)
    enabled: StrictBool | None = None


class Slack(BaseModel):
    channel: StrictStr
    url: StrictStr


class Notifications(BaseModel):
    email: list[StrictStr] = []
    slack: list[Slack] = []


class AlertCreate(BaseModel):
    name: StrictStr = Field(min_length=1, max_length=255)
    type: AlertType
    threshold: StrictInt | None = None
    comparison: Literal["greater_than", "less_than"] | None = None
    notifications: Notifications
    period: Period = "2m"


class AlertUpdate(BaseModel):
    name: StrictStr | None = Field(default=None, min_length=1, max_length=255)
    type: AlertType | None = None
    threshold: StrictInt | None = None
    comparison: Literal["greater_than", "less_than"] | None = None
    notifications: Notifications | None = None
    period: Period | None = None


def _check_target(ctx: Ctx, body: Any, record: Record | None) -> None:
    if body is None:
        return
    kind = body.type or (record["type"] if record else "https")
    target = body.target or (record["target"] if record else "")
    if kind in ("http", "https") and not target.startswith(("http://", "https://")):
        raise Unprocessable("target must be a URL starting with http:// or https://")


def _delete_alerts(ctx: Ctx, check: Record) -> None:
    for alert in ctx.tenant.collection(ALERT).ordered():
        if alert.meta.get("check_id") == check.id:
            ctx.tx.delete(alert)


CHECKS = Family(
    kind=CHECK,
    singular="check",
    plural="checks",
    path="/v2/uptime/checks",
    id_param="check_id",
    scopes=Scopes(
        read="uptime:read",
        create="uptime:create",
        update="uptime:update",
        delete="uptime:delete",
    ),
    create_model=CheckCreate,
    update_model=CheckUpdate,
    partial_put=True,
    check=_check_target,
    on_create=lambda ctx, check: ctx.tx.update_meta(
        check, created_at=resources.now(ctx)
    ),
    on_delete=_delete_alerts,
    build=lambda ctx, body, id: {"id": id, **body.model_dump()},
)


def _state(ctx: Ctx, check: Record) -> dict[str, Any]:
    """A plausible state: up everywhere since creation, after one old 2-minute outage."""
    created = check.meta.get("created_at") or resources.now(ctx)
    status = "UP" if check["enabled"] else "CHECKING"
    since = datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    seed = int(hashlib.sha256(check.id.encode()).hexdigest()[:6], 16)
    started = since - timedelta(days=3, seconds=seed % 86_400)
    regions = {
        region: {
            "status": status,
            "status_changed_at": created,
            "thirty_day_uptime_percentage": 99.95,
        }
        for region in check["regions"]
    }
    outage = {
        "region": check["regions"][0],
        "started_at": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "ended_at": (started + timedelta(seconds=120)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "duration_seconds": 120,
    }
    return {"regions": regions, "previous_outage": outage}


def _alert(ctx: Ctx, check_id: str, alert_id: str) -> Record:
    alert = ctx.tenant.get(ALERT, alert_id)
    if alert is None or alert.meta.get("check_id") != check_id:
        raise NotFound()
    return alert


@router.get("/v2/uptime/checks/{check_id}/state")
async def get_check_state(
    ctx: Annotated[Ctx, authorized("uptime:read")], check_id: str
) -> Response:
    return raw({"state": _state(ctx, CHECKS.lookup(ctx, check_id))})


@router.get("/v2/uptime/checks/{check_id}/alerts")
async def list_alerts(
    ctx: Annotated[Ctx, authorized("uptime:read")], check_id: str, page: PageDep
) -> Response:
    check = CHECKS.lookup(ctx, check_id)
    alerts = [
        alert
        for alert in ctx.tenant.collection(ALERT).ordered()
        if alert.meta.get("check_id") == check.id
    ]
    return page.respond("alerts", alerts)


@router.post("/v2/uptime/checks/{check_id}/alerts", status_code=201)
async def create_alert(
    ctx: Annotated[Ctx, authorized("uptime:create")], check_id: str, body: AlertCreate
) -> Response:
    ctx.require("uptime:update")
    check = CHECKS.lookup(ctx, check_id)

    alert_id = resources.new_uuid()
    data = {"id": alert_id, **body.model_dump(exclude_none=True)}
    alert = resources.create(ctx, ALERT, alert_id, data, {"check_id": check.id})
    await ctx.commit()
    return one("alert", alert, status=201)


@router.get("/v2/uptime/checks/{check_id}/alerts/{alert_id}")
async def get_alert(
    ctx: Annotated[Ctx, authorized("uptime:read")], check_id: str, alert_id: str
) -> Response:
    return one("alert", _alert(ctx, check_id, alert_id))


@router.put("/v2/uptime/checks/{check_id}/alerts/{alert_id}")
async def update_alert(
    ctx: Annotated[Ctx, authorized("uptime:update")],
    check_id: str,
    alert_id: str,
    body: AlertUpdate,
) -> Response:
    alert = _alert(ctx, check_id, alert_id)
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    if changes:
        ctx.tx.update(alert, changes)
        await ctx.commit()
    return one("alert", alert)


@router.delete("/v2/uptime/checks/{check_id}/alerts/{alert_id}")
async def delete_alert(
    ctx: Annotated[Ctx, authorized("uptime:delete")], check_id: str, alert_id: str
) -> Response:
    ctx.require("uptime:update")
    ctx.tx.delete(_alert(ctx, check_id, alert_id))
    await ctx.commit()
    return no_content()


mount(router, CHECKS)
