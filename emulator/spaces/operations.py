"""Which S3 operation a request is, what a key needs for it, and what Spaces refuses.

Spaces answers a subset of S3. Operations it does not have answer 501
`NotImplemented` before moto sees them, since moto would happily store a
bucket's tags or encryption settings. The permission levels are those of a
Spaces key's grants: `read` < `readwrite` < `fullaccess`.
"""

from __future__ import annotations

from dataclasses import dataclass

LEVELS = {"read": 1, "readwrite": 2, "fullaccess": 3}

# Sub-resources of a bucket or an object that Spaces does not implement.
UNSUPPORTED_BUCKET = frozenset(
    {
        "tagging",
        "encryption",
        "object-lock",
        "replication",
        "notification",
        "inventory",
        "analytics",
        "metrics",
        "intelligent-tiering",
        "accelerate",
        "requestPayment",
        "ownershipControls",
        "publicAccessBlock",
        "policyStatus",
        "metadataTable",
    }
)
UNSUPPORTED_OBJECT = frozenset(
    {"select", "restore", "retention", "legal-hold", "torrent", "attributes"}
)
# Bucket sub-resources a `read` grant may GET (the rest need full access).
READABLE_BUCKET = frozenset(
    {"", "list-type", "versions", "uploads", "location", "versioning"}
)
CANNED_ACLS = ("private", "public-read")


@dataclass(frozen=True)
class Operation:
    name: str
    level: str  # read, readwrite or fullaccess
    mutates: bool
    unsupported: bool = False


def classify(
    method: str, bucket: str | None, key: str | None, params: set[str]
) -> Operation:
    mutates = method in ("PUT", "POST", "DELETE")
    if method == "OPTIONS" and bucket is not None:
        # CORS preflight needs no credentials; the bucket's CORS rules decide.
        return Operation("Preflight", "read", False)
    if bucket is None:
        return Operation("ListBuckets", "fullaccess", False)
    if key is None:
        sub = params & (UNSUPPORTED_BUCKET | READABLE_BUCKET | _BUCKET_CONFIG)
        if params & UNSUPPORTED_BUCKET:
            return Operation("BucketConfiguration", "fullaccess", mutates, True)
        if method == "PUT" and not sub:
            return Operation("CreateBucket", "fullaccess", True)
        if method == "DELETE" and not sub:
            return Operation("DeleteBucket", "fullaccess", True)
        if method == "POST" and "delete" in params:
            return Operation("DeleteObjects", "readwrite", True)
        if method == "POST":
            return Operation("PostObject", "readwrite", True)
        if method in ("GET", "HEAD"):
            if "location" in params:
                return Operation("GetBucketLocation", "read", False)
            if params & (_BUCKET_CONFIG - {"versioning"}):
                return Operation("GetBucketConfiguration", "fullaccess", False)
            name = "HeadBucket" if method == "HEAD" else "ListObjects"
            return Operation(name, "read", False)
        return Operation("PutBucketConfiguration", "fullaccess", mutates)
    if params & UNSUPPORTED_OBJECT:
        return Operation("ObjectConfiguration", "readwrite", mutates, True)
    if method in ("GET", "HEAD"):
        return Operation(
            "GetObject" if method == "GET" else "HeadObject", "read", False
        )
    return Operation(f"{method.title()}Object", "readwrite", mutates)


# Bucket configuration sub-resources that Spaces has (full access only).
_BUCKET_CONFIG = frozenset(
    {"acl", "cors", "lifecycle", "policy", "website", "logging", "versioning"}
)


def allows(grants: list[dict[str, str]], bucket: str | None, level: str) -> bool:
    """Whether a key holding `grants` may do something needing `level` on `bucket`."""
    needed = LEVELS[level]
    for grant in grants:
        if grant["permission"] == "fullaccess":
            return True
        if bucket is not None and grant["bucket"] == bucket:
            return LEVELS.get(grant["permission"], 0) >= needed
    return False
