"""A fake GitHub REST API on a loopback address, for tests, benchmarks and offline trials.

from gitstars.fakegithub import FakeGitHub, recorded_world

world, token = recorded_world()
with FakeGitHub(world) as github:
    ...  # send requests to github.url with "Authorization: Bearer <token>"
"""

from __future__ import annotations

from gitstars.fakegithub.faults import Fault, FaultKind, FaultPlan, RetryAfter, ScriptedFault
from gitstars.fakegithub.generate import generate_world
from gitstars.fakegithub.recorded import (
    ACCOUNT_ID,
    ACCOUNT_LOGIN,
    BETAMAX_ID,
    BETAMAX_OLD_NAME,
    recorded_world,
)
from gitstars.fakegithub.server import FakeGitHub
from gitstars.fakegithub.world import Block, Repo, User, UserPool, World

__all__ = [
    "ACCOUNT_ID",
    "ACCOUNT_LOGIN",
    "BETAMAX_ID",
    "BETAMAX_OLD_NAME",
    "Block",
    "FakeGitHub",
    "Fault",
    "FaultKind",
    "FaultPlan",
    "Repo",
    "RetryAfter",
    "ScriptedFault",
    "User",
    "UserPool",
    "World",
    "generate_world",
    "recorded_world",
]
