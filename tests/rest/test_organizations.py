"""Organizations: the caller's own team and the teams it creates."""

from __future__ import annotations

import httpx
import pydo


def test_list_teams_starts_with_the_callers_own_team(do: pydo.Client) -> None:
    account = do.account.get()["account"]

    teams = do.organizations.list_teams()["teams"]

    assert [t["uuid"] for t in teams] == [account["team"]["uuid"]]
    assert teams[0]["status"] == "joined"


def test_create_team_with_invitations_then_list(do: pydo.Client) -> None:
    invitations = [
        {"email": "member@example.com", "role": "member"},
        {"email": "biller@example.com", "role": "biller"},
    ]

    created = do.organizations.create_team(
        body={"name": "production", "invitations": invitations}
    )
    teams = do.organizations.list_teams()

    assert created["team"]["name"] == "production"
    assert created["invitations"] == {
        "member@example.com": {"status": "ok"},
        "biller@example.com": {"status": "ok"},
    }
    assert [t["name"] for t in teams["teams"]] == ["My Team", "production"]
    assert teams["meta"]["total"] == 2


def test_invalid_team_is_refused_and_nothing_is_stored(api: httpx.Client) -> None:
    bad_role = api.post(
        "/v2/organizations/team",
        json={
            "name": "ops",
            "invitations": [{"email": "a@example.com", "role": "boss"}],
        },
    )
    no_name = api.post("/v2/organizations/team", json={"invitations": []})
    twice = api.post(
        "/v2/organizations/team",
        json={
            "name": "ops",
            "invitations": [
                {"email": "a@example.com", "role": "member"},
                {"email": "A@example.com", "role": "biller"},
            ],
        },
    )

    assert [r.status_code for r in (bad_role, no_name, twice)] == [422, 422, 422]
    assert twice.json()["message"] == "each address may be invited only once"
    assert api.get("/v2/organizations/teams").json()["meta"]["total"] == 1


def test_team_name_taken_is_refused(do: pydo.Client, api: httpx.Client) -> None:
    do.organizations.create_team(body={"name": "production"})

    refused = api.post("/v2/organizations/team", json={"name": "production"})

    assert refused.status_code == 422 and refused.json()["id"] == "unprocessable_entity"
