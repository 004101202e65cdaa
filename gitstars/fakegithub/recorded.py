"""The recorded world: one real account's 616 starred repositories, as GitHub returned them.

`data/recorded_world.json` comes from recordings of api.github.com (users pseudonymised)
through `build_recorded_data`. In the world built from it:

- the account `u4575f3f64e` starred 616 repositories, at the recorded `starred_at`;
- it owns 23 of them, which get generated stargazers, exactly as many as their recorded
  `stargazers_count`, the account itself among them;
- it administers `betamaxpy/betamax`, whose 484 stargazers are the recorded ones. The
  starred list still shows that repository under its old name `u4575f3f64e/betamax`, so
  a client that follows the list gets a 301 to `/repositories/11439734...`;
- every other repository keeps its recorded count, but only its owner may list its
  stargazers, so the account meets the 2026-06-30 restriction there. Their lists are
  generated too, for servers started without the restriction.
"""

from __future__ import annotations

import gzip
import json
from email.utils import parsedate_to_datetime
from importlib import resources
from typing import Any

from gitstars.fakegithub.render import parse_timestamp
from gitstars.fakegithub.stargazers import ExplicitStargazers, GeneratedStargazers, StargazerList
from gitstars.fakegithub.world import UserPool, World

ACCOUNT_LOGIN = "u4575f3f64e"
ACCOUNT_ID = 904552179
BETAMAX_ID = 11439734
BETAMAX_OLD_NAME = "u4575f3f64e/betamax"
DATA_FILE = "recorded_world.json"

# Generated stargazers are pool users `stargazer-<k>` with ids from POOL_FIRST_ID. The
# recorded ids lie below 50,000,000 (organisations) or from 900,000,000 (pseudonyms), so
# the pool range is free. `recorded_world` checks it.
POOL_FIRST_ID = 500_000_000
POOL_SIZE = 50_000
# The account's own repositories draw from the first users of the pool only, so that the
# same people star several of them (the largest has 748 stars).
OWNED_POPULATION = 1_000


def load_recorded_data(name: str = DATA_FILE) -> dict[str, Any]:
    """Read a recorded-world document from the package's data folder (.json or .json.gz)."""
    raw = resources.files("gitstars.fakegithub").joinpath("data", name).read_bytes()
    if name.endswith(".gz"):
        raw = gzip.decompress(raw)
    return json.loads(raw)


def _details(row: dict[str, Any], licenses: dict[str, Any]) -> dict[str, Any]:
    details = {
        key: value
        for key, value in row.items()
        if key not in ("id", "owner", "name", "stargazers_count")
    }
    license_key = details.get("license")
    details["license"] = None if license_key is None else licenses[license_key]
    return details


def _stargazer_list(
    row: dict[str, Any],
    explicit: dict[int, ExplicitStargazers],
    account_id: int,
    starred_at: int | None,
    recorded_at: int,
    seed: int,
) -> StargazerList:
    repo_id = row["id"]
    if repo_id in explicit:
        return explicit[repo_id]
    owned = row["owner"] == ACCOUNT_LOGIN
    return GeneratedStargazers(
        count=row["stargazers_count"],
        first_user_id=POOL_FIRST_ID,
        population=OWNED_POPULATION if owned else POOL_SIZE,
        start=parse_timestamp(row["created_at"]),
        end=recorded_at,
        seed=seed * 10_000_000_000 + repo_id,
        pinned=[(account_id, starred_at)] if starred_at is not None else [],
    )


def recorded_world(seed: int = 0) -> tuple[World, str]:
    """Build the recorded world and issue a token for the account.

    Args:
        seed: selects the generated stargazers. The recorded data does not depend on it.

    Returns:
        The world and a token of `ACCOUNT_LOGIN`.
    """
    data = load_recorded_data()
    world = World()
    account = world.add_user(data["account"]["login"], data["account"]["id"])
    world.profiles[account.id] = data["account"]["profile"]
    for login, user_id, user_type, site_admin in data["owners"]:
        world.add_user(login, user_id, type=user_type, site_admin=site_admin)

    explicit: dict[int, ExplicitStargazers] = {}
    later_stars: list[tuple[str, int, int]] = []
    for repo_key, rows in data["stargazers"].items():
        stars = []
        for login, user_id, user_type, site_admin, starred_at in rows:
            user = world.add_user(login, user_id, type=user_type, site_admin=site_admin)
            stars.append((user.id, parse_timestamp(starred_at)))
            if user.id != account.id:
                later_stars.append((login, int(repo_key), parse_timestamp(starred_at)))
        explicit[int(repo_key)] = ExplicitStargazers(stars)

    if any(POOL_FIRST_ID <= user_id < POOL_FIRST_ID + POOL_SIZE for user_id in world.users):
        raise ValueError("a recorded user id falls inside the generated pool; move POOL_FIRST_ID")
    world.add_pool(UserPool(first_id=POOL_FIRST_ID, size=POOL_SIZE))

    recorded_at = int(parsedate_to_datetime(data["recorded_at"]).timestamp())
    starred = [(repo_id, parse_timestamp(starred_at)) for repo_id, starred_at in data["starred"]]
    account_stars = dict(starred)
    fields = data["repo_fields"]
    for values in data["repos"]:
        row = dict(zip(fields, values, strict=True))
        stargazers = _stargazer_list(
            row, explicit, account.id, account_stars.get(row["id"]), recorded_at, seed
        )
        world.add_repo(
            row["owner"],
            row["name"],
            repo_id=row["id"],
            stargazers=stargazers,
            admins=data["admins"].get(str(row["id"]), []),
            details=_details(row, data["licenses"]),
        )

    for rename in data["renames"]:
        world.rename(rename["old_full_name"], rename["repo_id"], still_listed=True)
    for repo_id, starred_at in starred:
        world.star(account.login, repo_id, starred_at)
    for login, repo_id, starred_at in later_stars:
        world.star(login, repo_id, starred_at)
    return world, world.issue_token(account.login)
