"""Who signed an S3 request: the Spaces key, its tenant and its grants.

Keys are records of the REST family `spaces_keys` (kind `spaces_key`) in
whichever tenant made them; an access key is looked up in the database once
and its tenant remembered, and the record itself is read on every request, so
a deleted key or a narrowed grant takes effect at once. In permissive mode an
unknown key is accepted unchecked as an account of its own with full access.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from emulator.core.context import Emulator
from emulator.core.store import Record, Tenant
from emulator.spaces.signatures import SignatureError, Wire, signed_by, verify

log = logging.getLogger(__name__)

KEY_KIND = "spaces_key"


@dataclass
class Principal:
    tenant: Tenant
    grants: list[dict[str, str]]


class Keys:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.strict = emulator.settings.spaces_auth == "strict"
        self._key_tenants: dict[str, str] = {}
        self._warned: set[str] = set()

    def key(self, access_key: str) -> tuple[Tenant, Record] | None:
        """The key record of `access_key` and its tenant, wherever it lives."""
        tenant_id = self._key_tenants.get(access_key)
        if tenant_id is None:
            rows = self.emulator.store.database.select(
                "SELECT tenant_id FROM record WHERE kind = ? AND id = ?",
                KEY_KIND,
                access_key,
            )
            if not rows:
                return None
            tenant_id = rows[0][0]
        try:
            tenant = self.emulator.tenants.load(tenant_id)
        except KeyError:
            return None
        record = tenant.get(KEY_KIND, access_key)
        if record is None:
            self._key_tenants.pop(access_key, None)
            return None
        self._key_tenants[access_key] = tenant_id
        return tenant, record

    def principal(self, wire: Wire) -> Principal | None:
        claim = signed_by(wire)
        if claim is None:
            return None
        found = self.key(claim.access_key)
        if found is not None:
            tenant, record = found
            verify(wire, claim, record.meta["secret"])
            return Principal(tenant, record.data["grants"])
        if not self.strict:
            grant = self.emulator.tenants.resolve(f"spaces-{claim.access_key}")
            if grant is not None:
                if claim.access_key not in self._warned:
                    self._warned.add(claim.access_key)
                    log.warning(
                        "spaces: permissive mode: accepting unknown key %s unchecked",
                        claim.access_key,
                    )
                return Principal(
                    grant.tenant, [{"bucket": "", "permission": "fullaccess"}]
                )
        raise SignatureError(
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
        )

    def forget(self) -> None:
        """Drop what is remembered of keys (after a reset)."""
        self._key_tenants.clear()
