"""Command line of the fake GitHub server: `python -m gitstars.fakegithub serve ...`.

`serve` prints one JSON line `{"url": ..., "tokens": {login: token}}` on stdout once the
socket listens, then serves until SIGINT or SIGTERM. The project CLI mounts `main` as
`gitstars fake-github`.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from gitstars.fakegithub.api import RESTRICTIONS
from gitstars.fakegithub.generate import generate_world
from gitstars.fakegithub.recorded import recorded_world
from gitstars.fakegithub.server import FakeGitHub, validate_loopback
from gitstars.fakegithub.world import World

logger = logging.getLogger(__name__)


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid sizes {text!r}: use integers such as 100,5000"
        ) from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"invalid sizes {text!r}: every size must be at least 1")
    return sizes


def _restriction(text: str) -> str | None:
    value = None if text == "none" else text
    if value not in RESTRICTIONS:
        raise argparse.ArgumentTypeError(
            f"invalid restriction {text!r}: use 404, 403, empty or none"
        )
    return value


def build_parser(prog: str = "python -m gitstars.fakegithub") -> argparse.ArgumentParser:
    """Build the argument parser of the fake server's command line."""
    parser = argparse.ArgumentParser(
        prog=prog, description="Fake GitHub REST API on a loopback address."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve a world until SIGINT or SIGTERM")
    _add_world_options(serve)
    _add_server_options(serve)
    return parser


def _add_world_options(serve: argparse.ArgumentParser) -> None:
    serve.add_argument(
        "--world",
        choices=("recorded", "generated"),
        default="recorded",
        help="recorded: one real account's 616 starred repositories; "
        "generated: accounts that own and star generated repositories",
    )
    serve.add_argument("--seed", type=int, default=0, help="seed of generated data (default 0)")
    serve.add_argument(
        "--repos", type=int, default=10, help="generated world: number of repositories (default 10)"
    )
    serve.add_argument(
        "--stargazers",
        type=int,
        default=100,
        help="generated world: stargazers per repository (default 100)",
    )
    serve.add_argument(
        "--sizes",
        type=_sizes,
        default=None,
        help="generated world: comma-separated stargazer counts, one per "
        "repository; replaces --repos and --stargazers",
    )
    serve.add_argument(
        "--accounts", type=int, default=1, help="generated world: number of accounts (default 1)"
    )
    serve.add_argument(
        "--restricted",
        type=int,
        default=0,
        help="generated world: extra starred repositories that no account may list",
    )


def _add_server_options(serve: argparse.ArgumentParser) -> None:
    serve.add_argument(
        "--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)"
    )
    serve.add_argument(
        "--port", type=int, default=0, help="TCP port; 0 picks a free one (default 0)"
    )
    serve.add_argument(
        "--latency", type=float, default=0.0, help="delay per stargazers page, in seconds"
    )
    serve.add_argument(
        "--restriction",
        type=_restriction,
        default="404",
        help="response to stargazer lists of repositories the token may not "
        "list: 404, 403, empty or none (default 404)",
    )
    serve.add_argument(
        "--page-cap", type=int, default=400, help="last stargazers page served (default 400)"
    )
    serve.add_argument(
        "--rate-limit", type=int, default=5000, help="requests per hour per token (default 5000)"
    )
    serve.add_argument(
        "--clock-skew", type=float, default=0.0, help="seconds added to the server clock"
    )
    serve.add_argument(
        "--env-file",
        type=Path,
        help="write GITHUB_API_URL and the first account's GITHUB_TOKEN to this .env file "
        "once serving, so `gitstars run` in the same folder uses the fake server",
    )


def write_env_file(path: Path, url: str, token: str | None) -> None:
    """Set GITHUB_API_URL and GITHUB_TOKEN in a .env file, keeping its other lines."""
    keep = []
    if path.exists():
        keep = [
            line
            for line in path.read_text().splitlines()
            if not line.startswith(("GITHUB_API_URL=", "GITHUB_TOKEN="))
        ]
    lines = [*keep, f"GITHUB_API_URL={url}"]
    if token is not None:
        lines.append(f"GITHUB_TOKEN={token}")
    path.write_text("\n".join(lines) + "\n")
    logger.info("wrote GITHUB_API_URL and GITHUB_TOKEN to %s", path)


def _build_world(args: argparse.Namespace) -> World:
    if args.world == "recorded":
        world, _ = recorded_world(seed=args.seed)
        return world
    sizes = args.sizes or [args.stargazers] * args.repos
    restricted = [max(args.accounts, args.stargazers)] * args.restricted
    return generate_world(args.seed, sizes, args.accounts, restricted_sizes=restricted)


def main(argv: Sequence[str] | None = None, *, prog: str = "python -m gitstars.fakegithub") -> int:
    """Run the command line and return the exit status."""
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    try:
        validate_loopback(args.host)
    except ValueError as error:
        parser.error(str(error))
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s"
        )

    try:
        world = _build_world(args)
    except ValueError as error:
        parser.error(str(error))
    server = FakeGitHub(
        world,
        host=args.host,
        port=args.port,
        restriction=args.restriction,
        page_cap=args.page_cap,
        latency=args.latency,
        clock_skew=args.clock_skew,
        rate_limit=args.rate_limit,
    )
    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        logger.info("received signal %d, stopping", signum)
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with server:
            tokens = {login: token for token, login in world.tokens.items()}
            sys.stdout.write(json.dumps({"url": server.url, "tokens": tokens}) + "\n")
            sys.stdout.flush()
            if args.env_file is not None:
                write_env_file(args.env_file, server.url, next(iter(tokens.values()), None))
            stop.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
