"""Where an S3 request is addressed: bucket and region from the Host and the path.

Spaces names a bucket either in the host (virtual-host style,
`{bucket}.{region}.digitaloceanspaces.com`, what the AWS SDKs do by default) or
in the first path segment (path style, `{region}.digitaloceanspaces.com/{bucket}`).
Locally the base domain may be `localhost` (`{bucket}.localhost`, resolved by
every modern resolver) or a wildcard-DNS name such as `localtest.me`; both are
accepted next to the configured one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Region slugs have the shape `nyc3`, `sfo2`, `ams3`: letters then digits.
_REGION = re.compile(r"^[a-z]{3}\d$")
LOCAL_DOMAINS = ("localhost", "localtest.me")


@dataclass(frozen=True)
class Address:
    bucket: str | None
    key: str | None
    region: str | None
    virtual: bool  # the bucket came from the host
    in_domain: bool  # the host is a Spaces host (so the request is S3)


def split_host(
    host: str, domains: tuple[str, ...]
) -> tuple[str | None, str | None, bool]:
    """(bucket, region, in_domain) named by a Host header."""
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    name = name.lower().rstrip(".")
    for domain in domains:
        if name == domain:
            return None, None, domain not in LOCAL_DOMAINS
        suffix = "." + domain
        if name.endswith(suffix):
            labels = name[: -len(suffix)].split(".")
            region = None
            # The website endpoint (`nyc3-static`) serves the bucket too.
            if labels and _REGION.match(labels[-1].removesuffix("-static")):
                region = labels.pop().removesuffix("-static")
            # So does the CDN edge, `{bucket}.{region}.cdn.{domain}`.
            elif labels and labels[-1] == "cdn" and len(labels) > 1:
                labels.pop()
                if _REGION.match(labels[-1]):
                    region = labels.pop()
            bucket = ".".join(labels) or None
            return bucket, region, True
    return None, None, False


def address(host: str, path: str, domains: tuple[str, ...]) -> Address:
    """Bucket, key and region of a request to `host` with the decoded `path`."""
    bucket, region, in_domain = split_host(host, domains)
    if bucket:
        key = path[1:] if len(path) > 1 else None
        return Address(bucket, key, region, True, in_domain)
    rest = path[1:]
    if not rest:
        return Address(None, None, region, False, in_domain)
    bucket, _, key = rest.partition("/")
    return Address(bucket, key or None, region, False, in_domain)
