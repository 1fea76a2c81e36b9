"""The REST API v2: one module per resource family, assembled into one router."""

from __future__ import annotations

from fastapi import APIRouter

from emulator.rest import (
    account,
    actions,
    catalogue,
    droplets,
    image_actions,
    images,
    projects,
    snapshots,
    ssh_keys,
    tags,
)

router = APIRouter()
for family in (
    account,
    actions,
    catalogue,
    droplets,
    images,
    image_actions,
    projects,
    snapshots,
    ssh_keys,
    tags,
):
    # Copy the routes rather than nest routers: every level of nesting is
    # walked again on each request, and this router is on every request's path.
    router.routes.extend(family.router.routes)
