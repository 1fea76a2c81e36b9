"""Addresses of droplets: public IPv4 and IPv6, private IPv4 in the VPC, MACs.

Public addresses come from global sequences, so no two droplets of any tenants
share one, and a run with the same requests gives the same addresses. Private
addresses are handed out in order through the droplet's VPC range (the next
one is kept in the VPC's meta, so a create costs the same with 10,000 droplets
as with 10); once the range is used up, freed addresses are found by a scan. Addresses are
allocated when a droplet is created (or IPv6 enabled) and kept in its `meta`;
they appear in `networks` only once the action completes, as on the real API.

Public IPv4 addresses start at 159.203.0.0 (a DigitalOcean range), one /24 after
another, skipping each /24's network, gateway (.1) and broadcast addresses.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from emulator.core import resources
from emulator.core.context import Ctx
from emulator.core.errors import Unprocessable
from emulator.core.store import Record, Tx

PUBLIC_V4_START = int(ipaddress.IPv4Address("159.203.0.0"))
_HOSTS_PER_BLOCK = 253  # .2 to .254 of each /24
PUBLIC_V6_NETWORK = int(ipaddress.IPv6Address("2604:a880:400:d1::"))
PRIVATE_GATEWAY = "nil"  # the spec: private interfaces have no gateway, shown as `nil`


def public_v4(ctx: Ctx) -> dict[str, Any]:
    index = resources.new_id(ctx, "droplet_public_ipv4", start=0) - 1
    block, host = divmod(index, _HOSTS_PER_BLOCK)
    base = PUBLIC_V4_START + block * 256
    return {
        "ip_address": str(ipaddress.IPv4Address(base + host + 2)),
        "netmask": "255.255.255.0",
        "gateway": str(ipaddress.IPv4Address(base + 1)),
        "type": "public",
    }


def public_v6(ctx: Ctx) -> dict[str, Any]:
    """One address of a shared /64; each droplet's own /112 keeps them apart."""
    number = resources.new_id(ctx, "droplet_public_ipv6", start=0)
    return {
        "ip_address": str(
            ipaddress.IPv6Address(PUBLIC_V6_NETWORK + (number << 16) + 1)
        ),
        "netmask": 64,
        "gateway": str(ipaddress.IPv6Address(PUBLIC_V6_NETWORK + 1)),
        "type": "public",
    }


def private_v4(ctx: Ctx, vpc: Record, taken: set[str]) -> dict[str, Any]:
    """A free address of the VPC's range; `taken` holds those this request gave out."""
    network = ipaddress.IPv4Network(vpc["ip_range"], strict=False)
    last = network.num_addresses - 1  # the broadcast address
    for offset in range(vpc.meta.get("next_host", 2), last):
        address = str(network.network_address + offset)
        if address not in taken:
            ctx.tx.update_meta(vpc, next_host=offset + 1)
            return _private(address, network)

    used = private_addresses(ctx, vpc.id) | taken
    for offset in range(2, last):
        address = str(network.network_address + offset)
        if address not in used:
            return _private(address, network)
    raise Unprocessable(f"VPC {vpc.id} has no free address left for another Droplet.")


def _private(address: str, network: ipaddress.IPv4Network) -> dict[str, Any]:
    return {
        "ip_address": address,
        "netmask": str(network.netmask),
        "gateway": PRIVATE_GATEWAY,
        "type": "private",
    }


def private_addresses(ctx: Ctx, vpc_uuid: str) -> set[str]:
    """Private addresses already held by the tenant's droplets in the VPC."""
    return {
        droplet.meta["addresses"]["private_v4"]["ip_address"]
        for droplet in ctx.tenant.collection("droplet")
        if droplet["vpc_uuid"] == vpc_uuid
        and droplet.meta.get("addresses", {}).get("private_v4")
    }


def mac(droplet_id: int, interface: int) -> str:
    """A locally administered MAC derived from the droplet id (unique per interface)."""
    octets = (0xD2, interface, *droplet_id.to_bytes(4, "big"))
    return ":".join(f"{octet:02x}" for octet in octets)


def networks(addresses: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The `networks` object of a droplet whose addresses are `addresses`."""
    # Reserved addresses are kept beside the droplet's own, so a rebuild of the
    # list (create completing, enable_ipv6) does not drop them.
    v4 = [
        addresses[k]
        for k in ("private_v4", "public_v4", "reserved_v4")
        if addresses.get(k)
    ]
    v6 = [addresses[k] for k in ("public_v6", "reserved_v6") if addresses.get(k)]
    return {"v4": v4, "v6": v6}


def set_reserved(
    tx: Tx, droplet: Record, key: str, network: dict[str, Any] | None
) -> None:
    """Give `droplet` a reserved address (`reserved_v4`/`reserved_v6`), or take it back.

    The address is kept with the droplet's own in `meta["addresses"]`, and
    `networks` is rebuilt from them, so every later rebuild keeps it; a droplet
    still `new` shows it once its create completes, like its own addresses.
    """
    addresses = {**droplet.meta.get("addresses", {}), key: network}
    tx.update_meta(droplet, addresses=addresses)
    if droplet["status"] != "new":
        tx.update(droplet, networks=networks(addresses))
