"""Route lookup by family: a request is matched only against its family's routes.

Starlette tries every route in turn. With every REST family mounted that is
over 400 routes, and matching `/v2/droplets` cost a quarter of the request.
`grouped` puts the routes under each `/v2/<family>` prefix in one
`RouteGroup`, found by a dictionary lookup on the path's prefix; a group
tries its routes in their original order (so a static path registered before
a parametrised one still wins).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match
from starlette.types import Receive, Scope, Send

_CHOSEN = "emulator.route"


class RouteGroup(BaseRoute):
    def __init__(self, prefix: str, routes: list[BaseRoute]) -> None:
        self.prefix = prefix
        self.routes = routes

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path = get_route_path(scope)
        if not (path == self.prefix or path.startswith(self.prefix + "/")):
            return Match.NONE, {}
        partial: tuple[BaseRoute, Scope] | None = None
        for route in self.routes:
            match, child = route.matches(scope)
            if match == Match.FULL:
                return Match.FULL, {**child, _CHOSEN: route}
            if match == Match.PARTIAL and partial is None:
                partial = (route, child)
        if partial is not None:
            return Match.PARTIAL, {**partial[1], _CHOSEN: partial[0]}
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        route: BaseRoute = scope[_CHOSEN]
        await route.handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        for route in self.routes:
            try:
                return route.url_path_for(name, **path_params)
            except Exception:  # noqa: BLE001 - NoMatchFound from the next candidate
                continue
        from starlette.routing import NoMatchFound

        raise NoMatchFound(name, path_params)


def _prefix(path: str) -> str:
    parts = path.split("/", 3)  # "", "v2", "droplets", rest
    return "/".join(parts[:3])


class FamilyIndex(BaseRoute):
    """One route standing for every group: finds the group by the path's prefix."""

    def __init__(self, groups: dict[str, RouteGroup]) -> None:
        self.groups = groups

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        group = self.groups.get(_prefix(get_route_path(scope)))
        return group.matches(scope) if group is not None else (Match.NONE, {})

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        route: BaseRoute = scope[_CHOSEN]
        await route.handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        for group in self.groups.values():
            try:
                return group.url_path_for(name, **path_params)
            except Exception:  # noqa: BLE001 - NoMatchFound from the next group
                continue
        from starlette.routing import NoMatchFound

        raise NoMatchFound(name, path_params)


def flat(routes: Sequence[BaseRoute]) -> list[BaseRoute]:
    """`routes` with routers included without a prefix replaced by their routes.

    A family assembled from several modules (droplets) includes their routers;
    FastAPI keeps each as one entry, which has no path to group by.
    """
    result: list[BaseRoute] = []
    for route in routes:
        included = getattr(route, "original_router", None)
        context = getattr(route, "include_context", None)
        if included is not None and context is not None:
            if context.prefix or context.dependencies:
                raise ValueError("route groups take routers included without prefix")
            result.extend(flat(included.routes))
        else:
            result.append(route)
    return result


def grouped(routes: Sequence[BaseRoute]) -> list[BaseRoute]:
    """`routes` behind one index of `/v2/<family>` groups, order kept in each."""
    members: dict[str, list[BaseRoute]] = {}
    for route in flat(routes):
        members.setdefault(_prefix(route.path), []).append(route)  # type: ignore[attr-defined]
    return [FamilyIndex({p: RouteGroup(p, rs) for p, rs in members.items()})]
