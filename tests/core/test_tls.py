"""--tls: pydo, which sends tokens only over HTTPS, works with no options but the CA."""

from __future__ import annotations

import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pydo

from tests.conftest import free_port, new_token


def _trusting(cert: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(cert))


def test_pydo_over_tls_with_the_generated_certificate(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "emulator",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(tmp_path),
            "--tls",
            "--log-level",
            "warning",
        ],
    )
    cert = tmp_path / "tls" / "cert.pem"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(
                    f"https://127.0.0.1:{port}/_emulator/health",
                    verify=_trusting(cert),
                    timeout=1,
                ).is_success:
                    break
            except (httpx.TransportError, FileNotFoundError):
                pass
            assert time.monotonic() < deadline and proc.poll() is None, (
                "emulator did not start"
            )
            time.sleep(0.05)

        client = pydo.Client(
            new_token(),
            endpoint=f"https://127.0.0.1:{port}",
            connection_verify=str(cert),
        )
        with client:
            account = client.account.get()["account"]

        assert account["status"] == "active"
    finally:
        proc.terminate()
        proc.wait(10)
