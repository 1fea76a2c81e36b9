"""Droplet backups: policies, backup windows, and the routes that show them.

A droplet's policy lives in its `meta` (`backups`, `backup_policy`); the
`next_backup_window` it implies is part of the droplet's data. The emulator
never takes backups, so a droplet's backups list stays empty and its
`backup_ids` too, while the windows and policies read as on the real API.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter
from starlette.responses import Response

from emulator.core.clock import timestamp
from emulator.core.context import Ctx, authorized
from emulator.core.pagination import PageDep
from emulator.core.responses import raw
from emulator.core.store import Record
from emulator.rest.droplets.models import BackupPolicy
from emulator.rest.droplets.records import find_droplet, owned_images

router = APIRouter()

WINDOW_HOURS = 4
RETENTION_DAYS = {"daily": 7, "weekly": 28}
WEEKDAYS = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]  # datetime.weekday() order
WINDOW_STARTS = [0, 4, 8, 12, 16, 20]

SUPPORTED_POLICIES = {
    "supported_policies": [
        {
            "name": "weekly",
            "possible_window_starts": WINDOW_STARTS,
            "window_length_hours": WINDOW_HOURS,
            "retention_period_days": RETENTION_DAYS["weekly"],
            "possible_days": ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
        },
        {
            "name": "daily",
            "possible_window_starts": WINDOW_STARTS,
            "window_length_hours": WINDOW_HOURS,
            "retention_period_days": RETENTION_DAYS["daily"],
            "possible_days": [],
        },
    ]
}


def full_policy(
    requested: BackupPolicy | None, current: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The policy as the API shows it; omitted fields keep `current`'s, else defaults.

    The real API defaults to a daily plan; a weekly plan without a day runs on Sunday.
    """
    base = current or {}
    given = requested.model_dump(exclude_none=True) if requested else {}
    plan = given.get("plan", base.get("plan", "daily"))
    policy: dict[str, Any] = {"plan": plan}
    if plan == "weekly":
        policy["weekday"] = given.get("weekday", base.get("weekday", "SUN"))
    policy["hour"] = given.get("hour", base.get("hour", 0))
    policy["window_length_hours"] = WINDOW_HOURS
    policy["retention_period_days"] = RETENTION_DAYS[plan]
    return policy


def next_window(policy: dict[str, Any], now: float) -> dict[str, str]:
    """The first backup window of `policy` that starts after `now`."""
    moment = datetime.fromtimestamp(now, UTC)
    start = moment.replace(hour=policy["hour"], minute=0, second=0, microsecond=0)
    if policy["plan"] == "weekly":
        start += timedelta(
            days=(WEEKDAYS.index(policy["weekday"]) - moment.weekday()) % 7
        )
    if start <= moment:
        start += timedelta(days=7 if policy["plan"] == "weekly" else 1)
    end = start + timedelta(hours=WINDOW_HOURS)
    return {"start": timestamp(start.timestamp()), "end": timestamp(end.timestamp())}


def policy_record(droplet: Record) -> dict[str, Any]:
    record: dict[str, Any] = {
        "droplet_id": droplet["id"],
        "backup_enabled": bool(droplet.meta.get("backups")),
    }
    if record["backup_enabled"]:
        record["backup_policy"] = droplet.meta["backup_policy"]
        record["next_backup_window"] = droplet["next_backup_window"]
    return record


@router.get("/v2/droplets/backups/policies")
async def list_backup_policies(
    ctx: Annotated[Ctx, authorized("droplet:read")], page: PageDep
) -> Response:
    droplets = ctx.tenant.collection("droplet").ordered()
    policies = {
        str(droplet.id): policy_record(droplet) for droplet in page.slice(droplets)
    }
    return raw(
        {
            "policies": policies,
            "links": page.links(len(droplets)),
            "meta": {"total": len(droplets)},
        }
    )


@router.get("/v2/droplets/backups/supported_policies")
async def list_supported_backup_policies(
    ctx: Annotated[Ctx, authorized("droplet:read")],
) -> Response:
    return raw(SUPPORTED_POLICIES)


@router.get("/v2/droplets/{droplet_id}/backups")
async def list_backups(
    droplet_id: str, ctx: Annotated[Ctx, authorized("droplet:read")], page: PageDep
) -> Response:
    droplet = find_droplet(ctx, droplet_id)
    return page.respond("backups", owned_images(ctx, droplet, "backup"))


@router.get("/v2/droplets/{droplet_id}/backups/policy")
async def get_backup_policy(
    droplet_id: str, ctx: Annotated[Ctx, authorized("droplet:read")]
) -> Response:
    droplet = find_droplet(ctx, droplet_id)
    return raw({"policy": policy_record(droplet)})
