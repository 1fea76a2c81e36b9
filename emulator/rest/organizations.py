"""Organizations: the teams of the caller's organization.

The organization always holds the caller's own team (the `team` of
`/v2/account`). A new team counts its creator as its only member; invitations
are answered `ok` per address and never sent, and an address twice in one
request is refused. No one ever accepts an invitation, so `member_count` stays 1.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field, StrictStr
from starlette.responses import Response

from emulator.core import resources
from emulator.core.context import Ctx, authorized
from emulator.core.errors import Unprocessable
from emulator.core.pagination import PageDep
from emulator.core.responses import raw

router = APIRouter()
KIND = "team"
ID_START = 4_126_000

Role = Literal["member", "biller", "billing viewer", "resource viewer", "modifier"]


class Invitation(BaseModel):
    email: StrictStr = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    role: Role


class TeamCreate(BaseModel):
    name: StrictStr = Field(min_length=1, max_length=255)
    invitations: list[Invitation] = []


def _own_team(ctx: Ctx) -> dict[str, Any]:
    tenant = ctx.tenant
    return {
        "id": ID_START,
        "uuid": tenant.uuid,
        "name": "My Team",
        "email": tenant.email,
        "member_count": 1,
        "status": "joined",
        "joined_organization_at": tenant.created_at,
        "company": "",
    }


@router.post("/v2/organizations/team", status_code=201)
async def create_team(
    ctx: Annotated[Ctx, authorized("organization:create")], body: TeamCreate
) -> Response:
    emails = [invitation.email.lower() for invitation in body.invitations]
    if len(set(emails)) != len(emails):
        raise Unprocessable("each address may be invited only once")
    name = body.name.strip()
    taken = {team["name"] for team in ctx.tenant.collection(KIND)} | {"My Team"}
    if name in taken:
        raise Unprocessable(f"a team named {name} already exists")

    number = resources.new_id(ctx, KIND, start=ID_START)
    uuid = resources.new_uuid()
    data = {**_own_team(ctx), "id": number, "uuid": uuid, "name": name}
    data["joined_organization_at"] = resources.now(ctx)
    resources.create(ctx, KIND, uuid, data)
    await ctx.commit()
    invitations = {email: {"status": "ok"} for email in emails}
    return raw(
        {"team": {"uuid": uuid, "name": name}, "invitations": invitations},
        status=201,
    )


@router.get("/v2/organizations/teams")
async def list_teams(
    ctx: Annotated[Ctx, authorized("organization:read")], page: PageDep
) -> Response:
    teams = [_own_team(ctx)] + [t.data for t in ctx.tenant.collection(KIND).ordered()]
    return page.respond_data("teams", teams)
