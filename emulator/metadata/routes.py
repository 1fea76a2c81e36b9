"""Every droplet's metadata on the main port, for tests: no listener, no source address.

- `/_emulator/droplets/{droplet_id}/metadata/v1.json`
- `/_emulator/droplets/{droplet_id}/metadata/v1/...` (the text tree)

These paths are relied on by test suites; keep them stable. They answer exactly
as the listener does for that droplet, redirects included (a `Location` keeps
the prefix). The core strips trailing slashes before routing, so whether the
client sent one is read from the raw path: it tells an index from a redirect.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from emulator.metadata.service import MAX_TARGET, Metadata, text

router = APIRouter(prefix="/_emulator/droplets")
METHODS = ["GET", "PATCH", "POST", "PUT", "DELETE"]


async def droplet_metadata(request: Request, droplet_id: str, rest: str) -> Response:
    metadata: Metadata = request.app.state.metadata
    raw_path: bytes = request.scope.get("raw_path") or b""
    if len(raw_path) + len(request.scope.get("query_string", b"")) > MAX_TARGET:
        return text("414 URI Too Long", 414)
    found = (
        metadata.directory.droplet(int(droplet_id)) if droplet_id.isdigit() else None
    )
    found = await metadata.current(found) if found is not None else None
    if found is None:
        return text(f"404 Not Found: no droplet {droplet_id}", 404)

    path = "/metadata" + rest
    if raw_path.endswith(b"/") and not path.endswith("/"):
        path += "/"
    body = await request.body() if request.method == "PATCH" else b""
    base = f"/_emulator/droplets/{droplet_id}"
    return await metadata.respond(found, request.method, path, base=base, body=body)


router.add_api_route(
    "/{droplet_id}/metadata{rest:path}", droplet_metadata, methods=METHODS
)
