"""Parse the items of stargazer and starred-repository pages one by one.

One malformed item must not cost the rest of its page, so each item is validated on its
own. An item that cannot be stored is skipped, and the reason is returned as a problem
line that names the item's index in the page (0-based).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from gitstars.models import GitHubUser, Stargazer, StarredRepository

# The largest id SurrealDB stores as an integer record id (a signed 64-bit integer).
# GitHub's ids are positive. The surrealdb 2.0 SDK silently stored 2**63 as -2**63 and
# rejected larger ids, so items with ids outside 1 to MAX_ID are skipped.
MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class ParsedStargazers:
    """The stargazers of one page and the problems found while parsing them."""

    stargazers: list[Stargazer] = field(default_factory=list)
    skipped: int = 0
    problems: list[str] = field(default_factory=list)


def parse_stargazer_items(items: list[Any]) -> ParsedStargazers:
    """Validate the items of a stargazers page read with `application/vnd.github.star+json`.

    An item with a null, missing or invalid `user`, or a user id outside 1 to `MAX_ID`,
    is skipped. A missing or invalid `starred_at` keeps the item with `starred_at=None`
    and adds a problem line. An item in the plain `simple-user` form (a server that
    ignored the star media type) is kept the same way, without `starred_at`.
    """
    stargazers: list[Stargazer] = []
    problems: list[str] = []
    skipped = 0

    for index, item in enumerate(items):
        if not isinstance(item, dict):
            skipped += 1
            problems.append(f"item {index}: skipped, expected an object but got {type(item).__name__}")
            continue

        if "user" not in item and "login" in item:
            raw_user: Any = item
            raw_starred_at: Any = None
            problems.append(f"item {index}: starred_at is missing (a plain user item)")
        else:
            raw_user = item.get("user")
            raw_starred_at = item.get("starred_at")
            if raw_user is None:
                skipped += 1
                problems.append(f"item {index}: skipped, user is null or missing")
                continue

        try:
            user = GitHubUser.model_validate(raw_user)
        except ValidationError as error:
            skipped += 1
            problems.append(f"item {index}: skipped, invalid user: {_summarize(error)}")
            continue
        if not 1 <= user.id <= MAX_ID:
            skipped += 1
            problems.append(f"item {index}: skipped, user id {user.id} is outside 1 to {MAX_ID}")
            continue

        stargazers.append(_stargazer(index, user, raw_starred_at, item, problems))

    return ParsedStargazers(stargazers=stargazers, skipped=skipped, problems=problems)


def parse_starred_items(items: list[Any]) -> tuple[list[StarredRepository], list[str]]:
    """Validate the items of a starred-repositories page read with star+json.

    An item whose repository or owner id lies outside 1 to `MAX_ID` is skipped.

    Returns:
        The valid items, and one problem line per skipped item.
    """
    repositories: list[StarredRepository] = []
    problems: list[str] = []
    for index, item in enumerate(items):
        try:
            starred = StarredRepository.model_validate(item)
        except ValidationError as error:
            problems.append(f"item {index}: skipped, {_summarize(error)}")
            continue
        ids = {"repo.id": starred.repo.id, "repo.owner.id": starred.repo.owner.id}
        outside = [f"{name} {value}" for name, value in ids.items() if not 1 <= value <= MAX_ID]
        if outside:
            problems.append(f"item {index}: skipped, {' and '.join(outside)} outside 1 to {MAX_ID}")
            continue
        repositories.append(starred)
    return repositories, problems


def _stargazer(
    index: int, user: GitHubUser, raw_starred_at: Any, item: dict[str, Any], problems: list[str]
) -> Stargazer:
    if raw_starred_at is None:
        # The plain-user branch has already noted the missing timestamp.
        if "user" in item:
            problems.append(f"item {index}: starred_at is missing")
        return Stargazer(starred_at=None, user=user)

    try:
        return Stargazer.model_validate({"starred_at": raw_starred_at, "user": user})
    except ValidationError:
        # Only the start of the value is shown, so a huge value cannot flood the log.
        value_start = str(raw_starred_at)[:40]
        problems.append(f"item {index}: starred_at {value_start!r} is not a valid timestamp")
        return Stargazer(starred_at=None, user=user)


def _summarize(error: ValidationError) -> str:
    """Return the first validation error as `field: message`, without the input value."""
    first = error.errors(include_input=False, include_url=False)[0]
    location = ".".join(str(part) for part in first["loc"]) or "item"
    extra = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{location}: {first['msg']}{extra}"
