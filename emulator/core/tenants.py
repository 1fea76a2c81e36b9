"""Tenants (accounts) and the bearer tokens that name them.

permissive mode: any well-formed bearer token is accepted and becomes its own
account on first use, so parallel test suites are isolated by their tokens.
strict mode: only tokens that exist are accepted: made through the control
plane, listed in the tokens file, or issued by the OAuth flow.

Scopes use the API's own `<resource>:<verb>` names. A token holds a set:
`*` is full access, `*:read` is read-only; `droplet:*` grants every verb on
droplets. An operation lists the scopes that allow it; holding any one will do,
which is how full-access and custom tokens behave against the real API.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import orjson

from emulator.core.clock import Clock, timestamp
from emulator.core.db import AddRow, Database, Sql, TenantRow, TokenRow
from emulator.core.store import Store, Tenant

log = logging.getLogger(__name__)

FULL_ACCESS = frozenset({"*"})
READ_ONLY = frozenset({"*:read"})
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9._~+/=-]{1,4096}$")
_SCOPE_SHAPE = re.compile(r"^(\*|[a-z_]+):(\*|[a-z_]+)$|^\*$")


@dataclass(frozen=True, slots=True)
class Grant:
    """What a presented token resolves to."""

    tenant: Tenant
    scopes: frozenset[str]
    expires_at: float | None = None

    def allows(self, needed: Iterable[str]) -> bool:
        scopes = self.scopes
        if "*" in scopes:
            return True
        for scope in needed:
            resource, _, verb = scope.partition(":")
            if scope in scopes or f"{resource}:*" in scopes or f"*:{verb}" in scopes:
                return True
        return False


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """A personal access token in DigitalOcean's format (secret scanners look for it)."""
    return "dop_v1_" + secrets.token_hex(32)


def parse_scopes(scopes: Iterable[str] | str) -> frozenset[str]:
    """Turn `"read"`, `"read write"`, `["droplet:read", ...]` into a scope set."""
    words = scopes.split() if isinstance(scopes, str) else list(scopes)
    result: set[str] = set()
    for word in words:
        if word in ("write", "full", "*"):
            result.add("*")
        elif word == "read":
            result.add("*:read")
        elif _SCOPE_SHAPE.match(word):
            result.add(word)
        else:
            raise ValueError(f"unknown scope {word!r}")
    return frozenset(result)


class Tenants:
    """Resolves tokens to tenants; keeps every known token in memory."""

    def __init__(self, store: Store, clock: Clock, *, strict: bool) -> None:
        self.store = store
        self.database: Database = store.database
        self.clock = clock
        self.strict = strict
        self._grants: dict[str, Grant] = {}  # by digest
        self._rows: dict[str, TenantRow] = {
            row.id: row
            for row in (
                TenantRow(id=r[0], uuid=r[1], email=r[2], created_at=r[3])
                for r in self.database.select(
                    "SELECT id, uuid, email, created_at FROM tenant"
                )
            )
        }
        self._tokens: dict[str, tuple[str, frozenset[str], float | None]] = {
            r[0]: (r[1], frozenset(orjson.loads(r[2])), r[3])
            for r in self.database.select(
                "SELECT digest, tenant_id, scopes, expires_at FROM token"
            )
        }

    def resolve(self, token: str) -> Grant | None:
        """The grant of `token`, or None when it is not accepted."""
        key = digest(token)
        grant = self._grants.get(key)
        if grant is not None:
            if grant.expires_at is not None and grant.expires_at <= self.clock.now():
                return None
            return grant
        if key in self._tokens:
            tenant_id, scopes, expires_at = self._tokens[key]
            grant = Grant(self.load(tenant_id), scopes, expires_at)
            self._grants[key] = grant
            return self.resolve(token)
        if self.strict or not _TOKEN_SHAPE.match(token):
            return None
        tenant_id, _ = self.create_token(token, FULL_ACCESS, name="permissive")
        log.info("tenant %s created for a new token", tenant_id)
        return self.resolve(token)

    def load(self, tenant_id: str) -> Tenant:
        tenant = self.store.tenant(tenant_id)
        if tenant is not None:
            return tenant
        row = self._rows[tenant_id]
        tenant = Tenant(
            row.id, uuid=row.uuid, email=row.email, created_at=row.created_at
        )
        return self.store.add_tenant(tenant)

    def create_tenant(self, *, email: str | None = None) -> str:
        tenant_id = "t-" + secrets.token_hex(6)
        account_uuid = str(uuid.uuid4())
        row = TenantRow(
            id=tenant_id,
            uuid=account_uuid,
            email=email or f"sammy+{tenant_id[2:]}@example.com",
            created_at=timestamp(self.clock.now()),
        )
        self._rows[tenant_id] = row
        self.database.write_now([AddRow(row)])
        return tenant_id

    def create_token(
        self,
        token: str,
        scopes: frozenset[str],
        *,
        name: str,
        tenant_id: str | None = None,
        expires_at: float | None = None,
    ) -> tuple[str, str]:
        """Store `token` for `tenant_id` (a new tenant if None); return both ids."""
        if tenant_id is None:
            tenant_id = self.create_tenant()
        elif tenant_id not in self._rows:
            raise KeyError(tenant_id)
        key = digest(token)
        row = TokenRow(
            digest=key,
            tenant_id=tenant_id,
            name=name,
            scopes=orjson.dumps(sorted(scopes)).decode(),
            created_at=timestamp(self.clock.now()),
            expires_at=expires_at,
        )
        self.database.write_now([AddRow(row)])
        self._tokens[key] = (tenant_id, scopes, expires_at)
        self._grants.pop(key, None)
        return tenant_id, key

    def revoke(self, token: str) -> bool:
        key = digest(token)
        self._grants.pop(key, None)
        if self._tokens.pop(key, None) is None:
            return False
        self.database.write_now([Sql("DELETE FROM token WHERE digest = ?", (key,))])
        return True

    def tenant_of(self, token: str) -> str | None:
        found = self._tokens.get(digest(token))
        return found[0] if found else None

    def forget_tenant(self, tenant_id: str) -> None:
        """Drop a tenant's tokens from memory (its rows are cleared by the caller)."""
        self._rows.pop(tenant_id, None)
        for key in [k for k, v in self._tokens.items() if v[0] == tenant_id]:
            del self._tokens[key]
        for key in [k for k, g in self._grants.items() if g.tenant.id == tenant_id]:
            del self._grants[key]

    def forget_all(self) -> None:
        self._rows.clear()
        self._tokens.clear()
        self._grants.clear()
