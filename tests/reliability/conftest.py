"""Options of the reliability tests: the length and seed of the crash loop.

pytest reads these options only when the command line names this folder or a file in it,
for example `pytest tests/reliability/test_crash_loop.py --crash-rounds 10`. A plain
`pytest` from the repository root takes the defaults, or `GITSTARS_CRASH_ROUNDS` and
`GITSTARS_CRASH_SEED` from the environment.
"""

from __future__ import annotations

import os

import pytest

# CI runs a short loop; each round starts the main job once (Prefect's start takes 8-30 s).
DEFAULT_CRASH_ROUNDS = 3
DEFAULT_CRASH_SEED = 20260704


def _from_env(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("reliability")
    group.addoption(
        "--crash-rounds",
        type=int,
        default=_from_env("GITSTARS_CRASH_ROUNDS", DEFAULT_CRASH_ROUNDS),
        help=f"SIGKILL rounds of the crash loop (rounds; default {DEFAULT_CRASH_ROUNDS}, the full loop is 10 or more).",
    )
    group.addoption(
        "--crash-seed",
        type=int,
        default=_from_env("GITSTARS_CRASH_SEED", DEFAULT_CRASH_SEED),
        help=f"Seed of the crash loop's world and kill points (default {DEFAULT_CRASH_SEED}).",
    )


@pytest.fixture(scope="session")
def crash_rounds(request: pytest.FixtureRequest) -> int:
    """The number of SIGKILL rounds the crash loop runs."""
    rounds = request.config.getoption("--crash-rounds", default=None)
    if rounds is None:  # the option was not registered: see the module docstring
        rounds = _from_env("GITSTARS_CRASH_ROUNDS", DEFAULT_CRASH_ROUNDS)
    if rounds < 1:
        raise pytest.UsageError(f"invalid --crash-rounds {rounds}: run at least 1 round")
    return rounds


@pytest.fixture(scope="session")
def crash_seed(request: pytest.FixtureRequest) -> int:
    """The seed of the crash loop's world and kill points."""
    seed = request.config.getoption("--crash-seed", default=None)
    return _from_env("GITSTARS_CRASH_SEED", DEFAULT_CRASH_SEED) if seed is None else seed
