"""Command line: `do-emulator serve [--host H] [--port P] [--data-dir DIR | --in-memory]`.

Flags set the same fields as the `DO_EMULATOR_*` environment variables and win
over them. Also run as `python -m emulator`.
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from emulator.core.config import Settings

log = logging.getLogger("emulator")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="do-emulator", description=__doc__.splitlines()[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the emulator")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="main port (default 8080)")
    where = serve.add_mutually_exclusive_group()
    where.add_argument(
        "--data-dir", type=Path, help="state directory (default ./.do-emulator)"
    )
    where.add_argument(
        "--in-memory", action="store_const", const=True, help="keep no state on disk"
    )
    serve.add_argument("--auth-mode", choices=["permissive", "strict"])
    serve.add_argument("--tokens-file", type=Path, help="JSON list of tokens to create")
    serve.add_argument(
        "--oauth-auto-approve",
        action="store_const",
        const=True,
        help="approve OAuth requests without the consent page",
    )
    serve.add_argument(
        "--oauth-apps-file", type=Path, help="JSON list of OAuth apps to register"
    )
    serve.add_argument("--clock", choices=["real", "instant", "frozen"])
    serve.add_argument(
        "--action-delay", type=float, help="seconds an action runs (real clock)"
    )
    serve.add_argument("--tls", action="store_const", const=True, help="serve HTTPS")
    serve.add_argument(
        "--tls-cert", type=Path, help="PEM certificate (else self-signed)"
    )
    serve.add_argument("--tls-key", type=Path, help="PEM private key for --tls-cert")
    serve.add_argument(
        "--droplet-limit", type=int, help="droplets per account (default 25)"
    )
    serve.add_argument(
        "--enforce-rate-limit",
        action="store_const",
        const=True,
        help="answer 429 past the hourly limit (headers are always sent)",
    )
    serve.add_argument("--seed", type=int, help="seed for generated ids and addresses")
    serve.add_argument(
        "--spaces-port", type=int, help="extra port serving only Spaces (S3)"
    )
    serve.add_argument(
        "--spaces-domain", help="base domain of Spaces hosts (digitaloceanspaces.com)"
    )
    serve.add_argument(
        "--spaces-auth",
        choices=["strict", "permissive"],
        help="check S3 signatures against Spaces keys (strict, default) or not",
    )
    serve.add_argument(
        "--external-url", help="base URL clients reach the emulator at (Location)"
    )
    serve.add_argument(
        "--metadata-address",
        help="host:port of the droplet metadata listener, or off (default 169.254.169.254:80)",
    )
    serve.add_argument(
        "--metadata-default-droplet",
        type=int,
        help="droplet the metadata listener answers as for unknown callers",
    )
    serve.add_argument("--log-level", choices=["debug", "info", "warning", "error"])
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    given: dict[str, Any] = {
        key: value
        for key, value in vars(args).items()
        if key != "command" and value is not None
    }
    return Settings(**given)


def serve(settings: Settings) -> None:
    import asyncio

    from emulator.app import create_app, listeners

    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    app = create_app(settings)
    # The store holds many long-lived dicts and few reference cycles; collecting
    # less often keeps full-heap sweeps from stalling requests (POST p99 went
    # from about 95 ms to 25 ms under wrk).
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    gc.enable()
    log.info(
        "%s://%s:%s auth=%s clock=%s data=%s",
        "https" if settings.tls else "http",
        settings.host,
        settings.port,
        settings.auth_mode,
        settings.clock,
        "memory" if settings.in_memory else settings.data_dir,
    )
    from emulator.listeners import serve_all

    asyncio.run(serve_all(listeners(app, settings), log_level=settings.log_level))


def main(argv: list[str] | None = None) -> None:
    # Start-up allocates hundreds of thousands of objects that all live on
    # (modules, routes, models); collecting meanwhile only costs time (15-20%
    # of the start). `serve` turns collection back on once the app is built.
    gc.disable()
    args = _parser().parse_args(argv)
    try:
        settings = settings_from(args)
    except ValidationError as exc:
        sys.exit(f"do-emulator: invalid settings:\n{exc}")
    serve(settings)


if __name__ == "__main__":
    main()
