"""`python -m benchmarks`: crawl generated worlds from the fake GitHub and print one table.

Run it inside a network namespace with only loopback up, after the peer is installed:

    python -m benchmarks --install-peer
    unshare -n sh -c 'ip link set lo up && python -m benchmarks'

docs/benchmarks.md describes each row. The exit code is 1 when one of our scenarios
failed. A peer that cannot run is not a failure: its rows give the reason.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path

from benchmarks import peer
from benchmarks.suite import run_suite, scratch_directory
from benchmarks.table import format_rows, format_targets
from benchmarks.worlds import FULL, SMOKE


def build_parser() -> argparse.ArgumentParser:
    """Build the benchmark's argument parser."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmark gitstars against the fake GitHub, next to Airbyte's GitHub source.",
    )
    parser.add_argument("--smoke", action="store_true", help="Tiny worlds and no peer: checks that the table prints (about 1 minute).")
    parser.add_argument("--no-peer", action="store_true", help="Leave out the peer's rows.")
    parser.add_argument(
        "--install-peer", action="store_true",
        help="Only install the peer into its virtual environment (needs PyPI), then exit.",
    )
    parser.add_argument(
        "--peer-venv", type=Path, default=peer.DEFAULT_VENV,
        help=f"Virtual environment of the peer. Default: {peer.DEFAULT_VENV}.",
    )
    return parser


def _memory_gib() -> float:
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    return 0.0


def describe_machine() -> str:
    """Describe the machine, the versions that matter and the load, in one line."""
    packages = ", ".join(f"{name} {version(name)}" for name in ("surrealdb", "prefect", "httpx"))
    return (
        f"{os.cpu_count()} CPUs, {_memory_gib():.1f} GiB, Python {platform.python_version()}, "
        f"{packages}; load average {os.getloadavg()[0]:.1f}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its table; return the exit code."""
    arguments = build_parser().parse_args(argv)
    if arguments.install_peer:
        try:
            command = peer.install(arguments.peer_venv)
        except peer.PeerUnavailable as error:
            print(f"benchmark: {error}", file=sys.stderr)
            return 1
        print(f"benchmark: the peer is installed: {command}")
        return 0

    sizes = SMOKE if arguments.smoke else FULL
    with_peer = not (arguments.smoke or arguments.no_peer)
    if with_peer and not peer.executable(arguments.peer_venv).exists():
        try:
            peer.install(arguments.peer_venv)
        except peer.PeerUnavailable as error:
            print(f"benchmark: {error}", file=sys.stderr)

    machine = describe_machine()
    started = time.perf_counter()
    with scratch_directory() as scratch:
        results = run_suite(sizes, Path(scratch), with_peer=with_peer, peer_venv=arguments.peer_venv)
    minutes = (time.perf_counter() - started) / 60

    size = "smoke" if arguments.smoke else "full"
    print(f"gitstars benchmark ({size} size), {machine} at start, {os.getloadavg()[0]:.1f} at end; {minutes:.1f} min")
    print(format_rows(results.rows))
    print("Our rates include the database writes (embedded SurrealDB, surrealkv); the peer's are extraction only.")
    print("Targets:")
    print(format_targets(results.targets))
    for failure in results.failures:
        print(f"benchmark: failed: {failure}", file=sys.stderr)
    return 1 if results.failures else 0


if __name__ == "__main__":
    sys.exit(main())
