"""Artifacts and events about repositories, for the Prefect UI and automations."""

from __future__ import annotations

import re
from typing import Any

from prefect.artifacts import acreate_progress_artifact, acreate_table_artifact, aupdate_progress_artifact
from prefect.events import emit_event

from gitstars.store import Stats

FINAL_EVENT_STATUSES = {"complete", "restricted", "failed"}


def artifact_key(*parts: str) -> str:
    """Return an artifact key (lowercase letters, digits and dashes) made of `parts`."""
    text = "-".join(parts).lower()
    return re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]", "-", text)).strip("-")


class AccountProgress:
    """A progress artifact of one account's crawl, updated as repositories finish."""

    def __init__(self, login: str, total: int) -> None:
        self.login = login
        self.total = total
        self.done = 0
        self._artifact_id = None

    async def start(self) -> None:
        self._artifact_id = await acreate_progress_artifact(
            progress=100.0 if self.total == 0 else 0.0,
            key=artifact_key("account", self.login, "progress"),
            description=f"Repositories of {self.login} crawled, out of {self.total}.",
        )

    async def advance(self) -> None:
        self.done += 1
        if self._artifact_id is not None and self.total:
            await aupdate_progress_artifact(self._artifact_id, progress=100.0 * self.done / self.total)


async def publish_account_table(login: str, results: list[dict[str, Any]]) -> None:
    """Create the table artifact of an account's run: one row per repository."""
    rows = [
        {
            "repo": result["full_name"],
            "status": result["status"],
            "stargazers": result["stargazers"],
            "pages": result["pages"],
            "requests": result["requests"],
            "error": result.get("error") or "",
        }
        for result in results
    ]
    await acreate_table_artifact(
        table=rows,
        key=artifact_key("account", login, "repos"),
        description=f"Repositories of {login} crawled by this run.",
    )


async def publish_stats_table(stats: Stats) -> None:
    """Create the system-wide statistics table artifact."""
    rows = [{"metric": f"repos {status}", "value": count} for status, count in stats.repos_by_status.items()]
    rows += [
        {"metric": "repos total", "value": stats.repos},
        {"metric": "accounts", "value": stats.accounts},
        {"metric": "github users", "value": stats.users},
        {"metric": "starred edges", "value": stats.edges},
        {"metric": "requests stored", "value": stats.requests},
    ]
    await acreate_table_artifact(
        table=rows,
        key="gitstars-stats",
        description="Repositories by status, users and edges. Restricted repositories are those whose "
        "stargazers GitHub shows only to admins and collaborators since 2026-06-30.",
    )


def emit_repo_event(result: dict[str, Any], account_login: str) -> None:
    """Emit `gitstars.repo.<status>` when a repository reached a final status."""
    status = result["status"]
    if status not in FINAL_EVENT_STATUSES:
        return
    emit_event(
        event=f"gitstars.repo.{status}",
        resource={
            "prefect.resource.id": f"gitstars.repo.{result['github_id']}",
            "prefect.resource.name": result["full_name"],
        },
        related=[
            {"prefect.resource.id": f"gitstars.account.{account_login.lower()}", "prefect.resource.role": "account"}
        ],
        payload={
            "stargazers": result["stargazers"],
            "pages": result["pages"],
            "requests": result["requests"],
            "truncated": result.get("truncated", False),
            "error": result.get("error"),
        },
    )
