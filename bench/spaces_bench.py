"""Spaces throughput: the emulator's S3 against moto's standalone server, in one run.

Starts both servers as fresh processes on this machine, then with boto3 from a
few client threads PUTs and GETs 4 KiB and 8 MiB objects through each, and
prints objects per second and the ratio emulator/moto. The emulator runs with a
data directory, so every PUT is journalled and fsynced before it is answered;
moto keeps everything in memory. It also reports the emulator's peak memory
(VmHWM of the process) before and after uploading 8 MiB objects.

    .venv/bin/python bench/spaces_bench.py             # about a minute
    .venv/bin/python bench/spaces_bench.py --quick     # a smoke run
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
from botocore.config import Config

KIB = 1024
MIB = 1024 * KIB


@dataclass
class Target:
    name: str
    url: str
    pid: int
    access_key: str
    secret_key: str

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=Config(
                s3={"addressing_style": "path"},
                # The same plain requests to both servers: no aws-chunked bodies.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
                max_pool_connections=32,
                retries={"max_attempts": 1},
            ),
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server at {url} exited with {proc.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit(f"server at {url} did not start")


@contextmanager
def emulator(data_dir: Path) -> Iterator[Target]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "emulator", "serve", "--port", str(port)]
    command += ["--data-dir", str(data_dir), "--log-level", "warning"]
    command += ["--metadata-address", "off"]
    proc = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_until_up(f"{url}/_emulator/health", proc)
        token = "dop_v1_" + secrets.token_hex(32)
        made = httpx.post(
            f"{url}/v2/spaces/keys",
            headers={"Authorization": f"Bearer {token}"},
            json={
                "name": "bench",
                "grants": [{"bucket": "", "permission": "fullaccess"}],
            },
        ).json()["key"]
        yield Target("emulator", url, proc.pid, made["access_key"], made["secret_key"])
    finally:
        proc.terminate()
        proc.wait(15)


@contextmanager
def moto_server() -> Iterator[Target]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "moto.server", "-p", str(port)]
    proc = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_until_up(url, proc)
        yield Target("moto", url, proc.pid, "AKIAMOTOBENCH", "secret")
    finally:
        proc.terminate()
        proc.wait(15)


def peak_rss_mib(pid: int) -> float:
    """VmHWM, the peak resident memory of `pid` so far."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def rate(work: Callable[[int], None], count: int, threads: int) -> float:
    """Calls of `work(i)` per second, `threads` at a time."""
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(work, range(count)))
    return count / (time.perf_counter() - started)


def measure(
    target: Target, size: int, count: int, threads: int
) -> tuple[float, float, float]:
    """PUT and GET objects per second of `size` bytes, and the peak RSS after the PUTs."""
    clients = [target.client() for _ in range(threads)]
    bucket = f"bench-{size}-{secrets.token_hex(4)}"
    clients[0].create_bucket(Bucket=bucket)
    body = os.urandom(size)

    def put(i: int) -> None:
        clients[i % threads].put_object(Bucket=bucket, Key=f"o{i}", Body=body)

    def get(i: int) -> None:
        got = clients[i % threads].get_object(Bucket=bucket, Key=f"o{i}")["Body"].read()
        assert len(got) == size

    # One of each first, so connection set-up is not measured.
    put(0)
    get(0)
    puts = rate(put, count, threads)
    peak = peak_rss_mib(target.pid)
    return puts, rate(get, count, threads), peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer objects")
    parser.add_argument("--threads", type=int, default=4, help="client threads")
    args = parser.parse_args()
    small_count, large_count = (100, 6) if args.quick else (600, 24)

    data_dir = Path(tempfile.mkdtemp(prefix="spaces-bench-"))
    results: dict[str, dict[str, tuple[float, float, float]]] = {}
    memory: tuple[float, float] = (0.0, 0.0)
    try:
        for make in (lambda: emulator(data_dir), moto_server):
            with make() as target:
                before = peak_rss_mib(target.pid)
                small = measure(target, 4 * KIB, small_count, args.threads)
                before_large = peak_rss_mib(target.pid)
                large = measure(target, 8 * MIB, large_count, args.threads)
                if target.name == "emulator":
                    memory = (before_large, large[2])
                results[target.name] = {"4 KiB": small, "8 MiB": large}
                print(f"{target.name}: started at {before:.0f} MiB peak RSS")
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)

    print(f"\n{'size':<6} {'op':<4} {'emulator/s':>11} {'moto/s':>9} {'ratio':>6}")
    for size in ("4 KiB", "8 MiB"):
        for index, op in enumerate(("PUT", "GET")):
            ours = results["emulator"][size][index]
            theirs = results["moto"][size][index]
            print(
                f"{size:<6} {op:<4} {ours:>11.1f} {theirs:>9.1f} {ours / theirs:>6.2f}"
            )
    print(
        f"\nemulator peak RSS: {memory[0]:.0f} MiB before the 8 MiB uploads, "
        f"{memory[1]:.0f} MiB after them ({args.threads} at a time): "
        f"+{memory[1] - memory[0]:.0f} MiB, "
        f"{(memory[1] - memory[0]) / args.threads:.1f} MiB per concurrent upload"
    )


if __name__ == "__main__":
    main()
