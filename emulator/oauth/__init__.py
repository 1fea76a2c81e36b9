"""The oauth surface (placeholder until it is written)."""

from __future__ import annotations

from fastapi import FastAPI

from emulator.core.context import Emulator
from emulator.listeners import Listener


def install(api: FastAPI, emulator: Emulator) -> None:
    """Add this surface's routes, middleware and token resolvers to `api`."""


def listeners(api: FastAPI, emulator: Emulator) -> list[Listener]:
    """Ports of this surface's own, besides the main one."""
    return []
