"""The S3 XML the gateway writes itself: errors, ListBuckets, GetBucketLocation.

Spaces runs Ceph RGW, whose errors carry `Code`, often `Message`, the bucket,
and RGW-shaped request and host ids; clients only act on the code and status.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from xml.sax.saxutils import escape

XML = "application/xml"
_HEAD = '<?xml version="1.0" encoding="UTF-8"?>'


@dataclass
class S3Error(Exception):
    code: str
    status: int
    message: str = ""
    bucket: str | None = None
    resource: str | None = None


def request_id(region: str | None) -> str:
    """An id shaped like RGW's transaction ids, `tx0000...-<hex>-<hex>-nyc3c`."""
    return f"tx00000{secrets.token_hex(8)}-{secrets.token_hex(4)}-{secrets.token_hex(3)}-{region or 'nyc3'}c"


def error_xml(error: S3Error, rid: str, region: str | None) -> bytes:
    parts = [_HEAD, "<Error>", f"<Code>{escape(error.code)}</Code>"]
    if error.message:
        parts.append(f"<Message>{escape(error.message)}</Message>")
    if error.bucket:
        parts.append(f"<BucketName>{escape(error.bucket)}</BucketName>")
    if error.resource:
        parts.append(f"<Resource>{escape(error.resource)}</Resource>")
    slug = region or "nyc3"
    parts += [
        f"<RequestId>{rid}</RequestId>",
        f"<HostId>{rid.rsplit('-', 2)[1]}-{slug}c-{slug}-zg03</HostId>",
        "</Error>",
    ]
    return "".join(parts).encode()


def list_buckets_xml(owner: str, buckets: list[tuple[str, str]]) -> bytes:
    """ListBuckets: `buckets` is (name, creation date) pairs."""
    items = "".join(
        f"<Bucket><Name>{escape(name)}</Name><CreationDate>{created}</CreationDate></Bucket>"
        for name, created in buckets
    )
    return (
        f'{_HEAD}<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        f"<Owner><ID>{owner}</ID><DisplayName>{owner}</DisplayName></Owner>"
        f"<Buckets>{items}</Buckets></ListAllMyBucketsResult>"
    ).encode()


def location_xml(region: str) -> bytes:
    return (
        f'{_HEAD}<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        f"{region}</LocationConstraint>"
    ).encode()
