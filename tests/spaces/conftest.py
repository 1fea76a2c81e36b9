"""Fixtures of the Spaces tests: a full-access key and its boto3 client, per test."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.conftest import Server
from tests.spaces.s3 import make_key, s3_client


@pytest.fixture
def key(api: httpx.Client) -> dict[str, Any]:
    return make_key(api)


@pytest.fixture
def s3(server: Server, key: dict[str, Any]) -> Any:
    return s3_client(server.url, key)


@pytest.fixture
def bucket_name() -> Callable[[], str]:
    """Unique bucket names: the bucket namespace is shared by every account."""
    return lambda: "t-" + secrets.token_hex(6)


@pytest.fixture
def bucket(s3: Any, bucket_name: Callable[[], str]) -> str:
    name = bucket_name()
    s3.create_bucket(Bucket=name)
    return name
