"""Answering metadata requests: the same answers on the listener and the main port.

`Metadata.respond` serves one droplet's view of the paths the real service
has: `/metadata/v1.json`, the text tree under `/metadata/v1/`, and
`/v1/maintenance_event`. Answers are plain text (JSON only for `v1.json`),
errors included, as the real service sends them: it is not the REST API and
has no DigitalOcean error body.

`ListenerApp` is the ASGI app of the metadata listener (on 169.254.169.254:80
by default). It picks the droplet by the caller's source address: a droplet
holding that address; else the droplet bound to it through the control plane
(`bindings.py`); else the configured default droplet; else a 404 that says so.
A source several droplets hold as a private address (private ranges repeat
across accounts) answers as its binding when there is one, else as the newest.

`PATCH /metadata/v1.json` is droplet-agent's write-back: the keys it sends
(`dotty_status`, `ssh_info`, ...) are kept with the droplet and shown after.
"""

from __future__ import annotations

import logging
import time

import orjson
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from emulator.core import actions
from emulator.core.context import Emulator
from emulator.core.store import Tx
from emulator.metadata import tree
from emulator.metadata.bindings import Bindings, normalize
from emulator.metadata.document import AGENT_KEYS, auth_key, document
from emulator.metadata.droplets import KIND, Directory, Found

log = logging.getLogger(__name__)
access = logging.getLogger("emulator.access")

TEXT = "text/plain; charset=utf-8"
ROOT = "/metadata/v1"
MAX_TARGET = 2048  # longer request targets get 414; no path of the tree comes close
MAX_PATCH = 64 * 1024
READ = ("GET", "HEAD")


def text(
    body: str, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(body, status_code=status, media_type=TEXT, headers=headers)


def not_found() -> Response:
    return text("404 Not Found", 404)


def method_not_allowed(allowed: tuple[str, ...]) -> Response:
    return text("405 Method Not Allowed", 405, {"Allow": ", ".join(allowed)})


class Metadata:
    """The metadata service of one emulator: droplets, bindings, answers."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.directory = Directory(emulator)
        self.bindings = Bindings(emulator.store.database)

    def caller(self, source: str) -> Found | None:
        """The droplet a request from `source` is answered as (see the module doc)."""
        try:
            source = normalize(source)
        except ValueError:
            pass
        holders = self.directory.holding(source)
        if len(holders) == 1:
            return holders[0]
        bound = self.bindings.droplet_id(source)
        if bound is not None and (found := self.directory.droplet(bound)) is not None:
            return found
        if holders:
            return holders[0]
        default = self.emulator.settings.metadata_default_droplet
        return self.directory.droplet(default) if default is not None else None

    async def current(self, found: Found) -> Found | None:
        """`found` after the account's due actions complete (a create makes it active)."""
        tenant, droplet = found
        await actions.settle(self.emulator.store, self.emulator.clock, tenant)
        latest = tenant.get(KIND, droplet.id)
        return (tenant, latest) if latest is not None else None

    async def respond(
        self, found: Found, method: str, path: str, *, base: str = "", body: bytes = b""
    ) -> Response:
        """The answer to `method path` for the droplet; `base` prefixes redirects."""
        if path == f"{ROOT}.json":
            if method == "PATCH":
                return await self._patch(found, body)
            if method not in READ:
                return method_not_allowed((*READ, "PATCH"))
            return Response(
                orjson.dumps(document(*found)), media_type="application/json"
            )
        if method not in READ:
            return method_not_allowed(READ)
        if path == "/v1/maintenance_event":
            return text("")  # no live migration is ever scheduled
        if path == ROOT:
            if self.emulator.settings.metadata_root_redirect:
                return text("", 301, {"Location": f"{base}{ROOT}/"})
            path = f"{ROOT}/"
        if not path.startswith(f"{ROOT}/"):
            return not_found()
        return self._tree(found, path, base)

    def _tree(self, found: Found, path: str, base: str) -> Response:
        is_index = path.endswith("/")
        parts = path[len(ROOT) + 1 :].split("/")
        if is_index:
            parts.pop()
        if parts == ["auth-token"] and not is_index:
            # Read by do-agent; not listed in the index, as on the real service.
            return text(auth_key(*found))
        node = tree.lookup(tree.build(document(*found)), parts)
        if node is None or (is_index and isinstance(node, str)):
            return not_found()
        if isinstance(node, str):
            return text(node)
        if not is_index:
            return text("", 301, {"Location": f"{base}{path}/"})
        return text(tree.listing(node))

    async def _patch(self, found: Found, body: bytes) -> Response:
        try:
            given = orjson.loads(body)
        except orjson.JSONDecodeError:
            return text("400 Bad Request: the body must be a JSON object", 400)
        if not isinstance(given, dict):
            return text("400 Bad Request: the body must be a JSON object", 400)
        tenant, droplet = found
        kept = {k: v for k, v in given.items() if k in AGENT_KEYS}
        if kept:
            tx = Tx(self.emulator.store, tenant)
            merged = {**(droplet.meta.get("agent_metadata") or {}), **kept}
            tx.update_meta(droplet, agent_metadata=merged)
            await tx.commit()
        return Response(status_code=204)


class ListenerApp:
    """ASGI app of the metadata listener: one droplet per source address."""

    def __init__(self, metadata: Metadata) -> None:
        self.metadata = metadata

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1003})
            return
        if scope["type"] != "http":
            return
        started = time.perf_counter()
        method: str = scope["method"]
        source = (scope.get("client") or ("", 0))[0]
        response, droplet_id = await self._answer(scope, receive, source)
        await response(
            scope, receive, _without_body(send) if method == "HEAD" else send
        )
        access.info(
            "metadata %s %s => %s source=%s droplet=%s %.0fms",
            method,
            scope["path"][:200],
            response.status_code,
            source,
            droplet_id or "-",
            (time.perf_counter() - started) * 1000,
        )

    async def _answer(
        self, scope: Scope, receive: Receive, source: str
    ) -> tuple[Response, str | None]:
        target = len(scope.get("raw_path") or b"") + len(scope.get("query_string", b""))
        if target > MAX_TARGET:
            return text("414 URI Too Long", 414), None
        body: bytes | None = b""
        if scope["method"] == "PATCH":
            body = await _read_body(receive)
        if body is None:
            return text("413 Payload Too Large", 413), None
        found = self.metadata.caller(source)
        found = await self.metadata.current(found) if found is not None else None
        if found is None:
            return text(_nobody(source), 404), None
        response = await self.metadata.respond(
            found, scope["method"], scope["path"], body=body
        )
        return response, found[1].id


def _nobody(source: str) -> str:
    return (
        f"404 Not Found: no droplet answers for source address {source}. "
        "Give a droplet that address, bind it with POST /_emulator/metadata/bindings "
        '{"source": "...", "droplet_id": ...}, or set --metadata-default-droplet.'
    )


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_PATCH:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _without_body(send: Send) -> Send:
    async def send_head(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return send_head
