"""What each `gitstars` subcommand does, once its settings are parsed."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor
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


def _start_prefect_api_blocking_sigint() -> None:
    """Start Prefect's ephemeral API server in this thread, with SIGINT blocked.

    Run it in a thread of its own: the blocked SIGINT stays in that thread's mask, and
    the server's process inherits the mask of the thread that started it. SIGTERM, which
    `cli.block_sigterm` blocks, is unblocked here.
    """
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import get_current_settings

    if get_current_settings().api.url:
        return  # a Prefect server that the user runs: nothing starts here
    # SIGTERM stays deliverable, so Prefect can stop the server when the command exits.
    signal.pthread_sigmask(signal.SIG_SETMASK, {signal.SIGINT})
    SubprocessASGIServer().start()


async def _start_prefect_api() -> None:
    """Start Prefect's ephemeral API server now, out of reach of the terminal's Ctrl+C.

    Prefect starts the server as a child process in the command's process group, and a
    terminal sends Ctrl+C to the whole group. The server then stopped at once while the
    flow still reported to it, and the clean stop hung for minutes on the missing API.
    With SIGINT blocked in the server, Ctrl+C reaches only gitstars. Prefect still stops
    the server with SIGTERM when the command exits.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="prefect-api-start") as starter:
        await asyncio.get_running_loop().run_in_executor(starter, _start_prefect_api_blocking_sigint)


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
        if arguments.resync:
            # Done here rather than in the flow, so the count is printed with the CLI's lines.
            reopened = await store.repos.reopen_for_resync(account.id, per_page=shared.settings.github_per_page)
            print(
                f"gitstars: re-syncing {len(reopened):,} complete repositories from their last page",
                file=sys.stderr,
            )
        await _start_prefect_api()
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
    except ValueError as error:  # an invalid login, rejected before any request
        raise CommandError(str(error)) from error
    print(format_run_summary(account.login, summary, stats, repos, shared.requests_sent))
    return 0 if not summary.get("errors") else 1


async def listen(shared: Runtime, arguments: argparse.Namespace) -> int:
    """Follow the account change feed and process each new account."""
    from flows.listener import listener

    await _start_prefect_api()
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
