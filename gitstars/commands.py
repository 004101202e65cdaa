"""What each `gitstars` subcommand does, once its settings are parsed."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from contextlib import asynccontextmanager
from collections.abc import AsyncIterator

from gitstars.github.errors import BadCredentialsError, GitHubError, NotFoundError
from gitstars.models import FINAL_STATUSES
from gitstars.report import format_run_summary, format_stats
from gitstars.runtime import MissingTokenError, Runtime
from gitstars.store import StoreError
from gitstars.store.stats import account_repos

PROGRESS_INTERVAL = 1.0
PLAIN_PROGRESS_INTERVAL = 15.0


class CommandError(RuntimeError):
    """A failure the command reports in one line, with what to do next."""


@asynccontextmanager
async def _progress(shared: Runtime, account_github_id: int, login: str) -> AsyncIterator[None]:
    """Show the account's repositories done out of all, until the block ends."""
    store = await shared.store()
    interactive = sys.stderr.isatty()

    async def report() -> None:
        last_print = 0.0
        while True:
            await asyncio.sleep(PROGRESS_INTERVAL)
            stats = await store.account_stats(account_github_id)
            done = sum(stats.count(status) for status in FINAL_STATUSES)
            line = (
                f"{login}: {done:,}/{stats.repos:,} repositories done, "
                f"{stats.edges:,} stargazers stored, {shared.requests_sent:,} requests"
            )
            if interactive:
                print(f"\r{line}", end="", file=sys.stderr, flush=True)
            elif time.monotonic() - last_print >= PLAIN_PROGRESS_INTERVAL:
                print(line, file=sys.stderr, flush=True)
                last_print = time.monotonic()

    reporter = asyncio.create_task(report())
    try:
        yield
    finally:
        reporter.cancel()
        if interactive:
            print(file=sys.stderr)


async def run(shared: Runtime, arguments: argparse.Namespace) -> int:
    """Create or update the account, sync its starred list, crawl it, print a summary."""
    from flows.process_account import process_account

    login = arguments.account
    try:
        store = await shared.store()
        account = await shared.register_account(login)
        print(
            f"gitstars: crawling account {account.login} (id {account.id}) from {shared.settings.github_api_url}",
            file=sys.stderr,
        )
        async with _progress(shared, account.id, account.login):
            summary = await process_account(account.login, sync=True)
        stats = await store.account_stats(account.id)
        repos = await account_repos(store.runner, account.id)
    except NotFoundError as error:
        raise CommandError(f"GitHub user {login!r} not found: check the login ({error})") from error
    except BadCredentialsError as error:
        raise CommandError(
            f"GitHub rejected the token for account {login!r} as invalid or expired: "
            f"set a valid GITHUB_TOKEN or sign in again ({error})"
        ) from error
    except MissingTokenError as error:
        raise CommandError(str(error)) from error
    except (GitHubError, StoreError) as error:
        raise CommandError(str(error)) from error
    print(format_run_summary(account.login, summary, stats, repos, shared.requests_sent))
    return 0 if not summary.get("errors") else 1


async def listen(shared: Runtime, arguments: argparse.Namespace) -> int:
    """Follow the account change feed and process each new account."""
    from flows.listener import listener

    await listener(poll_seconds=arguments.poll_seconds, once=arguments.once)
    print(format_stats(await (await shared.store()).stats()))
    return 0


async def stats(shared: Runtime, arguments: argparse.Namespace) -> int:
    """Print repositories by status, users, edges and requests."""
    try:
        store = await shared.store()
        print(format_stats(await store.stats()))
    except StoreError as error:
        raise CommandError(str(error)) from error
    return 0
