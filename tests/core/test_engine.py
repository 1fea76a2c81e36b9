"""The resource engine, on a family declared only for this test."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import APIRouter
from pydantic import BaseModel, Field

from emulator.app import create_app
from emulator.core.config import Settings
from emulator.core.engine import Family, Scopes, mount
from tests.conftest import free_port, new_token, start_server


class GadgetCreate(BaseModel):
    name: str = Field(min_length=1)
    color: str = "blue"


class GadgetUpdate(BaseModel):
    name: str | None = None
    color: str | None = None


GADGETS = Family(
    kind="gadget",
    singular="gadget",
    plural="gadgets",
    path="/v2/gadgets",
    id_param="gadget_id",
    scopes=Scopes(
        read="gadget:read",
        create="gadget:create",
        update="gadget:update",
        delete="gadget:delete",
    ),
    create_model=GadgetCreate,
    update_model=GadgetUpdate,
    update_method="PATCH",
    filters=("color",),
    build=lambda ctx, body, number: {
        "id": number,
        "name": body.name,
        "color": body.color,
    },
)


@pytest.fixture(scope="module")
def gadget_server() -> Iterator[str]:
    settings = Settings(port=free_port(), in_memory=True, clock="instant")
    app = create_app(settings)
    router = APIRouter()
    mount(router, GADGETS)
    app.router.routes.extend(router.routes)
    uv, thread, _ = start_server(settings, app)
    yield f"http://127.0.0.1:{settings.port}"
    uv.should_exit = True
    thread.join(10)


@pytest.fixture
def client(gadget_server: str) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {new_token()}"}
    with httpx.Client(base_url=gadget_server, headers=headers) as c:
        yield c


def test_declared_family_has_the_whole_life_cycle(client: httpx.Client) -> None:
    created = client.post("/v2/gadgets", json={"name": "a", "color": "red"})
    gadget_id = created.json()["gadget"]["id"]

    patched = client.patch(f"/v2/gadgets/{gadget_id}", json={"color": "green"})
    fetched = client.get(f"/v2/gadgets/{gadget_id}")
    deleted = client.delete(f"/v2/gadgets/{gadget_id}")
    gone = client.get(f"/v2/gadgets/{gadget_id}")

    assert created.status_code == 201
    assert patched.json()["gadget"] == {"id": gadget_id, "name": "a", "color": "green"}
    assert fetched.json() == patched.json()
    assert deleted.status_code == 204
    assert gone.status_code == 404 and gone.json()["id"] == "not_found"


def test_declared_filters_and_paging_apply_to_the_list(client: httpx.Client) -> None:
    for n, color in enumerate(["red", "blue", "red"]):
        client.post("/v2/gadgets", json={"name": f"g{n}", "color": color})

    reds = client.get("/v2/gadgets", params={"color": "red", "per_page": 1}).json()

    assert [g["name"] for g in reds["gadgets"]] == ["g0"]
    assert reds["meta"]["total"] == 2
    assert "next" in reds["links"]["pages"]


def test_invalid_create_is_422_and_stores_nothing(client: httpx.Client) -> None:
    refused = client.post("/v2/gadgets", json={"name": ""})

    assert refused.status_code == 422
    assert refused.json()["id"] == "unprocessable_entity"
    assert client.get("/v2/gadgets").json()["meta"]["total"] == 0
