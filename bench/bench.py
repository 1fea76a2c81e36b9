"""Benchmark of the do-emulator server: start-up, memory, throughput, page cost.

The emulator lives inside test suites and CI jobs, so what matters is how soon
a fresh process answers, how much memory it holds, how many requests a second
it serves and at what latency, and whether a page of a big account costs what
a page of a small one does (DESIGN.md, "Speed"). One run measures all of it on
fresh servers, each with a new temporary data directory and the instant clock:

1. start-up: from spawn to the first 200 of /_emulator/health, 5 fresh starts;
2. memory: VmRSS of the server and its children once healthy, then VmHWM
   (peak) and VmRSS after the load;
3. throughput, with wrk: GET /v2/droplets (a page of 20), GET /v2/account and
   POST /v2/droplets: requests per second, p50 and p99 latency, failures;
4. page cost: page 1 and the last page of a 10,000-droplet account against
   page 1 of a 20-droplet account, as latency ratios;
5. a summary of each figure beside its target, marked ok or MISS.

Every scenario uses a fresh bearer token, which the emulator's permissive mode
turns into an empty account of its own, so counts are exact. With --prism, the
GET workloads also run against Prism's mock of the same OpenAPI spec, for
scale. Needs wrk (Debian package `wrk`) and httpx.

    python bench/bench.py              # two to three minutes
    python bench/bench.py --quick      # a smoke run of under a minute

Exit status: 0 once the run is done, MISS or not; 1 when a server would not
start or wrk failed; 2 when wrk is not installed; 130 when interrupted.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import math
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
SPEC = (
    Path(__file__).resolve().parents[2] / "shared/openapi/digitalocean-public.v2.yaml"
)
POST_SCRIPT = BENCH_DIR / "wrk_post_droplet.lua"
PRISM_CACHE = (
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    / "do-emulator-bench"
    / "prism"
)

DROPLET = {"size": "s-1vcpu-1gb", "image": "ubuntu-24-04-x64"}
# A region's default VPC is a /20 (4,093 private addresses), so thousands of
# droplets in one account are spread over regions, as wrk_post_droplet.lua does.
REGIONS = (
    "nyc1",
    "nyc3",
    "sfo3",
    "ams3",
    "fra1",
    "lon1",
    "sgp1",
    "tor1",
    "blr1",
    "syd1",
)
# The real account limit (25) would refuse the load; the emulator can lift it.
DROPLET_LIMIT = 1_000_000
PER_PAGE = 20
SMALL_ACCOUNT = 20
STARTS = 5
POLL_INTERVAL = 0.005
START_TIMEOUT = 30.0
PRISM_START_TIMEOUT = 300.0
SEED_CONCURRENCY = 16
WARMUP_SECONDS = 1
SETTLE_SECONDS = 2.0
EXIT_NO_WRK = 2

TARGET_START = 1.0
TARGET_IDLE_MB = 90.0
TARGET_LIST_RPS = 2000.0
TARGET_LIST_P99 = 0.025
TARGET_POST_RPS = 1000.0
TARGET_PAGE_RATIO = 1.2


class BenchError(Exception):
    """A step could not be measured; the message says which and why."""


@dataclass
class Server:
    name: str
    proc: subprocess.Popen[bytes]
    port: int
    log_path: Path
    startup: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Memory:
    rss_mb: float
    hwm_mb: float


@dataclass
class WrkResult:
    rps: float
    p50: float
    p99: float
    requests: int
    non_2xx: int
    socket_errors: int
    statuses: dict[int, int]

    @property
    def failures(self) -> int:
        return self.non_2xx + self.socket_errors


@dataclass
class Rest:
    listing: WrkResult
    account: WrkResult
    post: WrkResult
    is_listing_valid: bool  # the page held the 20 droplets seeded


@dataclass
class PageCost:
    small: WrkResult
    first: WrkResult
    last: WrkResult
    last_page: int
    is_valid: bool  # the accounts held what was seeded and no request failed

    def ratio(self, result: WrkResult) -> float:
        return result.p50 / self.small.p50


@dataclass
class Load:
    idle: Memory
    loaded: Memory
    rest: Rest
    pages: PageCost


@dataclass
class Figures:
    """What the emulator and Prism are compared on."""

    start: float
    idle: Memory
    listing: WrkResult
    account: WrkResult


@dataclass
class Row:
    figure: str
    value: str
    target: str
    ok: bool | None


# Processes and memory


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def new_token() -> str:
    return "dop_v1_" + secrets.token_hex(32)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _server_env() -> dict[str, str]:
    # Flags alone configure the server: a DO_EMULATOR_* variable left in the
    # shell (strict auth, a real clock) would silently change what is measured.
    return {k: v for k, v in os.environ.items() if not k.startswith("DO_EMULATOR_")}


def _answers_200(port: int, path: str, headers: dict[str, str]) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", path, headers=headers)
        return conn.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def _log_tail(path: Path, lines: int = 20) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join("    " + line for line in text.splitlines()[-lines:])


def _wait_until_ready(
    server: Server, path: str, headers: dict[str, str], timeout: float
) -> float:
    deadline = time.perf_counter() + timeout
    while True:
        if server.proc.poll() is not None:
            raise BenchError(
                f"{server.name} exited with code {server.proc.returncode} before "
                f"it answered; its last output:\n{_log_tail(server.log_path)}"
            )
        if _answers_200(server.port, path, headers):
            return time.perf_counter()
        if time.perf_counter() > deadline:
            raise BenchError(
                f"{server.name} gave no 200 on {path} within {timeout:.0f} s; "
                f"its last output:\n{_log_tail(server.log_path)}"
            )
        time.sleep(POLL_INTERVAL)


def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server and its children, then SIGKILL what is left."""
    _signal_group(proc, signal.SIGTERM)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        _signal_group(proc, signal.SIGKILL)
        proc.wait()

    # Children may take a moment longer than the server itself to exit.
    deadline = time.monotonic() + 2
    while _group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    _signal_group(proc, signal.SIGKILL)


