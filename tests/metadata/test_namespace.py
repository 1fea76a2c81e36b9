"""A droplet's view, for real: a network namespace reads 169.254.169.254.

The test makes a network namespace joined to the host by a veth pair, puts
169.254.169.254 on the host's end, starts the emulator's listener there (port
80 when it is free) and reads the metadata from inside the namespace, from the
droplet's own public address and from an address bound through the control
plane. It needs root and iproute2 (CI has both); elsewhere it is skipped and
says why. The namespace and the veth pair are removed whatever happens.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pydo
import pytest

from tests.conftest import new_token, pydo_client
from tests.metadata.conftest import Running, run_emulator

METADATA_ADDRESS = "169.254.169.254"
DROPLET = {
    "name": "ns-droplet",
    "region": "nyc3",
    "size": "s-1vcpu-1gb",
    "image": "ubuntu-22-04-x64",
}
# Run inside the namespace: GET a path from a given source address.
FETCH = """
import http.client, sys
host, port, source, path = sys.argv[1:5]
conn = http.client.HTTPConnection(host, int(port), timeout=5, source_address=(source, 0))
conn.request("GET", path)
answer = conn.getresponse()
sys.stdout.write(f"{answer.status}\\n{answer.read().decode()}")
"""


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["ip", *args], capture_output=True, text=True, check=check, timeout=20
    )


@dataclass
class Namespace:
    name: str
    host_end: str
    inner_end: str

    def add_address(self, address: str) -> None:
        """Give the namespace `address` and route it to and from the host."""
        ip("-n", self.name, "addr", "add", f"{address}/32", "dev", self.inner_end)
        ip("route", "add", f"{address}/32", "dev", self.host_end)

    def fetch(self, port: int, source: str, path: str) -> tuple[int, str]:
        done = subprocess.run(
            ["ip", "netns", "exec", self.name, sys.executable, "-c", FETCH]
            + [METADATA_ADDRESS, str(port), source, path],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert done.returncode == 0, done.stderr
        status, _, body = done.stdout.partition("\n")
        return int(status), body


@pytest.fixture(scope="module")
def namespace() -> Iterator[Namespace]:
    if os.geteuid() != 0:
        pytest.skip("needs root to create a network namespace (CI runs as root)")
    if shutil.which("ip") is None:
        pytest.skip("needs the ip command of iproute2")
    suffix = f"{os.getpid() % 100_000}"
    made = Namespace(f"doemu-md-{suffix}", f"mdh{suffix}", f"mdn{suffix}")
    added = ip("netns", "add", made.name, check=False)
    if added.returncode != 0:
        pytest.skip(f"cannot create a network namespace: {added.stderr.strip()}")
    try:
        ip("link", "add", made.host_end, "type", "veth", "peer", "name", made.inner_end)
        ip("link", "set", made.inner_end, "netns", made.name)
        ip("addr", "add", f"{METADATA_ADDRESS}/32", "dev", made.host_end)
        ip("link", "set", made.host_end, "up")
        ip("-n", made.name, "link", "set", "lo", "up")
        ip("-n", made.name, "link", "set", made.inner_end, "up")
        ip(
            "-n",
            made.name,
            "route",
            "add",
            f"{METADATA_ADDRESS}/32",
            "dev",
            made.inner_end,
        )
        yield made
    finally:
        ip("link", "del", made.host_end, check=False)
        ip("netns", "del", made.name, check=False)


def _port() -> int:
    """80, as on a droplet, unless something on this host holds it already."""
    for port in (80, 0):
        with socket.socket() as probe:
            try:
                probe.bind((METADATA_ADDRESS, port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise RuntimeError(f"no port is free on {METADATA_ADDRESS}")


@pytest.fixture(scope="module")
def emulator(namespace: Namespace) -> Iterator[tuple[Running, int]]:
    port = _port()
    running = run_emulator(metadata_address=f"{METADATA_ADDRESS}:{port}")
    yield running, port
    running.stop()


def active(do: pydo.Client, **fields: Any) -> dict[str, Any]:
    created = do.droplets.create(body={**DROPLET, **fields})["droplet"]
    return do.droplets.get(created["id"])["droplet"]


def public_v4(droplet: dict[str, Any]) -> str:
    return next(n for n in droplet["networks"]["v4"] if n["type"] == "public")[
        "ip_address"
    ]


def test_namespace_with_the_droplets_address_reads_its_metadata(namespace, emulator):
    running, port = emulator
    do = pydo_client(running.server, new_token())
    droplet = active(do, tags=["from-namespace"], user_data="#!/bin/sh\necho hi\n")
    address = public_v4(droplet)
    namespace.add_address(address)

    droplet_id = namespace.fetch(port, address, "/metadata/v1/id")
    user_data = namespace.fetch(port, address, "/metadata/v1/user-data")
    tags = namespace.fetch(port, address, "/metadata/v1/tags/")
    document = namespace.fetch(port, address, "/metadata/v1.json")

    assert droplet_id == (200, str(droplet["id"]))
    assert user_data == (200, "#!/bin/sh\necho hi\n")
    assert tags == (200, "from-namespace")
    assert document[0] == 200 and f'"droplet_id":{droplet["id"]}' in document[1]


def test_namespace_address_bound_through_the_control_plane(namespace, emulator):
    running, port = emulator
    do = pydo_client(running.server, new_token())
    droplet = active(do, name="bound-in-namespace")
    namespace.add_address("100.64.7.7")
    unbound = namespace.fetch(port, "100.64.7.7", "/metadata/v1/hostname")

    httpx.post(
        f"{running.server.url}/_emulator/metadata/bindings",
        json={"source": "100.64.7.7", "droplet_id": droplet["id"]},
    ).raise_for_status()
    bound = namespace.fetch(port, "100.64.7.7", "/metadata/v1/hostname")

    assert unbound[0] == 404
    assert bound == (200, "bound-in-namespace")


def test_namespace_with_the_droplets_reserved_ip_reads_its_metadata(
    namespace, emulator
):
    running, port = emulator
    token = new_token()
    do = pydo_client(running.server, token)
    droplet = active(do, name="reserved-holder")
    with httpx.Client(
        base_url=running.server.url, headers={"Authorization": f"Bearer {token}"}
    ) as api:
        made = api.post("/v2/reserved_ips", json={"droplet_id": droplet["id"]})
        if made.status_code in (404, 405, 501):
            pytest.skip("the reserved IPs family is not emulated in this build")
        address = made.json()["reserved_ip"]["ip"]
        api.get(f"/v2/reserved_ips/{address}")  # completes the assign action
    namespace.add_address(address)

    droplet_id = namespace.fetch(port, address, "/metadata/v1/id")
    active_leaf = namespace.fetch(port, address, "/metadata/v1/reserved_ip/ipv4/active")

    assert droplet_id == (200, str(droplet["id"]))
    assert active_leaf == (200, "true")
