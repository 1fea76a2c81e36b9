"""moto's S3 server, called as a WSGI application from a few worker threads.

moto's state is process-wide. Like moto's own threaded server, a few threads
call it at once; writes to one object are serialised, and a write to a whole
bucket (create, delete, versioning, DeleteObjects...) waits for the bucket's
object writes and holds them off. Each write takes its place in the journal
under its lock, so replaying the journal in that order gives every object and
bucket the same history. (CopyObject reads its source without the source's
lock: a copy racing a write of its source may replay in the other order.)

The gateway always hands moto a path-style request for the host `localhost`,
so moto never guesses a bucket from the host; regions, ownership and
credentials are the gateway's business, not moto's.

moto is imported on the first S3 request, in a moto thread, not at start: it
takes over a second and some 30 MB, which an emulator used only for its REST
API should not pay. `on_load` then replays the journal before anything else.
"""

from __future__ import annotations

import asyncio
import io
import os
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

# Threads calling moto: requests on different buckets, and reads, overlap.
THREADS = 4
# Headers moto must not see: it would try to work out an account from them.
_DROPPED = frozenset({"authorization", "host", "content-length", "content-type"})
# What moto reads to learn an underscored header's spelling (moto.core.request).
_PRESERVED_NAMES = "moto.preserved_header_names"

# Names moto's default account (an unknown key maps to it).
_TRUSTED = (
    "AWS4-HMAC-SHA256 Credential=DO00EMULATOR0GATEWAY/20200101/us-east-1/s3/"
    "aws4_request, SignedHeaders=host, Signature=0"
)


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    seq: int = 0

    def header(self, name: str) -> str | None:
        lower = name.lower()
        for key, value in self.headers:
            if key.lower() == lower:
                return value
        return None


