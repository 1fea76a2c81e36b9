"""The authorization server's state and rules: codes, token pairs, refresh, revoke.

`OAuthServer` is built once per emulator (see `install`) and kept on
`api.state.oauth`. Everything is held in memory and written through to the
database (tables.py); methods that change state check everything first, then
change memory with no `await` in between (so two requests racing for one code
or one refresh token cannot both win), then write.

Its `resolve` is the emulator's token resolver for OAuth access tokens: a valid,
unrevoked, unexpired `doo_v1_` JWT becomes a `Grant` of the approving account
with the scopes the user approved. A prefixed JWT that fails any check is a 401
even in permissive mode, where an unknown token would otherwise become a new
account.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from emulator.core.clock import Clock
from emulator.core.config import Settings
from emulator.core.context import Emulator
from emulator.core.db import AddRow, Database, Op, Sql
from emulator.core.errors import Unauthorized
from emulator.core.store import Tenant
from emulator.core.tenants import Grant
from emulator.oauth import scopes
from emulator.oauth.apps import Apps, load_apps_file
from emulator.oauth.keys import (
    ACCESS_PREFIX,
    REFRESH_PREFIX,
    InvalidToken,
    SigningKey,
    looks_like_ours,
)
from emulator.oauth.tables import (
    OAuthAccountRow,
    OAuthAppRow,
    OAuthCodeRow,
    OAuthGrantRow,
)

log = logging.getLogger(__name__)

DEMO_EMAIL = "sammy@example.com"
ACCOUNT_NAME = "Sammy the Shark"  # what GET /v2/account calls every account
_CACHE_LIMIT = 10_000


class GrantError(Exception):
    """A refused exchange: `error` is OAuth's code, the message its description."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error


INVALID_GRANT = (
    "The provided authorization grant is invalid, expired, revoked, does not match "
    "the redirection URI used in the authorization request, or was issued to another client."
)


@dataclass(frozen=True, slots=True)
class Issued:
    access_token: str
    refresh_token: str | None
    expires_in: int
    scope: str
    tenant: Tenant


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def pkce_matches(challenge: str, method: str, verifier: str) -> bool:
    if method == "S256":
        hashed = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
        verifier = base64.urlsafe_b64encode(hashed).rstrip(b"=").decode()
    return hmac.compare_digest(challenge, verifier)


