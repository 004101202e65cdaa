"""Accounts, the run lock and the change feed on the embedded engine."""

from __future__ import annotations

from gitstars.models import GitHubUser
from gitstars.store.schema import apply_schema


async def test_schema_applies_twice(store):
    await apply_schema(store.runner)
    await apply_schema(store.runner)
    assert (await store.stats()).repos == 0


async def test_account_lock_exclusive(store):
    first = await store.accounts.lock(5, 60)
    second = await store.accounts.lock(5, 60)
    assert first is not None
    assert second is None


async def test_account_lock_released(store):
    owner = await store.accounts.lock(5, 60)
    await store.accounts.unlock(5, owner)
    assert await store.accounts.lock(5, 60) is not None


async def test_feed_reports_created_accounts(store):
    since = await store.feed.cursor()
    await store.accounts.upsert(GitHubUser(id=11, login="a"))
    await store.accounts.upsert(GitHubUser(id=12, login="b"))
    changes, cursor = await store.feed.read(since)
    assert [change.github_id for change in changes if change.kind == "created"] == [11, 12]
    assert cursor > since


async def test_feed_cursor_survives(store):
    await store.accounts.upsert(GitHubUser(id=11, login="a"))
    _, cursor = await store.feed.read(await store.feed.cursor())
    await store.feed.save_cursor(cursor)
    await store.accounts.upsert(GitHubUser(id=13, login="c"))
    changes, _ = await store.feed.read(await store.feed.cursor())
    assert [change.github_id for change in changes if change.kind == "created"] == [13]


async def test_accounts_with_work(store):
    from datetime import UTC, datetime

    from gitstars.models import Repository, StarredRepository

    owner = GitHubUser(id=6, login="org")
    await store.accounts.upsert(GitHubUser(id=11, login="a"))
    await store.accounts.upsert(GitHubUser(id=12, login="b"))
    repo = Repository(id=100, full_name="org/r", owner=owner)
    await store.accounts.sync_starred(11, [StarredRepository(starred_at=datetime.now(UTC), repo=repo)])
    await store.accounts.sync_starred(12, [StarredRepository(starred_at=datetime.now(UTC), repo=repo)])
    assert await store.accounts.with_work(["pending"]) == [11, 12]
    assert await store.accounts.with_work(["failed"]) == []


async def test_lock_visible_until_released(store):
    owner = await store.accounts.lock(5, 60)
    assert await store.accounts.is_locked(5)
    await store.accounts.unlock(5, owner)
    assert not await store.accounts.is_locked(5)


async def test_second_process_rejected(tmp_path):
    import subprocess
    import sys

    from gitstars.settings import Settings
    from gitstars.store import Store

    db_url = f"surrealkv://{tmp_path / 'db'}"
    store = await Store.open(Settings(db_url=db_url))
    try:
        other = subprocess.run(
            [sys.executable, "-m", "gitstars.cli", "stats", "--db-url", db_url], capture_output=True, text=True, timeout=120
        )
    finally:
        await store.close()
    assert other.returncode == 1
    assert "in use by another process" in other.stderr
    assert db_url in other.stderr
