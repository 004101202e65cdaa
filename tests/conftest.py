"""Shared fixtures: an embedded in-memory store, and Prefect kept offline and quiet."""

from __future__ import annotations

import os

# Set before Prefect is imported anywhere: no telemetry, and time for the ephemeral API
# server to start on a loaded 2-core machine.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

import pytest  # noqa: E402

from gitstars.settings import Settings  # noqa: E402
from gitstars.store import Store  # noqa: E402


@pytest.fixture
async def store():
    """A fresh embedded in-memory store with the schema applied."""
    opened = await Store.open(Settings(db_url="mem://"))
    yield opened
    await opened.close()
