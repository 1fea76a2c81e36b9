"""What Spaces stored survives a restart: SIGTERM, and kill -9 after the answer.

Each test runs the emulator as a real process on a data directory, writes
through boto3, stops the process, starts a new one on the same directory and
reads everything back.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import free_port, new_token
from tests.spaces.s3 import make_key, s3_client

MIB = 1024 * 1024


class Process:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "emulator",
                "serve",
                "--port",
                str(self.port),
                "--data-dir",
                str(self.data_dir),
                "--metadata-address",
                "off",
                "--log-level",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if (
                    httpx.get(f"{self.url}/_emulator/health", timeout=1).status_code
                    == 200
                ):
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("the emulator did not start")

    def stop(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)
        self.proc.wait(15)
        self.proc = None


@pytest.fixture
def process(tmp_path: Path) -> Iterator[Process]:
    process = Process(tmp_path / "data")
    yield process
    if process.proc is not None:
        process.proc.kill()
        process.proc.wait(10)


def write_everything(url: str, token: str) -> tuple[dict[str, Any], str]:
    with httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {token}"}
    ) as api:
        key = make_key(api)
    s3 = s3_client(url, key, virtual_domain="ams3.localhost")
    s3.create_bucket(Bucket="kept")
    s3.put_object(
        Bucket="kept",
        Key="small.txt",
        Body=b"small",
        Metadata={"owner": "sammy"},
        ACL="public-read",
    )
    s3.put_object(Bucket="kept", Key="large.bin", Body=os.urandom(1024) * 3 * 1024)
    s3.put_object_tagging(
        Bucket="kept", Key="small.txt", Tagging={"TagSet": [{"Key": "a", "Value": "b"}]}
    )
    s3.put_object(Bucket="kept", Key="deleted", Body=b"x")
    s3.delete_object(Bucket="kept", Key="deleted")
    upload = s3.create_multipart_upload(Bucket="kept", Key="unfinished")["UploadId"]
    s3.upload_part(
        Bucket="kept",
        Key="unfinished",
        UploadId=upload,
        PartNumber=1,
        Body=b"p" * (5 * MIB),
    )
    return key, upload


def read_everything(url: str, key: dict[str, Any], upload: str) -> None:
    s3 = s3_client(url, key, virtual_domain="ams3.localhost")
    small = s3.get_object(Bucket="kept", Key="small.txt")
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="kept")["Contents"])
    uploads = s3.list_multipart_uploads(Bucket="kept")["Uploads"]

    assert small["Body"].read() == b"small"
    assert small["Metadata"] == {"owner": "sammy"}
    assert s3.get_object_tagging(Bucket="kept", Key="small.txt")["TagSet"] == [
        {"Key": "a", "Value": "b"}
    ]
    assert s3.head_object(Bucket="kept", Key="large.bin")["ContentLength"] == 3 * MIB
    assert keys == ["large.bin", "small.txt"]
    assert s3.get_bucket_location(Bucket="kept")["LocationConstraint"] == "ams3"
    assert httpx.get(f"{url}/kept/small.txt").content == b"small"
    assert len(uploads) == 1
    # The unfinished upload can still be completed after the restart.
    upload_id = uploads[0]["UploadId"]
    parts = s3.list_parts(Bucket="kept", Key="unfinished", UploadId=upload_id)["Parts"]
    s3.complete_multipart_upload(
        Bucket="kept",
        Key="unfinished",
        UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": parts[0]["ETag"]}]},
    )
    assert s3.head_object(Bucket="kept", Key="unfinished")["ContentLength"] == 5 * MIB


@pytest.mark.parametrize(
    "sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "kill-9"]
)
def test_buckets_objects_and_uploads_survive_a_restart(
    process: Process, sig: int
) -> None:
    token = new_token()
    process.start()
    key, upload = write_everything(process.url, token)

    process.stop(sig)
    process.start()

    read_everything(process.url, key, upload)


def test_reset_clears_spaces_for_good(process: Process) -> None:
    token = new_token()
    process.start()
    key, _ = write_everything(process.url, token)

    httpx.post(f"{process.url}/_emulator/reset").raise_for_status()
    process.stop(signal.SIGTERM)
    process.start()

    with httpx.Client(
        base_url=process.url, headers={"Authorization": f"Bearer {token}"}
    ) as api:
        fresh = s3_client(process.url, make_key(api))
    assert fresh.list_buckets()["Buckets"] == []
    assert not any((process.data_dir / "spaces").iterdir())
