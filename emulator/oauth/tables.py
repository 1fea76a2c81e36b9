"""The OAuth server's durable state: apps, authorization codes and issued tokens.

These tables sit in the emulator's one database beside core's; importing this
module registers them with SQLModel's metadata, so `Database` creates them.
Secrets (client secrets, codes) are kept only as SHA-256 digests; tokens are
kept by their JWT ids, never whole.
"""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class OAuthAppRow(SQLModel, table=True):
    __tablename__ = "oauth_app"

    client_id: str = Field(primary_key=True)
    secret_digest: str | None = None  # None: a public client, which must use PKCE
    name: str
    redirect_uri: str
    created_at: str


class OAuthCodeRow(SQLModel, table=True):
    """An authorization code not yet exchanged (deleted when it is)."""

    __tablename__ = "oauth_code"

    digest: str = Field(primary_key=True)
    client_id: str
    tenant_id: str
    redirect_uri: str
    scope: str
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    expires_at: float


class OAuthGrantRow(SQLModel, table=True):
    """One issued access token and the refresh token that came with it."""

    __tablename__ = "oauth_grant"

    access_jti: str = Field(primary_key=True)
    refresh_jti: str | None = Field(default=None, index=True)
    client_id: str
    tenant_id: str
    scope: str
    access_expires_at: float
    refresh_expires_at: float | None = None
    # The code the pair was exchanged for: a replayed code revokes what it issued.
    code_digest: str | None = None
    # Set on revoke, and on the old pair when its refresh token is spent.
    revoked: bool = False


class OAuthAccountRow(SQLModel, table=True):
    """Named accounts of the OAuth surface: the demo account that approves by default."""

    __tablename__ = "oauth_account"

    name: str = Field(primary_key=True)
    tenant_id: str
