"""The Spaces gateway: S3 requests are recognised, checked, and handed to moto.

An ASGI middleware in front of the whole application. A request is S3 when it
carries an AWS signature (header or query), is addressed to a Spaces host
(`{bucket}.{region}.digitaloceanspaces.com`, `{bucket}.localhost`), names a
known bucket in its first path segment, or came to the separate Spaces port.
Everything else goes on to the REST API untouched.

For an S3 request the gateway does what moto does not: it verifies the
signature with the secret of a key made through `/v2/spaces/keys`, decides
from the key's grants and the bucket's owner whether the operation is allowed,
answers what Spaces answers differently (ListBuckets per region and tenant,
GetBucketLocation with the DigitalOcean slug, 501 for what Spaces lacks), and
journals every accepted write before answering, so that it survives a restart.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import re
import socket
import time
from typing import Any
from urllib.parse import unquote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from emulator.core.context import Emulator
from emulator.spaces import answers, buckets, operations
from emulator.spaces.answers import S3Error
from emulator.spaces.backend import Answer, Call, Moto, empty, wsgi_path
from emulator.spaces.buckets import UPLOAD_ID, Bucket
from emulator.spaces.credentials import KEY_KIND, Keys, Principal
from emulator.spaces.hosts import LOCAL_DOMAINS, Address, address, split_host
from emulator.spaces.journal import Body, Journal
from emulator.spaces.signatures import SignatureError, Wire, query_pairs

log = logging.getLogger(__name__)
access = logging.getLogger("emulator.access")

BUCKETS_PER_ACCOUNT = 100
DEFAULT_REGION = "nyc3"
# First path segments that belong to the other surfaces, never to a bucket.
_RESERVED = frozenset({"v1", "v2", "_emulator", "metadata", "oauth", "favicon.ico"})
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_REGION_SLUG = re.compile(r"^[a-z]{3}\d$")
_LOCATION = re.compile(rb"<LocationConstraint>([^<]*)</LocationConstraint>")
_LOCATION_ELEMENT = re.compile(rb"<Location>[^<]*</Location>")
_ACCESS_DENIED = "Access Denied."


class Spaces:
    """The state of the Spaces surface: moto, the journal, who owns which bucket."""

    def __init__(self, emulator: Emulator, journal: Journal) -> None:
        self.emulator = emulator
        settings = emulator.settings
        self.domains = (settings.spaces_domain, *LOCAL_DOMAINS)
        self.external_url = settings.external_url
        self.moto = Moto(on_load=lambda moto: buckets.replay(journal, moto))
        self.journal = journal
        self.buckets: dict[str, Bucket] = buckets.from_journal(journal)
        self.keys = Keys(emulator)

    def is_s3(self, scope: Scope) -> bool:
        if scope.get("spaces_port"):
            return True
        authorization = b""
        host = b""
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value
            elif name == b"host":
                host = value
        if authorization.startswith((b"AWS4-HMAC-SHA256", b"AWS ")):
            return True
        if authorization.startswith(b"Bearer"):
            return False
        query: bytes = scope.get("query_string", b"")
        if b"X-Amz-Algorithm=" in query or b"AWSAccessKeyId=" in query:
            return True
        if split_host(host.decode("latin-1"), self.domains)[2]:
            return True
        first = scope["path"][1:].split("/", 1)[0]
        return first not in _RESERVED and first in self.buckets

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        method: str = scope["method"]
        header_list = [
            (n.decode("latin-1"), v.decode("latin-1")) for n, v in scope["headers"]
        ]
        headers: dict[str, str] = {}
        for name, value in header_list:
            lower = name.lower()
            headers[lower] = f"{headers[lower]},{value}" if lower in headers else value
        host = headers.get("host", "")
        addr = address(host, scope["path"], self.domains)
        raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        raw_query = scope.get("query_string", b"").decode("latin-1")
        moto_path = raw_path if not addr.virtual else f"/{addr.bucket}{raw_path}"
        if addr.virtual and raw_path == "/":
            moto_path = f"/{addr.bucket}"
        wire = Wire(
            method,
            raw_path,
            raw_query,
            headers,
            query_pairs(raw_query),
            resource=moto_path if addr.bucket else "/",
        )
        rid = answers.request_id(addr.region)
        body: Body | None = None
        try:
            try:
                principal = self.keys.principal(wire)
            except SignatureError as exc:
                raise S3Error(exc.code, exc.status, str(exc)) from None
            if method in ("PUT", "POST"):
                body = await self._read_body(receive)
            answer = await self.serve(
                method, addr, wire, header_list, principal, body, moto_path, scope
            )
        except S3Error as exc:
            if body is not None:
                body.discard()
            xml = answers.error_xml(exc, rid, addr.region)
            answer = Answer(
                exc.status,
                [("Content-Type", answers.XML), ("Content-Length", str(len(xml)))],
                xml,
            )
        else:
            if body is not None:
                body.close()
        await self._send(send, answer, rid, method == "HEAD")

    async def _read_body(self, receive: Receive) -> Body:
        body = self.journal.new_body()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            body.write(message.get("body", b""))
            more = message.get("more_body", False)
        return body

    async def _send(self, send: Send, answer: Answer, rid: str, is_head: bool) -> None:
        headers: list[tuple[bytes, bytes]] = []
        for name, value in answer.headers:
            lower = name.lower()
            if lower == "content-length" and not is_head:
                continue
            if lower in ("server", "x-amz-request-id"):
                continue
            headers.append((lower.encode("latin-1"), value.encode("latin-1")))
        if not is_head:
            headers.append((b"content-length", str(len(answer.body)).encode()))
        headers.append((b"x-amz-request-id", rid.encode()))
        await send(
            {"type": "http.response.start", "status": answer.status, "headers": headers}
        )
        await send(
            {"type": "http.response.body", "body": b"" if is_head else answer.body}
        )

    async def serve(
        self,
        method: str,
        addr: Address,
        wire: Wire,
        header_list: list[tuple[str, str]],
        principal: Principal | None,
        body: Body | None,
        moto_path: str,
        scope: Scope,
    ) -> Answer:
        params = {name for name, _ in wire.query}
        op = operations.classify(method, addr.bucket, addr.key, params)
        if op.unsupported:
            raise S3Error("NotImplemented", 501, "", addr.bucket)
        if op.name == "ListBuckets":
            return self._list_buckets(principal, addr.region)
        bucket = addr.bucket or ""
        acl = wire.headers.get("x-amz-acl")
        if acl is not None and acl not in operations.CANNED_ACLS:
            raise S3Error(
                "InvalidArgument",
                400,
                "Spaces supports the canned ACLs private and public-read only.",
                bucket,
            )
        if op.name == "CreateBucket":
            return await self._create_bucket(
                principal, addr, wire, header_list, body, moto_path
            )
        info = self.buckets.get(bucket)
        if info is None:
            raise S3Error("NoSuchBucket", 404, "", bucket)
        await self._authorise(principal, info, op, addr, params)
        source = wire.headers.get("x-amz-copy-source")
        if source is not None and method == "PUT":
            await self._authorise_copy_source(principal, source)
        is_policy = addr.key is None and "policy" in params
        if is_policy and method == "PUT" and self._limited_key_reaches(info):
            raise S3Error(
                "InvalidArgument",
                400,
                "A limited access key can reach this bucket: bucket policies and limited keys cannot be combined.",
                bucket,
            )
        if op.name == "GetBucketLocation":
            xml = answers.location_xml(info.region)
            return Answer(200, [("Content-Type", answers.XML)], xml)
        answer = await self._forward(method, moto_path, wire, header_list, body)
        if op.mutates and 200 <= answer.status < 300:
            note: dict[str, Any] = {}
            upload = UPLOAD_ID.search(answer.body) if "uploads" in params else None
            if upload:
                note["upload_id"] = upload.group(1).decode()
            version = answer.header("x-amz-version-id")
            if version:
                note["version_id"] = version
            await self._journal(
                answer,
                info.tenant_id,
                bucket,
                method,
                moto_path,
                wire,
                header_list,
                body,
                note,
            )
            if op.name == "DeleteBucket":
                self.buckets.pop(bucket, None)
            if is_policy:
                info.has_policy = method == "PUT"
        if method == "POST" and "uploadId" in params and answer.status == 200:
            answer.body = self._located(answer.body, addr, wire, scope)
        return answer

    async def _create_bucket(
        self,
        principal: Principal | None,
        addr: Address,
        wire: Wire,
        header_list: list[tuple[str, str]],
        body: Body | None,
        moto_path: str,
    ) -> Answer:
        """CreateBucket: checked and placed in its region here; moto never sees the body."""
        bucket = addr.bucket or ""
        region = self._check_create(principal, addr, body, wire)
        assert principal is not None
        answer = await self._forward("PUT", moto_path, wire, header_list, None)
        if answer.status != 200:
            return answer

        created = _now()
        self.buckets[bucket] = Bucket(bucket, principal.tenant.id, region, created)
        note = {"region": region, "created": created}
        await self._journal(
            answer,
            principal.tenant.id,
            bucket,
            "PUT",
            moto_path,
            wire,
            header_list,
            None,
            note,
        )
        return answer

    def _list_buckets(self, principal: Principal | None, region: str | None) -> Answer:
        if principal is None or not operations.allows(
            principal.grants, None, "fullaccess"
        ):
            raise S3Error("AccessDenied", 403, _ACCESS_DENIED)
        owned = [
            (b.name, b.created)
            for b in self.buckets.values()
            if b.tenant_id == principal.tenant.id
            and (region is None or b.region == region)
        ]
        xml = answers.list_buckets_xml(principal.tenant.id, sorted(owned))
        return Answer(200, [("Content-Type", answers.XML)], xml)

    def _check_create(
        self, principal: Principal | None, addr: Address, body: Body | None, wire: Wire
    ) -> str:
        bucket = addr.bucket or ""
        if principal is None or not operations.allows(
            principal.grants, bucket, "fullaccess"
        ):
            raise S3Error("AccessDenied", 403, _ACCESS_DENIED, bucket)
        if not _BUCKET_NAME.match(bucket) or ".." in bucket:
            raise S3Error("InvalidBucketName", 400, "", bucket)
        existing = self.buckets.get(bucket)
        if existing is not None:
            if existing.tenant_id == principal.tenant.id:
                raise S3Error("BucketAlreadyOwnedByYou", 409, "", bucket)
            raise S3Error("BucketAlreadyExists", 409, "", bucket)
        owned = sum(
            1 for b in self.buckets.values() if b.tenant_id == principal.tenant.id
        )
        if owned >= BUCKETS_PER_ACCOUNT:
            raise S3Error("TooManyBuckets", 400, "", bucket)
        # The endpoint's region wins; else the body's LocationConstraint, else
        # the signing region when it is a DigitalOcean slug (never us-east-1).
        if addr.region:
            return addr.region
        inline = body.inline if body is not None else None
        found = _LOCATION.search(inline or b"")
        if found and _REGION_SLUG.match(found.group(1).decode()):
            return found.group(1).decode()
        credential = wire.headers.get("authorization", "") + dict(wire.query).get(
            "X-Amz-Credential", ""
        )
        signing = re.search(r"/\d{8}/([a-z0-9-]+)/s3/", credential)
        if signing and _REGION_SLUG.match(signing.group(1)):
            return signing.group(1)
        return DEFAULT_REGION

    async def _authorise(
        self,
        principal: Principal | None,
        info: Bucket,
        op: operations.Operation,
        addr: Address,
        params: set[str],
    ) -> None:
        if op.name == "Preflight":
            return
        if principal is not None and principal.tenant.id == info.tenant_id:
            if operations.allows(principal.grants, info.name, op.level):
                return
            raise S3Error("AccessDenied", 403, _ACCESS_DENIED, info.name)
        # Anyone may read what an ACL makes public: objects, and the listing
        # of a public-read bucket.
        if op.name in ("GetObject", "HeadObject", "ListObjects", "HeadBucket") and not (
            params & {"acl", "tagging", "uploadId", "uploads", "versions", "versionId"}
        ):
            if await self._is_public(info.name, addr.key):
                return
        raise S3Error("AccessDenied", 403, _ACCESS_DENIED, info.name)

    async def _authorise_copy_source(
        self, principal: Principal | None, source: str
    ) -> None:
        """CopyObject and UploadPartCopy read their source: it must be readable too."""
        path = unquote(source.split("?", 1)[0]).lstrip("/")
        bucket, _, key = path.partition("/")
        info = self.buckets.get(bucket)
        if info is None:
            raise S3Error("NoSuchBucket", 404, "", bucket)
        read = operations.Operation("GetObject", "read", False)
        source_address = Address(bucket, key or None, info.region, False, True)
        await self._authorise(principal, info, read, source_address, set())

    async def _is_public(self, bucket: str, key: str | None) -> bool:
        def check() -> bool:
            backend = self.moto.backend
            found = backend.buckets.get(bucket)
            if found is None:
                return False
            if key is None:
                return bool(found.acl and found.acl.public_read)
            obj = found.keys.get(key)
            return bool(obj is not None and obj.acl and obj.acl.public_read)

        return bool(await self.moto.run(check))

    async def _forward(
        self,
        method: str,
        moto_path: str,
        wire: Wire,
        header_list: list[tuple[str, str]],
        body: Body | None,
    ) -> Answer:
        durable = None
        if body is not None:
            body.flush()
            # The fsync runs while moto reads the body: the journal entry,
            # written after both, is what makes the write acknowledged.
            durable = asyncio.get_running_loop().run_in_executor(None, body.sync)
        raw_uri = moto_path + ("?" + wire.raw_query if wire.raw_query else "")
        call = Call(
            method,
            wsgi_path(moto_path),
            raw_uri,
            wire.raw_query,
            header_list,
            body.reader() if body is not None else empty(),
            body.size if body is not None else 0,
        )
        mutates = method in ("PUT", "POST", "DELETE")
        try:
            return await self.moto.send(
                call, self.journal.next_seq if mutates else None
            )
        finally:
            if durable is not None:
                await durable

    async def _journal(
        self,
        answer: Answer,
        tenant_id: str,
        bucket: str,
        method: str,
        moto_path: str,
        wire: Wire,
        header_list: list[tuple[str, str]],
        body: Body | None,
        note: dict[str, Any],
    ) -> None:
        kept = [
            (n, v) for n, v in header_list if n.lower() not in ("authorization", "host")
        ]
        await self.journal.record(
            answer.seq or self.journal.next_seq(),
            tenant_id,
            bucket,
            method,
            moto_path,
            wire.raw_query,
            kept,
            body,
            note,
        )

    def _located(self, xml: bytes, addr: Address, wire: Wire, scope: Scope) -> bytes:
        """Point CompleteMultipartUpload's Location at a host the client can reach."""
        base = (
            self.external_url
            or f"{scope.get('scheme', 'http')}://{wire.headers.get('host', 'localhost')}"
        )
        path = f"/{addr.key}" if addr.virtual else f"/{addr.bucket}/{addr.key}"
        return _LOCATION_ELEMENT.sub(
            f"<Location>{base.rstrip('/')}{path}</Location>".encode(), xml, count=1
        )

    def _limited_key_reaches(self, info: Bucket) -> bool:
        tenant = self.emulator.tenants.load(info.tenant_id)
        return any(
            grant["bucket"] == info.name
            for key in tenant.collection(KEY_KIND)
            for grant in key.data["grants"]
        )

    def reset(self, tenant_id: str | None) -> None:
        """Forget every bucket (or one tenant's), in moto, the journal and the index."""
        names = [
            b.name
            for b in self.buckets.values()
            if tenant_id is None or b.tenant_id == tenant_id
        ]
        if tenant_id is None:
            names = list(set(names) | set(self.moto.bucket_names()))
        self.moto.drop_buckets(names)
        for name in names:
            self.buckets.pop(name, None)
        self.journal.forget(tenant_id)
        self.keys.forget()


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _no_delay(send: Send) -> None:
    """Turn Nagle's algorithm off on the connection of `send`, when it can be reached.

    uvicorn writes a response's head and body separately; on a socket without
    TCP_NODELAY the body then waits for the client's delayed ACK, 40 ms per
    small GET. The main port's listening socket (emulator/listeners.py) does
    not set it, so the gateway sets it on the connection uvicorn's `send`
    belongs to; anything unexpected leaves the connection as it is.
    """
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    sock = transport.get_extra_info("socket") if transport is not None else None
    if sock is None:
        return
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except (OSError, AttributeError):
        pass


class Gateway:
    """ASGI middleware: S3 requests to `spaces`, everything else to `app`."""

    def __init__(self, app: ASGIApp, *, spaces: Spaces) -> None:
        self.app = app
        self.spaces = spaces

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.spaces.is_s3(scope):
            _no_delay(send)
            started = time.perf_counter()
            status = 0

            async def send_seen(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                await send(message)

            try:
                await self.spaces.handle(scope, receive, send_seen)
            except Exception:
                log.exception(
                    "spaces: unexpected error on %s %s", scope["method"], scope["path"]
                )
                if not status:
                    xml = answers.error_xml(
                        S3Error("InternalError", 500), answers.request_id(None), None
                    )
                    await send_seen(
                        {
                            "type": "http.response.start",
                            "status": 500,
                            "headers": [
                                (b"content-type", b"application/xml"),
                                (b"content-length", str(len(xml)).encode()),
                            ],
                        }
                    )
                    await send_seen({"type": "http.response.body", "body": xml})
            finally:
                access.info(
                    "S3 %s %s => %s %.0fms",
                    scope["method"],
                    scope["path"],
                    status,
                    (time.perf_counter() - started) * 1000,
                )
            return
        await self.app(scope, receive, send)
