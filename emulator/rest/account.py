"""Account: `GET /v2/account`, the tenant's own account."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from starlette.responses import Response

from emulator.core.context import Ctx, authorized
from emulator.core.responses import raw

router = APIRouter()

FLOATING_IP_LIMIT = 5
VOLUME_LIMIT = 100


@router.get("/v2/account")
async def get_account(ctx: Annotated[Ctx, authorized("account:read")]) -> Response:
    tenant = ctx.tenant
    return raw(
        {
            "account": {
                "droplet_limit": ctx.emulator.settings.droplet_limit,
                "floating_ip_limit": FLOATING_IP_LIMIT,
                "volume_limit": VOLUME_LIMIT,
                "email": tenant.email,
                "name": "Sammy the Shark",
                "uuid": tenant.uuid,
                "email_verified": True,
                "status": "active",
                "status_message": "",
                "team": {"uuid": tenant.uuid, "name": "My Team"},
            }
        }
    )
