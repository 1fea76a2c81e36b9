"""Serving options: the separate Spaces port, permissive keys, the external URL."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import free_port
from tests.spaces.s3 import s3_client


@pytest.fixture
def options_server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """An emulator with a Spaces port, permissive Spaces auth and an external URL."""
    port, spaces_port = free_port(), free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "emulator",
            "serve",
            "--port",
            str(port),
            "--in-memory",
            "--spaces-port",
            str(spaces_port),
            "--spaces-auth",
            "permissive",
            "--external-url",
            "https://spaces.example.test",
            "--metadata-address",
            "off",
            "--log-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 90
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/_emulator/health", timeout=1)
            httpx.get(f"http://127.0.0.1:{spaces_port}/", timeout=1)
            break
        except httpx.TransportError:
            if time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("the emulator did not start") from None
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}", f"http://127.0.0.1:{spaces_port}"
    proc.terminate()
    proc.wait(15)


def test_permissive_mode_accepts_an_unknown_key_on_the_spaces_port(
    options_server: tuple[str, str],
) -> None:
    _, spaces_url = options_server
    anyone: dict[str, Any] = {"access_key": "ANYKEY", "secret_key": "anything"}
    s3 = s3_client(spaces_url, anyone)

    s3.create_bucket(Bucket="opts")
    s3.put_object(Bucket="opts", Key="k", Body=b"x")

    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["opts"]
    assert s3.get_object(Bucket="opts", Key="k")["Body"].read() == b"x"


def test_spaces_port_serves_s3_for_any_path(options_server: tuple[str, str]) -> None:
    _, spaces_url = options_server

    answer = httpx.get(f"{spaces_url}/v2/account")

    # On the Spaces port, /v2 is a bucket named v2, not the REST API.
    assert answer.status_code == 404
    assert "<Code>NoSuchBucket</Code>" in answer.text


def test_location_uses_the_external_url(options_server: tuple[str, str]) -> None:
    main_url, _ = options_server
    s3 = s3_client(main_url, {"access_key": "ANYKEY2", "secret_key": "x"})
    s3.create_bucket(Bucket="opts-loc")
    upload = s3.create_multipart_upload(Bucket="opts-loc", Key="m")["UploadId"]
    part = s3.upload_part(
        Bucket="opts-loc", Key="m", UploadId=upload, PartNumber=1, Body=b"x"
    )

    done = s3.complete_multipart_upload(
        Bucket="opts-loc",
        Key="m",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )

    assert done["Location"] == "https://spaces.example.test/opts-loc/m"