class BucketLock:
    """Writes to one object exclude each other; a bucket-wide write excludes all."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._objects: set[str] = set()
        self._whole = False

    @contextmanager
    def object(self, key: str) -> Iterator[None]:
        with self._changed:
            self._changed.wait_for(lambda: not self._whole and key not in self._objects)
            self._objects.add(key)
        try:
            yield
        finally:
            with self._changed:
                self._objects.discard(key)
                self._changed.notify_all()

    @contextmanager
    def bucket(self) -> Iterator[None]:
        with self._changed:
            self._changed.wait_for(lambda: not self._whole and not self._objects)
            self._whole = True
        try:
            yield
        finally:
            with self._changed:
                self._whole = False
                self._changed.notify_all()


@dataclass
class Call:
    """One request for moto, built in the event loop, run in the moto thread."""

    method: str
    path: str  # decoded, path style: /bucket/key
    raw_uri: str
    query: str
    headers: list[tuple[str, str]]
    body: Any
    length: int


class Moto:
    def __init__(self, on_load: Callable[[Moto], None] | None = None) -> None:
        self.executor = ThreadPoolExecutor(THREADS, thread_name_prefix="moto-s3")
        self._load_lock = threading.Lock()
        self._bucket_locks: dict[str, BucketLock] = {}
        self.on_load = on_load
        self.loaded = False
        self._app: Any = None
        self._backends: Any = None
        self._account = ""

    def _load(self) -> None:
        """Import moto and build its S3 app (in a moto thread, once)."""
        if self.loaded:
            return
        with self._load_lock:
            if not self.loaded:
                self._load_now()

    def _load_now(self) -> None:
        # Read by moto at import: without it every answer would carry
        # `Access-Control-Allow-Origin: *`, whatever the bucket's CORS rules say.
        os.environ.setdefault("MOTO_DISABLE_GLOBAL_CORS", "true")
        with warnings.catch_warnings():
            # moto's optional dependencies (docker, ...) warn at import.
            warnings.simplefilter("ignore")
            from moto.core import DEFAULT_ACCOUNT_ID
            from moto.core.request import PRESERVED_HEADER_NAMES_ENVIRON_KEY
            from moto.moto_server.werkzeug_app import create_backend_app
            from moto.s3.models import s3_backends

        assert PRESERVED_HEADER_NAMES_ENVIRON_KEY == _PRESERVED_NAMES
        self._app = create_backend_app("s3")
        self._backends = s3_backends
        self._account = DEFAULT_ACCOUNT_ID
        if self.on_load is not None:
            # Before anyone else gets in: the others wait on the load lock.
            self.on_load(self)
        self.loaded = True

    @property
    def backend(self) -> Any:
        """moto's S3Backend (only in the moto thread, after load)."""
        return self._backends[self._account]["aws"]

    def environ(self, call: Call) -> dict[str, Any]:
        environ: dict[str, Any] = {
            "REQUEST_METHOD": call.method,
            "SCRIPT_NAME": "",
            "PATH_INFO": call.path,
            "RAW_URI": call.raw_uri,
            "REQUEST_URI": call.raw_uri,
            "QUERY_STRING": call.query,
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "localhost",
            "CONTENT_LENGTH": str(call.length),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": call.body,
            # The body is a file of known size: werkzeug may read it as it is,
            # instead of through a size-limiting wrapper that copies it twice.
            "wsgi.input_terminated": True,
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        preserved: dict[str, str] = {}
        for name, value in call.headers:
            lower = name.lower()
            if lower == "content-type":
                environ["CONTENT_TYPE"] = value
                continue
            if lower in _DROPPED:
                continue
            key = "HTTP_" + name.upper().replace("-", "_")
            environ[key] = f"{environ[key]},{value}" if key in environ else value
            if "_" in name:
                # x-amz-meta-my_field keeps its spelling (WSGI would fold it).
                preserved.setdefault(key, name)
        environ[_PRESERVED_NAMES] = preserved
        # The gateway has already decided the request is allowed; moto applies
        # anonymous-access rules to any request without an Authorization.
        environ["HTTP_AUTHORIZATION"] = _TRUSTED
        return environ

    def call(self, call: Call, before: Callable[[], int] | None = None) -> Answer:
        """Run one request through moto (in the moto thread)."""
        self._load()
        if before is None:
            return self.call_loaded(call, None)
        bucket, _, key = call.path[1:].partition("/")
        lock = self._bucket_locks.setdefault(bucket, BucketLock())
        with lock.object(key) if key else lock.bucket():
            return self.call_loaded(call, before)

    def call_loaded(
        self, call: Call, before: Callable[[], int] | None = None
    ) -> Answer:
        """`call` without loading or locking: for the replay, which runs in the load."""
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> Any:
            captured["status"] = int(status.split(" ", 1)[0])
            captured["headers"] = headers
            return lambda data: None

        iterable = self._app(self.environ(call), start_response)
        try:
            chunks = list(iterable)
        finally:
            close = getattr(iterable, "close", None)
            if close:
                close()
        # An object's body usually comes as one chunk: pass it on, no copy.
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        seq = before() if before and 200 <= captured["status"] < 300 else 0
        return Answer(captured["status"], captured["headers"], body, seq)

    async def send(self, call: Call, before: Callable[[], int] | None = None) -> Answer:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, self.call, call, before)

    async def run(self, work: Callable[[], Any]) -> Any:
        """Run `work` in the moto thread, after moto is loaded."""

        def loaded_work() -> Any:
            self._load()
            return work()

        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, loaded_work)

    def drop_buckets(self, names: list[str]) -> None:
        """Forget buckets and everything in them (reset); nothing to do before load."""

        def drop() -> None:
            if not self.loaded:
                return
            backend = self.backend
            for name in names:
                with self._bucket_locks.setdefault(name, BucketLock()).bucket():
                    bucket = backend.buckets.pop(name, None)
                    self._backends.bucket_accounts.pop(name, None)
                if bucket is None:
                    continue
                for key in list(bucket.keys.values()):
                    dispose = getattr(key, "dispose", None)
                    if dispose:
                        dispose()

        self.executor.submit(drop).result()

    def bucket_names(self) -> list[str]:
        if not self.loaded:
            return []
        return list(self.executor.submit(lambda: list(self.backend.buckets)).result())

    def close(self) -> None:
        self.executor.shutdown(wait=True)


def wsgi_path(path: str) -> str:
    """PATH_INFO for a raw path: decoded, in latin-1 as PEP 3333 says."""
    return unquote(path).encode("utf-8").decode("latin-1")


def empty() -> io.BytesIO:
    return io.BytesIO(b"")
