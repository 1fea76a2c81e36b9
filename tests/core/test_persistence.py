"""Durability: what was acknowledged survives a clean stop and a kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port, new_token


class Process:
    def __init__(self, data_dir: Path, *extra: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        where = [] if "--in-memory" in extra else ["--data-dir", str(data_dir)]
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "emulator",
                "serve",
                "--port",
                str(self.port),
                *where,
                "--log-level",
                "warning",
                *extra,
            ],
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                if (
                    httpx.get(f"{self.url}/_emulator/health", timeout=1).status_code
                    == 200
                ):
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError("emulator did not start")
            time.sleep(0.05)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
            self.proc.wait(10)


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "state"


def headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    "sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "kill-9"]
)
def test_acknowledged_writes_survive_a_restart(data_dir: Path, sig: int) -> None:
    token = new_token()
    first = Process(data_dir, "--clock", "instant")
    try:
        created = httpx.post(
            f"{first.url}/v2/tags", json={"name": "durable"}, headers=headers(token)
        )
        assert created.status_code == 201, created.text
    finally:
        first.stop(sig)

    second = Process(data_dir, "--clock", "instant")
    try:
        tags = httpx.get(f"{second.url}/v2/tags", headers=headers(token)).json()["tags"]
        assert [t["name"] for t in tags] == ["durable"]
    finally:
        second.stop()


def test_in_memory_mode_keeps_nothing(tmp_path: Path) -> None:
    token = new_token()
    first = Process(tmp_path, "--in-memory")
    try:
        httpx.post(
            f"{first.url}/v2/tags", json={"name": "gone"}, headers=headers(token)
        )
    finally:
        first.stop()

    second = Process(tmp_path, "--in-memory")
    try:
        assert (
            httpx.get(f"{second.url}/v2/tags", headers=headers(token)).json()["tags"]
            == []
        )
    finally:
        second.stop()
