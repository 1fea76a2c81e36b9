"""Finding a droplet in any account: by its id, or by an address it holds.

The metadata service has no bearer token to name an account, so it looks
through every tenant. Droplet ids are global, so an id names one droplet;
public addresses come from global sequences, so they name one too. Private
addresses repeat across accounts (each default VPC starts at the same range):
several droplets can hold one, and the caller decides among them.

Tenants kept on disk are loaded into memory on the first look-up after a start
(every tenant created later is in memory already). A look-up by address walks
every droplet in memory: droplets ask for their metadata at boot, not on a hot
path, so no address index is kept up to date on every write.
"""

from __future__ import annotations

import ipaddress
import logging

from emulator.core.context import Emulator
from emulator.core.store import Record, Tenant
from emulator.metadata.document import ANCHOR_NETWORK, anchor_ipv4

log = logging.getLogger(__name__)

KIND = "droplet"
Found = tuple[Tenant, Record]


class Directory:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self._tenant_of: dict[int, str] = {}  # droplet id -> tenant id, checked on use
        self._loaded = False

    def _load_tenants(self) -> None:
        if self._loaded:
            return
        store = self.emulator.store
        rows = store.database.select(
            "SELECT DISTINCT tenant_id FROM record WHERE kind = ?", KIND
        )
        for (tenant_id,) in rows:
            if tenant_id not in store.tenants:
                try:
                    self.emulator.tenants.load(tenant_id)
                except KeyError:
                    continue
        self._loaded = True
        log.debug("metadata: %d tenants in memory", len(store.tenants))

    def droplet(self, droplet_id: int) -> Found | None:
        self._load_tenants()
        tenants = self.emulator.store.tenants
        known = tenants.get(self._tenant_of.get(droplet_id, ""))
        if known is not None and (found := known.get(KIND, droplet_id)) is not None:
            return known, found
        for tenant in list(tenants.values()):
            found = tenant.get(KIND, droplet_id)
            if found is not None:
                self._tenant_of[droplet_id] = tenant.id
                return tenant, found
        return None

    def holding(self, address: str) -> list[Found]:
        """Droplets holding `address`: the one with it as a public, anchor or
        reserved address, else those with it as a private one, newest first."""
        self._load_tenants()
        is_anchor = _within(address, ANCHOR_NETWORK)
        public: list[Found] = []
        private: list[Found] = []
        for tenant in list(self.emulator.store.tenants.values()):
            for droplet in tenant.collection(KIND):
                addresses = droplet.meta.get("addresses") or {}
                public_v4 = (addresses.get("public_v4") or {}).get("ip_address")
                if public_v4 and (
                    public_v4 == address
                    or (is_anchor and anchor_ipv4(public_v4)["ip_address"] == address)
                ):
                    public.append((tenant, droplet))
                elif (addresses.get("private_v4") or {}).get("ip_address") == address:
                    private.append((tenant, droplet))
            public.extend(_reserved_holder(tenant, address))
        if public:
            return public
        return sorted(private, key=lambda found: found[1].seq, reverse=True)


def _reserved_holder(tenant: Tenant, address: str) -> list[Found]:
    for kind in ("reserved_ip", "floating_ip"):
        reserved = tenant.get(kind, address)
        droplet_id = ((reserved.data.get("droplet") or {}) if reserved else {}).get(
            "id"
        )
        if droplet_id is not None:
            droplet = tenant.get(KIND, droplet_id)
            if droplet is not None:
                return [(tenant, droplet)]
    return []


def _within(address: str, network: ipaddress.IPv4Network) -> bool:
    try:
        return ipaddress.IPv4Address(address) in network
    except ValueError:
        return False
