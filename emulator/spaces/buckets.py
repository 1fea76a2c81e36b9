"""Buckets: who owns each one, and bringing moto back to what the journal holds.

The gateway keeps an index of every bucket (owner tenant, DigitalOcean region,
creation time, whether it has a policy); moto knows none of that. At start the
index is rebuilt from the journal alone, without loading moto; when moto loads
(on the first S3 request), `replay` sends it the journalled writes again.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from emulator.spaces.backend import Call, Moto, wsgi_path
from emulator.spaces.journal import Journal

log = logging.getLogger(__name__)

UPLOAD_ID = re.compile(rb"<UploadId>([^<]+)</UploadId>")


@dataclass
class Bucket:
    name: str
    tenant_id: str
    region: str
    created: str
    # Spaces does not let limited keys and bucket policies meet (see spaces_keys).
    has_policy: bool = False


def from_journal(journal: Journal) -> dict[str, Bucket]:
    """Who owns which bucket, from the journal alone (moto is not loaded yet)."""
    buckets: dict[str, Bucket] = {}
    for entry in journal.entries(bodies=False):
        if "region" in entry.note:
            buckets[entry.bucket] = Bucket(
                entry.bucket,
                entry.tenant_id,
                entry.note["region"],
                entry.note["created"],
            )
        elif entry.path.strip("/") != entry.bucket or entry.bucket not in buckets:
            continue
        elif entry.method == "DELETE" and not entry.query:
            buckets.pop(entry.bucket, None)
        elif entry.query.split("&")[0].split("=")[0] == "policy":
            buckets[entry.bucket].has_policy = entry.method == "PUT"
    return buckets


def replay(journal: Journal, moto: Moto) -> None:
    """Send the journal to moto again (in the moto thread, when it loads)."""
    ids: dict[str, str] = {}
    count = 0
    for entry in journal.entries():
        count += 1
        query = entry.query
        for old, new in ids.items():
            if old in query:
                query = query.replace(old, new)
        body = journal.open_body(entry)
        try:
            raw_uri = entry.path + ("?" + query if query else "")
            call = Call(
                entry.method,
                wsgi_path(entry.path),
                raw_uri,
                query,
                entry.headers,
                body,
                _size(body),
            )
            answer = moto.call_loaded(call)
        finally:
            body.close()
        if not 200 <= answer.status < 300:
            log.warning(
                "spaces: replay of %s %s answered %s",
                entry.method,
                entry.path,
                answer.status,
            )
            continue
        upload = UPLOAD_ID.search(answer.body) if "upload_id" in entry.note else None
        if upload:
            ids[entry.note["upload_id"]] = upload.group(1).decode()
        version = answer.header("x-amz-version-id")
        if version and "version_id" in entry.note:
            ids[entry.note["version_id"]] = version
    if count:
        log.info("spaces: %d journalled requests replayed into moto", count)


def _size(body: Any) -> int:
    body.seek(0, 2)
    size = body.tell()
    body.seek(0)
    return int(size)