class OAuthServer:
    def __init__(self, emulator: Emulator, key: SigningKey) -> None:
        self.emulator = emulator
        self.settings: Settings = emulator.settings
        self.clock: Clock = emulator.clock
        self.database: Database = emulator.store.database
        self.key = key
        self.apps = Apps(_rows(self.database, OAuthAppRow))
        self.codes: dict[str, OAuthCodeRow] = {
            row.digest: row for row in _rows(self.database, OAuthCodeRow)
        }
        self.grants: dict[str, OAuthGrantRow] = {}
        self._by_refresh: dict[str, OAuthGrantRow] = {}
        self._by_code: dict[str, list[OAuthGrantRow]] = {}
        for row in _rows(self.database, OAuthGrantRow):
            self._index(row)
        self.accounts: dict[str, str] = {
            row.name: row.tenant_id for row in _rows(self.database, OAuthAccountRow)
        }
        # Verified access tokens: the JWT check costs more than the rest of a read.
        self._resolved: dict[str, tuple[Grant, OAuthGrantRow]] = {}

    def load_apps_file(self) -> None:
        path = self.settings.oauth_apps_file
        if path is None:
            return
        rows = []
        for index, request in enumerate(load_apps_file(path)):
            # Generated credentials would be unknowable and change at each start.
            if not request.client_id or not (request.public or request.client_secret):
                raise ValueError(
                    f"{path}: app {index} needs client_id and client_secret (or public: true)"
                )
            rows.append(self.apps.build(request, self.clock.now())[0])
        self.database.write_now([AddRow(row) for row in rows])
        for row in rows:
            self.apps.add(row)
        log.info("%d oauth apps loaded from %s", len(rows), path.name)

    def tenant(self, tenant_id: str) -> Tenant | None:
        try:
            return self.emulator.tenants.load(tenant_id)
        except KeyError:
            return None  # forgotten by a reset of the control plane

    def find_account(self, hint: str) -> Tenant | None:
        """The account an emulator tenant id, account email or account uuid names."""
        found = self.database.select(
            "SELECT id FROM tenant WHERE id = ? OR email = ? OR uuid = ? LIMIT 1",
            hint,
            hint,
            hint,
        )
        return self.tenant(found[0][0]) if found else None

    def demo_account(self) -> Tenant:
        """The account that approves when nobody signs in, made on first use."""
        tenant_id = self.accounts.get("demo")
        tenant = self.tenant(tenant_id) if tenant_id else None
        if tenant is not None:
            return tenant
        tenant_id = self.emulator.tenants.create_tenant(email=DEMO_EMAIL)
        self.database.write_now(
            [AddRow(OAuthAccountRow(name="demo", tenant_id=tenant_id))]
        )
        self.accounts["demo"] = tenant_id
        log.info("oauth demo account is tenant %s", tenant_id)
        return self.emulator.tenants.load(tenant_id)

    async def new_code(
        self,
        app: OAuthAppRow,
        tenant: Tenant,
        *,
        scope: str,
        challenge: str | None,
        method: str | None,
    ) -> str:
        self._forget_expired_codes()
        code = secrets.token_hex(32)
        row = OAuthCodeRow(
            digest=digest(code),
            client_id=app.client_id,
            tenant_id=tenant.id,
            redirect_uri=app.redirect_uri,
            scope=scope,
            code_challenge=challenge,
            code_challenge_method=method if challenge else None,
            expires_at=self.clock.now() + self.settings.oauth_code_lifetime,
        )
        self.codes[row.digest] = row
        await self.database.write([AddRow(row)])
        return code

    def _forget_expired_codes(self) -> None:
        now = self.clock.now()
        expired = [key for key, row in self.codes.items() if row.expires_at <= now]
        for key in expired:
            del self.codes[key]
        if expired:
            self.database.write_soon(
                [
                    Sql("DELETE FROM oauth_code WHERE digest = ?", (key,))
                    for key in expired
                ]
            )

    async def exchange_code(
        self,
        app: OAuthAppRow,
        *,
        code: str,
        redirect_uri: str | None,
        verifier: str | None,
        client_authenticated: bool,
        issuer: str,
    ) -> Issued:
        key = digest(code)
        row = self.codes.get(key)
        if row is None:
            if key in self._by_code:
                await self._revoke_lineage(key)
            raise GrantError("invalid_grant", INVALID_GRANT)
        if row.expires_at <= self.clock.now() or row.client_id != app.client_id:
            raise GrantError("invalid_grant", INVALID_GRANT)
        if redirect_uri != row.redirect_uri:
            raise GrantError("invalid_grant", INVALID_GRANT)
        if row.code_challenge:
            if not verifier or not pkce_matches(
                row.code_challenge, row.code_challenge_method or "plain", verifier
            ):
                raise GrantError(
                    "invalid_grant",
                    "The code verifier does not match the code challenge.",
                )
        elif verifier:
            raise GrantError(
                "invalid_grant",
                "A code verifier was sent for a code issued without a code challenge.",
            )
        elif not client_authenticated:
            raise GrantError("invalid_grant", "A public client must use PKCE.")
        tenant = self.tenant(row.tenant_id)
        if tenant is None:
            raise GrantError("invalid_grant", INVALID_GRANT)

        del self.codes[key]
        issued, grant = self._issue(
            app.client_id, tenant, row.scope, code_digest=key, issuer=issuer
        )
        await self.database.write(
            [Sql("DELETE FROM oauth_code WHERE digest = ?", (key,)), AddRow(grant)]
        )
        return issued

    async def issue_implicit(
        self, app: OAuthAppRow, tenant: Tenant, scope: str, issuer: str
    ) -> Issued:
        issued, grant = self._issue(
            app.client_id, tenant, scope, issuer=issuer, with_refresh=False
        )
        await self.database.write([AddRow(grant)])
        return issued

    async def refresh(
        self, refresh_token: str, app: OAuthAppRow | None, issuer: str
    ) -> Issued:
        """A new pair for a refresh token, which is spent along with its access token."""
        try:
            claims = self.key.verify(REFRESH_PREFIX, refresh_token)
        except InvalidToken as exc:
            raise GrantError("invalid_grant", INVALID_GRANT) from exc
        old = self._by_refresh.get(str(claims.get("jti")))
        now = self.clock.now()
        if (
            claims.get("typ") != "refresh"
            or old is None
            or old.revoked
            or (old.refresh_expires_at is not None and old.refresh_expires_at <= now)
            or (app is not None and app.client_id != old.client_id)
        ):
            raise GrantError("invalid_grant", INVALID_GRANT)
        tenant = self.tenant(old.tenant_id)
        if tenant is None:
            raise GrantError("invalid_grant", INVALID_GRANT)

        old.revoked = True
        issued, grant = self._issue(
            old.client_id, tenant, old.scope, code_digest=old.code_digest, issuer=issuer
        )
        await self.database.write([AddRow(old), AddRow(grant)])
        return issued

    async def revoke(self, token: str) -> bool:
        """Revoke the pair `token` (access or refresh) belongs to; False if unknown."""
        row = self._row_of(token)
        if row is None:
            return False
        if not row.revoked:
            row.revoked = True
            await self.database.write([AddRow(row)])
        return True

    def resolve(self, token: str) -> Grant | None:
        """The token resolver REST calls: None for tokens that are not ours."""
        if not looks_like_ours(token):
            return None
        hit = self._resolved.get(token)
        now = self.clock.now()
        if hit is not None:
            cached, known = hit
            if known.revoked or known.access_expires_at <= now:
                del self._resolved[token]
                raise Unauthorized()
            # A reset of the control plane replaces or forgets the tenant object.
            if self.emulator.store.tenant(cached.tenant.id) is cached.tenant:
                return cached
        row = self._row_of(token, access_only=True)
        if row is None or row.revoked or row.access_expires_at <= now:
            raise Unauthorized()
        tenant = self.tenant(row.tenant_id)
        if tenant is None:
            raise Unauthorized()
        grant = Grant(tenant, scopes.granted(row.scope), row.access_expires_at)
        if len(self._resolved) >= _CACHE_LIMIT:
            self._resolved.clear()
        self._resolved[token] = (grant, row)
        return grant

    def _row_of(self, token: str, *, access_only: bool = False) -> OAuthGrantRow | None:
        kinds = [(ACCESS_PREFIX, "access")]
        if not access_only:
            kinds.append((REFRESH_PREFIX, "refresh"))
        for prefix, kind in kinds:
            if not token.startswith(prefix):
                continue
            try:
                claims = self.key.verify(prefix, token)
            except InvalidToken:
                return None
            if claims.get("typ") != kind:
                return None
            jti = str(claims.get("jti"))
            return (
                self.grants.get(jti) if kind == "access" else self._by_refresh.get(jti)
            )
        return None

    def _issue(
        self,
        client_id: str,
        tenant: Tenant,
        scope: str,
        *,
        issuer: str,
        code_digest: str | None = None,
        with_refresh: bool = True,
    ) -> tuple[Issued, OAuthGrantRow]:
        now = self.clock.now()
        lifetime = self.settings.oauth_token_lifetime
        row = OAuthGrantRow(
            access_jti=secrets.token_hex(16),
            refresh_jti=secrets.token_hex(16) if with_refresh else None,
            client_id=client_id,
            tenant_id=tenant.id,
            scope=scope,
            access_expires_at=now + lifetime,
            refresh_expires_at=(
                now + self.settings.oauth_refresh_token_lifetime
                if with_refresh
                else None
            ),
            code_digest=code_digest,
        )
        common: dict[str, Any] = {
            "iss": issuer,
            "sub": tenant.uuid,
            "client_id": client_id,
            "iat": int(now),
        }
        access = self.key.sign(
            ACCESS_PREFIX,
            {
                **common,
                "typ": "access",
                "jti": row.access_jti,
                "scope": scope,
                "exp": int(row.access_expires_at),
            },
        )
        refresh = None
        if row.refresh_jti is not None and row.refresh_expires_at is not None:
            refresh = self.key.sign(
                REFRESH_PREFIX,
                {
                    **common,
                    "typ": "refresh",
                    "jti": row.refresh_jti,
                    "exp": int(row.refresh_expires_at),
                },
            )
        self._index(row)
        return Issued(access, refresh, lifetime, scope, tenant), row

    def _index(self, row: OAuthGrantRow) -> None:
        self.grants[row.access_jti] = row
        if row.refresh_jti:
            self._by_refresh[row.refresh_jti] = row
        if row.code_digest:
            self._by_code.setdefault(row.code_digest, []).append(row)

    async def _revoke_lineage(self, code_digest: str) -> None:
        """RFC 6749 §4.1.2: a code used twice revokes what it was exchanged for."""
        ops: list[Op] = []
        for row in self._by_code.get(code_digest, []):
            if not row.revoked:
                row.revoked = True
                ops.append(AddRow(row))
        if ops:
            log.info("oauth code replayed: %d token pairs revoked", len(ops))
            await self.database.write(ops)


def info(tenant: Tenant) -> dict[str, str]:
    """The `info` member of a token answer, as omniauth-digitalocean reads it."""
    return {
        "name": ACCOUNT_NAME,
        "email": tenant.email,
        "uuid": tenant.uuid,
        "team_uuid": tenant.uuid,
        "team_name": "My Team",
    }


def _rows(database: Database, table: type[Any]) -> list[Any]:
    columns = list(table.model_fields)
    selected = database.select(
        f"SELECT {', '.join(columns)} FROM {table.__tablename__}"
    )
    return [table(**dict(zip(columns, values, strict=True))) for values in selected]
