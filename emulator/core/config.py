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
