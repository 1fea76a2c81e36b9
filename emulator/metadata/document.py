"""The metadata document of one droplet, built from what the REST API holds.

`document(tenant, droplet)` is the object `/metadata/v1.json` serves; the text
tree (`tree.py`) is read from the same object, so both always agree. It is
built on every request: a rename, a tag or a reserved IP assigned over REST
shows at once.

Where the REST state has no answer the values are the emulator's own: the
vendor data is a fixed `#cloud-config`, the anchor address (the internal
address reserved IPs are routed to) is derived from the public address, the
resolvers are DigitalOcean's, and `auth_key` is derived from the account and
the droplet. Public keys are those of the droplet's SSH keys that the account
still holds (a key deleted after the create drops out of the document).
"""

from __future__ import annotations

import hashlib
import ipaddress
from typing import Any

from emulator.core.store import Record, Tenant

# What DigitalOcean's own vendor data does first; the real one is MIME multipart.
VENDOR_DATA = "#cloud-config\ndisable_root: false\nmanage_etc_hosts: true\n"
# The resolvers DigitalOcean hands its droplets.
NAMESERVERS = ["67.207.67.2", "67.207.67.3"]
ANCHOR_NETWORK = ipaddress.IPv4Network("10.17.0.0/16")
# Keys droplet-agent writes back with PATCH /metadata/v1.json (reference §6).
AGENT_KEYS = frozenset(
    {
        "dotty_keys",
        "dotty_status",
        "ssh_info",
        "managed_keys_enabled",
        "troubleshooting_agent",
    }
)


def document(tenant: Tenant, droplet: Record) -> dict[str, Any]:
    data, meta = droplet.data, droplet.meta
    doc: dict[str, Any] = {
        "droplet_id": data["id"],
        "hostname": data["name"],
        "vendor_data": VENDOR_DATA,
        "public_keys": public_keys(tenant, droplet),
        "auth_key": auth_key(tenant, droplet),
        "region": data["region"]["slug"],
        "interfaces": interfaces(droplet),
    }
    if meta.get("user_data") is not None:
        doc["user_data"] = meta["user_data"]
    ipv4, ipv6 = reserved_ipv4(tenant, droplet), reserved_ipv6(tenant, droplet)
    doc["floating_ip"] = {"ipv4": _reservation(ipv4)}
    doc["reserved_ip"] = {"ipv4": _reservation(ipv4), "ipv6": _reservation(ipv6)}
    doc["dns"] = {"nameservers": list(NAMESERVERS)}
    doc["tags"] = list(data.get("tags") or [])
    doc["features"] = {"dhcp_enabled": False}
    doc.update(meta.get("agent_metadata") or {})
    return doc


def public_keys(tenant: Tenant, droplet: Record) -> list[str]:
    keys = (
        tenant.get("ssh_key", key_id) for key_id in droplet.meta.get("ssh_keys", [])
    )
    return [key["public_key"] for key in keys if key is not None]


def auth_key(tenant: Tenant, droplet: Record) -> str:
    """A stable per-droplet key (agents send it back; nothing checks it)."""
    seed = f"{tenant.uuid}:{droplet.id}".encode()
    return hashlib.sha256(seed).hexdigest()[:32]


def interfaces(droplet: Record) -> dict[str, list[dict[str, Any]]]:
    """Public and private interfaces; a type the droplet lacks is left out.

    cloud-init takes element 0 of every type it finds, so an empty list would
    crash it where a missing key does not.
    """
    addresses = droplet.meta.get("addresses") or {}
    macs = droplet.meta.get("macs") or {}
    found: dict[str, list[dict[str, Any]]] = {}
    public_v4 = addresses.get("public_v4")
    if public_v4:
        public: dict[str, Any] = {
            "mac": macs.get("public", ""),
            "type": "public",
            "ipv4": _ipv4(public_v4["ip_address"], public_v4["netmask"]),
        }
        public_v6 = addresses.get("public_v6")
        # The address is reserved when enable_ipv6 is asked; it is the droplet's
        # only once the action completes and `ipv6` is among its features.
        if public_v6 and "ipv6" in droplet.data.get("features", []):
            public["ipv6"] = _ipv6(public_v6)
        public["anchor_ipv4"] = anchor_ipv4(public_v4["ip_address"])
        found["public"] = [public]
    private_v4 = addresses.get("private_v4")
    if private_v4:
        found["private"] = [
            {
                "mac": macs.get("private", ""),
                "type": "private",
                "ipv4": _ipv4(private_v4["ip_address"], private_v4["netmask"]),
            }
        ]
    return found


def _ipv4(address: str, netmask: str) -> dict[str, str]:
    # The REST API shows no gateway on private networks (`nil`); the metadata
    # service names the first address of the network, as it does for public ones.
    network = ipaddress.IPv4Network(f"{address}/{netmask}", strict=False)
    gateway = str(network.network_address + 1)
    return {"ip_address": address, "netmask": netmask, "gateway": gateway}


def _ipv6(entry: dict[str, Any]) -> dict[str, Any]:
    # The metadata service prints IPv6 addresses fully expanded, in upper case.
    return {
        "ip_address": ipaddress.IPv6Address(entry["ip_address"]).exploded.upper(),
        "cidr": int(entry["netmask"]),
        "gateway": ipaddress.IPv6Address(entry["gateway"]).exploded.upper(),
    }


def anchor_ipv4(public_address: str) -> dict[str, str]:
    """The internal address reserved IPs are routed to, one per public address."""
    span = ANCHOR_NETWORK.num_addresses - 3  # no network, gateway or broadcast
    host = 2 + int(ipaddress.IPv4Address(public_address)) % span
    return {
        "ip_address": str(ANCHOR_NETWORK.network_address + host),
        "netmask": str(ANCHOR_NETWORK.netmask),
        "gateway": str(ANCHOR_NETWORK.network_address + 1),
    }


def reserved_ipv4(tenant: Tenant, droplet: Record) -> str | None:
    """The reserved IP assigned to the droplet, from its meta or the reserved IPs."""
    held = droplet.meta.get("reserved_ip")
    if isinstance(held, str):
        return held
    if isinstance(held, dict) and (held.get("ip") or held.get("ip_address")):
        return str(held.get("ip") or held.get("ip_address"))
    return _assigned(tenant, droplet, ("reserved_ip", "floating_ip"))


def reserved_ipv6(tenant: Tenant, droplet: Record) -> str | None:
    return _assigned(tenant, droplet, ("reserved_ipv6",))


def _assigned(tenant: Tenant, droplet: Record, kinds: tuple[str, ...]) -> str | None:
    droplet_id = droplet.data["id"]
    for kind in kinds:
        for record in tenant.collection(kind):
            if (record.data.get("droplet") or {}).get("id") == droplet_id:
                return str(record.data.get("ip") or record.id)
    return None


def _reservation(address: str | None) -> dict[str, Any]:
    if address is None:
        return {"active": False}
    return {"active": True, "ip_address": address}
