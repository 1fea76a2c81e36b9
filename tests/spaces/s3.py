"""Helpers for the Spaces tests: keys made through the REST API, and boto3 clients.

Virtual-host addressing needs `{bucket}.{region}.localhost` to resolve, which
not every resolver does; `s3_client(..., host=...)` signs for that host and
still connects to 127.0.0.1, so the emulator sees exactly what it would see.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

import boto3
import httpx
from botocore.config import Config


def make_key(
    api: httpx.Client, grants: list[dict[str, str]] | None = None, name: str = "key"
) -> dict[str, Any]:
    """A Spaces key (with its secret) made through /v2/spaces/keys."""
    body = {
        "name": name,
        "grants": grants
        if grants is not None
        else [{"bucket": "", "permission": "fullaccess"}],
    }
    response = api.post("/v2/spaces/keys", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json()["key"])


def s3_client(
    url: str,
    key: dict[str, Any],
    *,
    region: str = "us-east-1",
    virtual_domain: str | None = None,
    secret: str | None = None,
) -> Any:
    """boto3 for `url`; with `virtual_domain` (e.g. `nyc3.localhost`), virtual-host style."""
    port = urlsplit(url).port
    endpoint = f"http://{virtual_domain}:{port}" if virtual_domain else url
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=key["access_key"],
        aws_secret_access_key=secret or key["secret_key"],
        config=Config(
            s3={"addressing_style": "virtual" if virtual_domain else "path"},
            retries={"max_attempts": 1},
        ),
    )
    if virtual_domain:

        def to_loopback(request: Any, **_: Any) -> None:
            parts = urlsplit(request.url)
            request.headers["Host"] = parts.netloc
            request.url = urlunsplit(parts._replace(netloc=f"127.0.0.1:{port}"))

        client.meta.events.register("before-send.s3", to_loopback)
    return client
