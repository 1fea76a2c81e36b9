"""Settings: the one place that reads the environment.

Every field can be set by a `DO_EMULATOR_<FIELD>` environment variable or by the
matching command-line flag (the flag wins). Build a `Settings` in `__main__` or in
a test fixture and hand it to `create_app`; nothing builds one at import time.

    settings = Settings(port=0, in_memory=True, clock="instant")
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

FIXTURES_DIR = Path(__file__).resolve().parents[2] / "fixtures"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DO_EMULATOR_", extra="ignore")

    host: str = Field("127.0.0.1", description="Address the main port listens on.")
    port: int = Field(
        8080, description="Main port: REST, Spaces, OAuth, control plane."
    )
    data_dir: Path = Field(
        Path(".do-emulator"),
        description="Directory for the SQLite database, certificates and object data.",
    )
    in_memory: bool = Field(
        False, description="Keep all state in memory; lose it on exit."
    )
    database_url: str | None = Field(
        None,
        validation_alias=AliasChoices("DO_EMULATOR_DATABASE_URL", "DATABASE_URL"),
        description="SQLAlchemy URL overriding the data directory's SQLite file.",
    )

    auth_mode: Literal["permissive", "strict"] = Field(
        "permissive",
        description="permissive: every bearer token is its own account, made on first use. "
        "strict: only tokens made through the control plane or the tokens file.",
    )
    tokens_file: Path | None = Field(
        None, description="JSON list of tokens to create at start (strict mode)."
    )

    oauth_auto_approve: bool = Field(
        False,
        description="Approve OAuth authorize requests without showing the consent page.",
    )
    oauth_apps_file: Path | None = Field(
        None,
        description="JSON list of OAuth apps to register at start: name, redirect_uri, client_id, client_secret.",
    )
    oauth_code_lifetime: int = Field(
        600, gt=0, description="Seconds an OAuth authorization code stays valid."
    )
    oauth_token_lifetime: int = Field(
        2592000, gt=0, description="Seconds an OAuth access token lives (30 days)."
    )
    oauth_refresh_token_lifetime: int = Field(
        15552000, gt=0, description="Seconds an unused OAuth refresh token lives."
    )

    clock: Literal["real", "instant", "frozen"] = Field(
        "real", description="When in-progress actions complete."
    )
    action_delay: float = Field(
        1.0, ge=0, description="Seconds an action stays in-progress on the real clock."
    )

    droplet_limit: int = Field(
        25, gt=0, description="Droplets an account may hold (the real default is 25)."
    )
    rate_limit: int = Field(5000, gt=0, description="Requests per token per hour.")
    enforce_rate_limit: bool = Field(
        False, description="Answer 429 past the limit; headers are always sent."
    )
    max_body_bytes: int = Field(
        1024 * 1024,
        gt=0,
        description="Largest request body accepted on /v2 (413 above).",
    )
    control_plane: bool = Field(True, description="Serve /_emulator/ routes.")

    spaces_port: int | None = Field(
        None,
        description="An extra port where every request is Spaces (S3); Spaces is "
        "always served on the main port too.",
    )
    spaces_domain: str = Field(
        "digitaloceanspaces.com",
        description="Base domain of Spaces hosts ([bucket.]region.DOMAIN); "
        "localhost and localtest.me are always accepted too.",
    )
    spaces_auth: Literal["strict", "permissive"] = Field(
        "strict",
        description="strict: S3 signatures are verified with keys made through "
        "/v2/spaces/keys. permissive: unknown access keys are accepted unchecked "
        "(logged once per key) as their own account with full access.",
    )
    external_url: str | None = Field(
        None,
        description="Base URL clients reach the emulator at, for Location answers; "
        "default: the scheme and Host of each request.",
    )

    metadata_address: str = Field(
        "169.254.169.254:80",
        description="host:port of the droplet metadata listener; off for none. "
        "Skipped with a warning where the address cannot be bound.",
    )
    metadata_default_droplet: int | None = Field(
        None,
        description="Droplet the metadata listener answers as when neither an "
        "address nor a binding names one.",
    )
    metadata_root_redirect: bool = Field(
        True,
        description="Answer /metadata/v1 (no slash) with a 301 to /metadata/v1/; "
        "false serves the index there.",
    )

    tls: bool = Field(False, description="Serve HTTPS on the main port.")
    tls_cert: Path | None = Field(
        None, description="PEM certificate; generated if unset."
    )
    tls_key: Path | None = Field(None, description="PEM private key for --tls-cert.")

    fixtures_dir: Path = Field(FIXTURES_DIR, description="Catalogue and scenario data.")
    seed: int | None = Field(
        None, description="Seed for generated ids, keys and addresses."
    )
    log_level: str = Field("info", description="debug, info, warning or error.")

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        if self.in_memory:
            return "sqlite://"
        return f"sqlite:///{self.data_dir / 'emulator.db'}"
