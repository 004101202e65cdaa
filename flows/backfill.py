"""The `backfill` flow: redo chosen repositories, for ad-hoc `prefect deployment run`."""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from flows.config import flow_runtime
from flows.process_account import crawl_account, resolve_account
from gitstars.models import RepoStatus
from gitstars.store.requeue import accounts_of, requeue, select_candidates

STATUS_VALUES = [status.value for status in RepoStatus]


class BackfillError(ValueError):
    """Backfill parameters that name nothing to do, or an unknown status."""


def check_parameters(account: str | None, repos: list[str] | None, statuses: list[str]) -> None:
    """Reject parameters that select nothing or name an unknown status."""
    if not account and not repos:
        raise BackfillError("backfill needs an account login or repository full names (owner/name)")
    unknown = sorted(set(statuses) - set(STATUS_VALUES))
    if unknown:
        raise BackfillError(f"unknown status {', '.join(unknown)}: use any of {', '.join(STATUS_VALUES)}")
    for name in repos or []:
        owner, _, repo = name.partition("/")
        if not owner or not repo or "/" in repo:
            raise BackfillError(f"invalid repository name {name!r}: expected owner/name")


def _run_name() -> str:
    parameters = flow_run.parameters
    target = parameters.get("account") or ",".join(parameters.get("repos") or []) or "nothing"
    return f"backfill-{target}"[:100]


@flow(name="backfill", flow_run_name=_run_name)
async def backfill(
    account: str | None = None,
    repos: list[str] | None = None,
    statuses: list[str] = ["failed"],  # noqa: B006 - Prefect shows this default in the UI
    restricted_older_than_days: float | None = None,
    force: bool = False,
    sync: bool = False,
    database_block: str | None = None,
    github_block: str | None = None,
) -> dict[str, Any]:
    """Set chosen repositories back to pending and crawl them again.

    Args:
        account: login of the account whose repositories are redone.
        repos: full names (`owner/name`) of repositories to redo, with any account.
        statuses: which statuses to redo, e.g. `["failed"]` or `["restricted"]`.
        restricted_older_than_days: redo restricted repos only if they were marked at
            least this many days ago (days).
        force: also redo complete repos, and start every redone repo from page 1.
        sync: create the account from GitHub if needed and sync its starred list first.

    With an account, every pending repository of it is crawled too, new ones from the
    sync among them. With `repos` as well, only the named ones are crawled.
        database_block: name of a saved SurrealDB connection block.
        github_block: name of a saved GitHub API block.

    Returns:
        The repositories requeued and each account's crawl summary.
    """
    log = get_run_logger()
    wanted = sorted(set(statuses) | ({RepoStatus.COMPLETE.value} if force else set()))
    check_parameters(account, repos, wanted)
    async with flow_runtime(database_block, github_block) as shared:
        store = await shared.store()
        account_id = None
        if account:
            found = await shared.register_account(account) if sync else await resolve_account(account)
            account_id = found.id
        candidates = await select_candidates(
            store.runner,
            statuses=wanted,
            account_github_id=account_id,
            full_names=repos,
            restricted_older_than_days=restricted_older_than_days,
        )
        requeued = await requeue(store.runner, [item.github_id for item in candidates], restart=force)
        log.info("backfill requeued %d of %d matching repositories", len(requeued), len(candidates))

        summaries = []
        if account_id is not None:
            # The account's whole pending work runs, the requeued repos with it.
            only = set(requeued) if repos else None
            summaries.append(await crawl_account(account_id, sync=sync, settle_seconds=0, only_repos=only))
        else:
            plan: dict[int, list[int]] = {}
            for repo, accounts in (await accounts_of(store.runner, requeued)).items():
                plan.setdefault(accounts[0], []).append(repo)
            orphans = set(requeued) - {repo for repos_of in plan.values() for repo in repos_of}
            if orphans:
                log.warning(
                    "%d repositories are starred by no account and stay pending: there is no token to crawl them",
                    len(orphans),
                )
            for github_id, repo_ids in plan.items():
                summaries.append(await crawl_account(github_id, settle_seconds=0, only_repos=repo_ids))
    return {"requeued": len(requeued), "accounts": summaries}