@contextmanager
def running(
    name: str,
    cmd: list[str],
    *,
    workdir: Path,
    port: int,
    probe: str,
    headers: dict[str, str] | None = None,
    timeout: float = START_TIMEOUT,
) -> Iterator[Server]:
    """Start a server, wait for a 200 on `probe`, and stop it on the way out.

    `startup` is measured from just before the spawn. The server gets a
    session of its own, so stopping it reaches any children it started.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "server.log"
    with log_path.open("wb") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(
            cmd,
            cwd=REPO_ROOT,
            env=_server_env(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(name, proc, port, log_path)
    try:
        ready = _wait_until_ready(server, probe, headers or {}, timeout)
        server.startup = ready - started
        yield server
    finally:
        stop(proc)


def emulator(opts: argparse.Namespace, workdir: Path) -> AbstractContextManager[Server]:
    prefix = shlex.split(opts.server_cmd) if opts.server_cmd else [
        sys.executable, "-m", "emulator", "serve"
    ]  # fmt: skip
    data_dir = workdir / "data"
    store = ["--in-memory"] if opts.in_memory else ["--data-dir", str(data_dir)]
    port = opts.port or free_port()
    cmd = [*prefix, "--host", "127.0.0.1", "--port", str(port), *store,
           "--clock", "instant", "--droplet-limit", str(DROPLET_LIMIT)]  # fmt: skip
    return running(
        "emulator", cmd, workdir=workdir, port=port, probe="/_emulator/health"
    )


def _processes() -> Iterator[tuple[int, str, int, int]]:
    """(pid, state, parent pid, process group) of every process in /proc."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: split after it.
        state, ppid, pgrp = stat.rsplit(")", 1)[1].split()[:3]
        yield int(entry.name), state, int(ppid), int(pgrp)


def _group_alive(pgid: int) -> bool:
    # Zombies answer kill(0) too, and an orphan's waits on init to reap it.
    return any(g == pgid and state != "Z" for _, state, _, g in _processes())


