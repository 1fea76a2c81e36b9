"""The droplet metadata service: what a droplet learns about itself at 169.254.169.254.

Served from REST state on two surfaces:

- its own listener, `--metadata-address` (default `169.254.169.254:80`, `off`
  for none), which answers as the droplet the caller's source address names
  (`service.py`); where the address cannot be bound it is logged and skipped;
- the main port, `/_emulator/droplets/{droplet_id}/metadata/v1[.json|/...]`,
  for tests (`routes.py`), with the bindings of source addresses to droplets
  under `/_emulator/metadata/bindings` (`bindings.py`).

The main-port routes belong to the control plane: with `control_plane` off they
are left out and the listener stays. The document is built in `document.py`,
the text tree in `tree.py`. Not emulated: metrics ingestion (`/v1/metrics/...`)
and do-agent's app-key exchange; live migrations are never scheduled.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI

from emulator.core.context import Emulator
from emulator.listeners import Listener
from emulator.metadata import bindings, routes
from emulator.metadata.service import ListenerApp, Metadata

log = logging.getLogger(__name__)

OFF = ("", "off", "none", "false", "0")


def install(api: FastAPI, emulator: Emulator) -> None:
    api.state.metadata = Metadata(emulator)
    if emulator.settings.control_plane:
        api.router.routes.extend(bindings.router.routes)
        api.router.routes.extend(routes.router.routes)


def listeners(api: FastAPI, emulator: Emulator) -> list[Listener]:
    """The metadata listener on `settings.metadata_address`, unless it is `off`."""
    address = emulator.settings.metadata_address
    if address.strip().lower() in OFF:
        return []
    host, port = parse_address(address)
    log.info(
        "metadata: listener wanted on %s:%s; every droplet's metadata is also on "
        "the main port at /_emulator/droplets/{id}/metadata/v1/",
        host,
        port,
    )
    return [Listener("metadata", host, port, ListenerApp(api.state.metadata))]


def parse_address(address: str) -> tuple[str, int]:
    """`host:port`, `[v6]:port` or a bare host (port 80) as (host, port)."""
    text = address.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.removeprefix(":") or "80"
    elif text.count(":") == 1:
        host, _, port = text.partition(":")
    else:
        host, port = text, "80"
    if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise SystemExit(
            f"do-emulator: --metadata-address {address!r} is not host:port or off"
        )
    return host, int(port)
