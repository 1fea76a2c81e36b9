"""Droplets and Droplet Actions: the `router` of both families.

`records` finds droplets, `models` reads request bodies, `provisioning` checks
and builds new droplets, `networks` gives them addresses, `backups` keeps their
backup policies, `actions` runs droplet actions and `destroy` removes droplets.
Routes with fixed paths (`/v2/droplets/backups/policies`, `/v2/droplets/actions`)
are registered before those with a `{droplet_id}` in the same place.
"""

from fastapi import APIRouter

from emulator.rest.droplets import actions, backups, destroy, routes

router = APIRouter()
for module in (backups, actions, routes, destroy):
    router.include_router(module.router)