def process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = collections.defaultdict(list)
    for pid, _, ppid, _ in _processes():
        children[ppid].append(pid)

    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def memory(root: int) -> Memory:
    """VmRSS and VmHWM summed over a process and its descendants, in MiB."""
    totals = {"VmRSS": 0, "VmHWM": 0}
    for pid in process_tree(root):
        try:
            lines = Path(f"/proc/{pid}/status").read_text().splitlines()
        except OSError:
            continue
        for line in lines:
            key, _, value = line.partition(":")
            if key in totals:
                totals[key] += int(value.split()[0])
    return Memory(rss_mb=totals["VmRSS"] / 1024, hwm_mb=totals["VmHWM"] / 1024)


# wrk

_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_PERCENTILE = re.compile(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", re.M)
_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.M)
_REQUESTS = re.compile(r"^\s*(\d+) requests in ", re.M)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET_ERRORS = re.compile(
    r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)"
)
_STATUSES = re.compile(r"^statuses:(.*)$", re.M)


def parse_wrk(output: str) -> WrkResult:
    """Read the figures out of `wrk --latency` output (latencies in seconds)."""
    percentiles = {
        int(p): float(n) * _UNITS[u] for p, n, u in _PERCENTILE.findall(output)
    }
    rps, requests = _RPS.search(output), _REQUESTS.search(output)
    if not (rps and requests and 50 in percentiles and 99 in percentiles):
        raise BenchError(f"could not read wrk's output:\n{output}")

    non_2xx = _NON_2XX.search(output)
    socket_errors = _SOCKET_ERRORS.search(output)
    statuses = _STATUSES.search(output)
    return WrkResult(
        rps=float(rps.group(1)),
        p50=percentiles[50],
        p99=percentiles[99],
        requests=int(requests.group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(map(int, socket_errors.groups())) if socket_errors else 0,
        statuses=_parse_statuses(statuses.group(1)) if statuses else {},
    )


def _parse_statuses(text: str) -> dict[int, int]:
    pairs = (item.split("=") for item in text.split())
    return {int(status): int(count) for status, count in pairs}


def wrk(
    opts: argparse.Namespace,
    url: str,
    token: str,
    *,
    script: Path | None = None,
    duration: int | None = None,
) -> WrkResult:
    seconds = duration or opts.duration
    cmd = ["wrk", f"-t{opts.threads}", f"-c{opts.connections}", f"-d{seconds}s",
           "--latency", "-H", f"Authorization: Bearer {token}"]  # fmt: skip
    if script:
        cmd += ["-s", str(script)]
    cmd.append(url)

    done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0:
        raise BenchError(f"wrk failed on {url}: {done.stderr.strip() or done.stdout}")
    return parse_wrk(done.stdout)


def measure(
    opts: argparse.Namespace, label: str, url: str, token: str, method: str = "GET"
) -> WrkResult:
    """A discarded warm-up run, then the measured one, printed as one line.

    POST runs count every response status through a Lua script; when GET
    runs fail, one request of the same kind shows what the failure was.
    """
    script = POST_SCRIPT if method == "POST" else None
    wrk(opts, url, token, script=script, duration=WARMUP_SECONDS)
    result = wrk(opts, url, token, script=script)

    print(f"  {label:<34} {describe(result)}")
    if result.statuses:
        codes = ", ".join(f"{s}: {n:,}" for s, n in sorted(result.statuses.items()))
        print(f"  {'':<34} statuses {codes}")
    if result.non_2xx:
        print(f"  {'':<34} e.g. {sample_failure(method, url, token)}")
    return result


def sample_failure(method: str, url: str, token: str) -> str:
    body = {"name": "bench-sample", **DROPLET} if method == "POST" else None
    response = httpx.request(method, url, json=body, headers=auth(token), timeout=30)
    try:
        error = response.json()
        return f"{response.status_code} {error['id']}: {error['message']}"
    except (ValueError, KeyError, TypeError):
        return f"{response.status_code} {response.text[:100]!r}"


def describe(result: WrkResult) -> str:
    text = (
        f"{result.rps:>9,.0f} req/s   p50 {ms(result.p50):>8}   p99 {ms(result.p99):>8}"
    )
    if result.failures:
        text += (
            f"   FAILED {result.non_2xx:,} non-2xx, "
            f"{result.socket_errors:,} socket errors of {result.requests:,}"
        )
    return text


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


# Seeding and checks


def _seed(base_url: str, token: str, count: int) -> collections.Counter[int]:
    # Threads over one sync client: httpx's AsyncClient managed about a
    # quarter of the rate at 16 concurrent requests.
    limits = httpx.Limits(max_connections=SEED_CONCURRENCY)
    client = httpx.Client(
        base_url=base_url, headers=auth(token), limits=limits, timeout=30
    )
    pool = ThreadPoolExecutor(SEED_CONCURRENCY)

    def create(n: int) -> int:
        body = {"name": f"bench-{n}", "region": REGIONS[n % len(REGIONS)], **DROPLET}
        return client.post("/v2/droplets", json=body).status_code

    try:
        return collections.Counter(pool.map(create, range(1, count + 1)))
    finally:
        # On Ctrl-C, drop the queued requests rather than wait for them.
        pool.shutdown(cancel_futures=True)
        client.close()


def seed(server: Server, token: str, count: int, warnings: list[str]) -> float:
    """Create `count` droplets through POST /v2/droplets; return the seconds."""
    started = time.perf_counter()
    statuses = _seed(server.url, token, count)
    took = time.perf_counter() - started

    print(f"  seeded {count:,} droplets in {took:.2f} s ({count / took:,.0f}/s)")
    refused = {s: n for s, n in statuses.items() if s != 202}
    if refused:
        warn(
            warnings, f"seeding {count:,} droplets: statuses other than 202: {refused}"
        )
    return took


def check_page(
    server: Server, token: str, page: int, *, total: int, warnings: list[str]
) -> bool:
    """Whether the page answers 200 with the droplets and total expected."""
    expected = max(0, min(PER_PAGE, total - (page - 1) * PER_PAGE))
    response = httpx.get(
        f"{server.url}/v2/droplets",
        params={"page": page, "per_page": PER_PAGE},
        headers=auth(token),
        timeout=30,
    )
    where = f"GET /v2/droplets page {page} of {total:,} droplets"
    if response.status_code != 200:
        warn(warnings, f"{where}: status {response.status_code}, not 200")
        return False
    body = response.json()
    got = len(body.get("droplets", []))
    listed = body.get("meta", {}).get("total")
    if (got, listed) != (expected, total):
        warn(
            warnings,
            f"{where}: {got} droplets and meta.total {listed}, "
            f"expected {expected} and {total}",
        )
    return (got, listed) == (expected, total)


def check_status(server: Server, path: str, token: str, warnings: list[str]) -> None:
    response = httpx.get(server.url + path, headers=auth(token), timeout=30)
    if response.status_code != 200:
        warn(warnings, f"GET {path}: status {response.status_code}, not 200")


def warn(warnings: list[str], message: str) -> None:
    print(f"  warning: {message}")
    warnings.append(message)


def list_url(server: Server, page: int = 1) -> str:
    return f"{server.url}/v2/droplets?page={page}&per_page={PER_PAGE}"


# The sections of a run


def measure_startup(opts: argparse.Namespace, root: Path) -> list[float]:
    print(f"\nStart-up: spawn to first 200 of /_emulator/health, {STARTS} fresh starts")
    times = []
    for n in range(1, STARTS + 1):
        with emulator(opts, root / f"start-{n}") as server:
            times.append(server.startup)
        print(f"  start {n}: {times[-1]:.3f} s")
    print(f"  min {min(times):.3f} s, median {statistics.median(times):.3f} s")
    return times


def measure_idle(server: Server) -> Memory:
    at_ready = memory(server.proc.pid)
    time.sleep(SETTLE_SECONDS)
    settled = memory(server.proc.pid)
    print(
        f"  idle RSS: {at_ready.rss_mb:.1f} MB when healthy, "
        f"{settled.rss_mb:.1f} MB {SETTLE_SECONDS:.0f} s later"
    )
    return Memory(max(at_ready.rss_mb, settled.rss_mb), settled.hwm_mb)


def run_rest(opts: argparse.Namespace, server: Server, warnings: list[str]) -> Rest:
    print(
        f"\nThroughput: wrk, {opts.threads} threads, {opts.connections} "
        f"connections, {opts.duration} s each after a {WARMUP_SECONDS} s warm-up"
    )
    listing = new_token()
    seed(server, listing, SMALL_ACCOUNT, warnings)
    is_valid = check_page(server, listing, 1, total=SMALL_ACCOUNT, warnings=warnings)
    account = new_token()
    check_status(server, "/v2/account", account, warnings)

    droplets = f"{server.url}/v2/droplets"
    return Rest(
        listing=measure(
            opts, "GET /v2/droplets (page of 20)", list_url(server), listing
        ),
        account=measure(opts, "GET /v2/account", f"{server.url}/v2/account", account),
        post=measure(opts, "POST /v2/droplets", droplets, new_token(), method="POST"),
        is_listing_valid=is_valid,
    )


def run_page_cost(
    opts: argparse.Namespace, server: Server, warnings: list[str]
) -> PageCost:
    big = opts.droplets
    last = math.ceil(big / PER_PAGE)
    print(f"\nPage cost: {big:,}-droplet account against a {SMALL_ACCOUNT}-droplet one")
    small_token, big_token = new_token(), new_token()
    seed(server, small_token, SMALL_ACCOUNT, warnings)
    seed(server, big_token, big, warnings)
    checks = [
        check_page(server, small_token, 1, total=SMALL_ACCOUNT, warnings=warnings),
        check_page(server, big_token, 1, total=big, warnings=warnings),
        check_page(server, big_token, last, total=big, warnings=warnings),
    ]

    small = measure(opts, f"page 1 of {SMALL_ACCOUNT}", list_url(server), small_token)
    first = measure(opts, f"page 1 of {big:,}", list_url(server), big_token)
    final = measure(opts, f"page {last} of {big:,}", list_url(server, last), big_token)
    failed = small.failures or first.failures or final.failures
    cost = PageCost(small, first, final, last, is_valid=all(checks) and not failed)

    for result, label in ((first, "page 1"), (final, f"page {last}")):
        print(
            f"  {label} at {big:,} / page 1 at {SMALL_ACCOUNT}: "
            f"p50 x{cost.ratio(result):.2f}, req/s x{result.rps / small.rps:.2f}"
        )
    if not cost.is_valid:
        print("  (these ratios do not count: see the warnings and failures above)")
    return cost


def run_load(opts: argparse.Namespace, root: Path, warnings: list[str]) -> Load:
    print("\nMemory: a fresh server for the load runs, RSS of it and its children")
    with emulator(opts, root / "load") as server:
        print(f"  started in {server.startup:.3f} s")
        idle = measure_idle(server)
        rest = run_rest(opts, server, warnings)
        pages = run_page_cost(opts, server, warnings)
        loaded = memory(server.proc.pid)

    print(
        f"\nMemory after the load: peak (VmHWM) {loaded.hwm_mb:.1f} MB, "
        f"now (VmRSS) {loaded.rss_mb:.1f} MB"
    )
    return Load(idle, loaded, rest, pages)


# Prism


def prism_binary() -> Path | None:
    """Prism's launcher from the cache, installing it there once with npm."""
    binary = PRISM_CACHE / "node_modules" / ".bin" / "prism"
    if binary.exists():
        return binary
    if not (shutil.which("npx") and shutil.which("npm")):
        print("  skipped: npx/npm not found")
        return None

    print("  installing @stoplight/prism-cli into the user cache (once)...")
    PRISM_CACHE.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["npm", "install", "--prefix", str(PRISM_CACHE), "--no-audit", "--no-fund",
         "@stoplight/prism-cli"],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    if done.returncode != 0 or not binary.exists():
        last_line = (done.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"  skipped: npm install @stoplight/prism-cli failed: {last_line}")
        return None
    return binary


def run_prism(opts: argparse.Namespace, root: Path, emu: Figures) -> None:
    print("\nPrism: a stateless mock of the same spec, for scale (--prism)")
    if not SPEC.exists():
        print("  skipped: ../shared/openapi/digitalocean-public.v2.yaml not found")
        return
    binary = prism_binary()
    if binary is None:
        return

    token, port = new_token(), free_port()
    cmd = [str(binary), "mock", "-h", "127.0.0.1", "-p", str(port), str(SPEC)]
    with running(
        "prism",
        cmd,
        workdir=root / "prism",
        port=port,
        probe="/v2/account",
        headers=auth(token),
        timeout=PRISM_START_TIMEOUT,
    ) as server:
        print(f"  started in {server.startup:.3f} s (first 200 of GET /v2/account)")
        idle = measure_idle(server)
        listing = measure(opts, "GET /v2/droplets", list_url(server), token)
        account = measure(opts, "GET /v2/account", f"{server.url}/v2/account", token)

    print_comparison(emu, Figures(server.startup, idle, listing, account))


def print_comparison(emu: Figures, prism: Figures) -> None:
    rows = [
        ("start-up (s)", emu.start, prism.start, "{:.3f}"),
        ("idle RSS (MB)", emu.idle.rss_mb, prism.idle.rss_mb, "{:.1f}"),
        ("GET /v2/droplets req/s", emu.listing.rps, prism.listing.rps, "{:,.0f}"),
        ("GET /v2/droplets p50 (ms)", emu.listing.p50 * 1e3, prism.listing.p50 * 1e3, "{:.2f}"),
        ("GET /v2/account req/s", emu.account.rps, prism.account.rps, "{:,.0f}"),
        ("GET /v2/account p50 (ms)", emu.account.p50 * 1e3, prism.account.p50 * 1e3, "{:.2f}"),
    ]  # fmt: skip
    print(f"\n  {'':<27} {'emulator':>10} {'prism':>10} {'emulator/prism':>15}")
    for label, mine, theirs, fmt in rows:
        ratio = f"x{mine / theirs:.2f}" if theirs else "-"
        print(
            f"  {label:<27} {fmt.format(mine):>10} {fmt.format(theirs):>10} {ratio:>15}"
        )


# Summary


def summary_rows(starts: list[float], load: Load, big: int) -> list[Row]:
    start = statistics.median(starts)
    idle = load.idle.rss_mb
    listing, post, pages = load.rest.listing, load.rest.post, load.pages
    is_listing_ok = load.rest.is_listing_valid and not listing.failures
    first, last = pages.ratio(pages.first), pages.ratio(pages.last)

    return [
        Row("start-up, median of 5", f"{start:.3f} s", f"<= {TARGET_START} s", start <= TARGET_START),
        Row("idle RSS", f"{idle:.1f} MB", f"<= {TARGET_IDLE_MB:.0f} MB", idle <= TARGET_IDLE_MB),
        Row("peak RSS after load (VmHWM)", f"{load.loaded.hwm_mb:.1f} MB", "-", None),
        Row("GET /v2/droplets req/s", rate(listing), f">= {TARGET_LIST_RPS:,.0f}, none failed",
            is_listing_ok and listing.rps >= TARGET_LIST_RPS),
        Row("GET /v2/droplets p99", ms(listing.p99), f"< {TARGET_LIST_P99 * 1e3:.0f} ms",
            is_listing_ok and listing.p99 < TARGET_LIST_P99),
        Row("GET /v2/account req/s", rate(load.rest.account), "-", None),
        Row("POST /v2/droplets req/s", rate(post), f">= {TARGET_POST_RPS:,.0f}, none failed",
            not post.failures and post.rps >= TARGET_POST_RPS),
        Row(f"page 1 at {big:,} / at {SMALL_ACCOUNT} (p50)", f"x{first:.2f}",
            f"<= x{TARGET_PAGE_RATIO}", pages.is_valid and first <= TARGET_PAGE_RATIO),
        Row(f"page {pages.last_page} at {big:,} / page 1 at {SMALL_ACCOUNT}", f"x{last:.2f}",
            f"<= x{TARGET_PAGE_RATIO}", pages.is_valid and last <= TARGET_PAGE_RATIO),
    ]  # fmt: skip


def rate(result: WrkResult) -> str:
    failed = f" ({result.failures:,} failed)" if result.failures else ""
    return f"{result.rps:,.0f}{failed}"


def print_summary(rows: list[Row], warnings: list[str]) -> None:
    marks = {True: "ok", False: "MISS", None: ""}
    widths = [
        max(len(getattr(row, f)) for row in rows) for f in ("figure", "value", "target")
    ]
    print("\nSummary")
    print(
        f"  {'figure':<{widths[0]}}  {'measured':>{widths[1]}}  {'target':<{widths[2]}}"
    )
    for row in rows:
        print(
            f"  {row.figure:<{widths[0]}}  {row.value:>{widths[1]}}  "
            f"{row.target:<{widths[2]}}  {marks[row.ok]}"
        )
    for message in dict.fromkeys(warnings):  # in order, once each
        print(f"  warning: {message}")


# Command line


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark a fresh do-emulator: start-up, memory, req/s, page cost."
    )
    parser.add_argument(
        "--duration", type=int, help="seconds per wrk run (10; 3 with --quick)"
    )
    parser.add_argument(
        "--connections", type=int, default=16, help="wrk connections (16)"
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument(
        "--port", type=int, help="emulator port (a free one by default)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary directory"
    )
    parser.add_argument(
        "--quick", action="store_true", help="short runs, 2,000 droplets not 10,000"
    )
    parser.add_argument(
        "--in-memory", action="store_true", help="run the emulator with --in-memory"
    )
    parser.add_argument(
        "--prism", action="store_true", help="also measure Prism's mock (npm)"
    )
    # Replaces `python -m emulator serve`, e.g. to compare two builds.
    parser.add_argument("--server-cmd", help=argparse.SUPPRESS)
    opts = parser.parse_args(argv)

    opts.duration = opts.duration or (3 if opts.quick else 10)
    opts.droplets = 2_000 if opts.quick else 10_000
    if opts.threads > opts.connections:
        parser.error("--threads cannot exceed --connections (wrk needs one each)")
    return opts


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def check_machine(warnings: list[str]) -> None:
    # Server, wrk and seeding client share the CPUs: other work skews every figure.
    cpus, load = os.cpu_count() or 1, os.getloadavg()[0]
    print(f"machine: {cpus} CPUs, load average {load:.2f} over the last minute")
    if load >= cpus / 2:
        warn(warnings, f"load average {load:.2f} on {cpus} CPUs: figures will be low")


def run(opts: argparse.Namespace, root: Path) -> None:
    server = "custom --server-cmd" if opts.server_cmd else "python -m emulator serve"
    store = "--in-memory" if opts.in_memory else "a fresh temporary --data-dir"
    print(f"do-emulator benchmark: {server}, {store}, --clock instant")

    warnings: list[str] = []
    check_machine(warnings)
    starts = measure_startup(opts, root)
    load = run_load(opts, root, warnings)
    if opts.prism:
        rest = load.rest
        start = statistics.median(starts)
        run_prism(opts, root, Figures(start, load.idle, rest.listing, rest.account))
    print_summary(summary_rows(starts, load, opts.droplets), warnings)


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    if not shutil.which("wrk"):
        print(
            "wrk not found: this benchmark drives the server with wrk.\n"
            "Install it (Debian/Ubuntu: apt-get install wrk) and run again.",
            file=sys.stderr,
        )
        return EXIT_NO_WRK

    signal.signal(signal.SIGTERM, _interrupt)
    # Measure the emulator as installed, with its bytecode compiled: a source
    # checkout run with PYTHONDONTWRITEBYTECODE would recompile every module at
    # each start, which is not what users run.
    package = Path(__file__).resolve().parents[1] / "emulator"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True)
    root = Path(tempfile.mkdtemp(prefix="do-emulator-bench-"))
    try:
        run(opts, root)
        return 0
    except BenchError as exc:
        print(f"\nerror: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted; servers stopped", file=sys.stderr)
        return 130
    finally:
        if opts.keep:
            print(f"\nkept the data directories and server logs in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
