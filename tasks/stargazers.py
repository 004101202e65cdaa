"""The `fetch-stargazers` task: fetch and store one repository's stargazers."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from prefect import Task, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import TaskRun
from prefect.states import State

from gitstars import runtime
from gitstars.crawler import Crawler
from gitstars.github.errors import BadCredentialsError
from gitstars.runtime import MissingTokenError
from tasks.limits import follow_reported_limit
from tasks.ui import emit_repo_event


def _retry_unless_final(task: Task, task_run: TaskRun, state: State) -> bool:
    # A bad or missing token fails every attempt the same way; retrying only burns time.
    try:
        state.result()
    except (BadCredentialsError, MissingTokenError):
        return False
    except Exception:
        return True
    return True


@task(
    name="fetch-stargazers",
    task_run_name="stargazers-{full_name}",
    retries=2,
    retry_delay_seconds=10,
    retry_condition_fn=_retry_unless_final,
    timeout_seconds=3600,
    cache_policy=NO_CACHE,
)
async def fetch_stargazers(
    github_repo_id: int, full_name: str, account_github_id: int, account_login: str
) -> dict[str, Any]:
    """Claim one repository, store its stargazers page by page, and record its status.

    Args:
        github_repo_id: GitHub's numeric id of the repository (the `repo` record id).
        full_name: `owner/name`, for the run name; the stored name wins if they differ.
        account_github_id: the account whose token reads the stargazers.
        account_login: that account's login, for the request pacing limit and events.

    Returns:
        The crawl's result: status, stargazers stored, pages, requests and error.
    """
    shared = runtime.current()
    store = await shared.store()
    token = await shared.token_for(account_github_id)
    crawler = Crawler(
        store,
        shared.client_for(token, account_login),
        lease_seconds=shared.settings.lease_seconds,
        stop=shared.stop,
        logger=get_run_logger(),
    )
    result = asdict(await crawler.crawl(github_repo_id))
    emit_repo_event(result, account_login)
    if shared.settings.shared_rate_limit and crawler.client.rate_limit is not None:
        await follow_reported_limit(account_login, crawler.client.rate_limit.limit)
    return result
