"""Generated worlds for benchmarks and fault tests, deterministic by seed.

Each account owns repositories and stars them, so the stargazer restriction never applies
to them. Stargazer lists are computed on demand (see `GeneratedStargazers`), so a world
of several 40,000-star repositories costs kilobytes until its pages are read.

NOTE: pool users (`stargazer-<k>`) have no starred lists of their own; only accounts do.
"""

from __future__ import annotations

from collections.abc import Sequence
from random import Random

from gitstars.fakegithub.render import iso_timestamp
from gitstars.fakegithub.stargazers import GeneratedStargazers
from gitstars.fakegithub.world import Block, UserPool, World

ACCOUNT_PREFIX = "account-"
ACCOUNT_FIRST_ID = 2_000_000
ORG_LOGIN = "restricted-org"
ORG_ID = 3_000_000
POOL_FIRST_ID = 10_000_000
REPO_FIRST_ID = 5_000_000
# Stars fall between 2015-01-01 and 2026-06-01 (UTC), before the stargazer restriction.
DEFAULT_START = 1_420_070_400
DEFAULT_END = 1_780_272_000


def generate_world(
    seed: int,
    repo_sizes: Sequence[int],
    accounts: int = 1,
    *,
    star_others: bool = False,
    restricted_sizes: Sequence[int] = (),
    renamed: int = 0,
    blocked: int = 0,
    pool_size: int | None = None,
    start: int = DEFAULT_START,
    end: int = DEFAULT_END,
) -> World:
    """Build a world of accounts `account-1` ... `account-N` and issue one token each.

    Repository `i` (`repo-<i>`) belongs to account `i % accounts + 1` and has exactly
    `repo_sizes[i]` stargazers: the accounts that star it plus pool users, in order of star time.

    Args:
        seed: selects stargazers and timestamps; equal arguments give equal worlds.
        repo_sizes: stargazer count of each owned repository.
        accounts: number of accounts.
        star_others: every account also stars, and collaborates on, every owned
            repository, so several accounts share repositories and stargazers.
        restricted_sizes: stargazer counts of extra repositories of `restricted-org`
            that every account stars but none may list (the 2026-06-30 restriction).
        renamed: the first `renamed` owned repositories were renamed from
            `old-repo-<i>`, and starred lists still show the old name.
        blocked: number of extra repositories of `restricted-org`, starred by every
            account, that respond with 451 (DMCA takedown).
        pool_size: number of generated users to draw stargazers from. The default, 3/4
            of all stargazers but at least the largest repository, makes some users
            star several repositories.
        start: earliest star, epoch seconds.
        end: latest generated star, epoch seconds.

    Raises:
        ValueError: a repository has fewer stargazers than accounts that star it.
    """
    rng = Random(seed)
    world = World()
    logins = [f"{ACCOUNT_PREFIX}{k}" for k in range(1, accounts + 1)]
    for k, login in enumerate(logins, start=1):
        world.add_user(login, ACCOUNT_FIRST_ID + k)
    world.add_user(ORG_LOGIN, ORG_ID, type="Organization")

    all_sizes = [*repo_sizes, *restricted_sizes]
    largest = max(all_sizes, default=0)
    if pool_size is None:
        pool_size = max(largest, (sum(all_sizes) * 3) // 4, 1)
    world.add_pool(UserPool(first_id=POOL_FIRST_ID, size=pool_size))

    repo_id = REPO_FIRST_ID
    for index, size in enumerate(repo_sizes):
        owner = logins[index % accounts]
        starring = logins if star_others else [owner]
        collaborators = logins if star_others else []
        _add_repo(
            world,
            rng,
            repo_id,
            owner,
            f"repo-{index}",
            size,
            starring,
            pool_size,
            start,
            end,
            collaborators=collaborators,
        )
        if index < renamed:
            world.rename(f"{owner}/old-repo-{index}", repo_id, still_listed=True)
        repo_id += 1
    for index, size in enumerate(restricted_sizes):
        _add_repo(
            world,
            rng,
            repo_id,
            ORG_LOGIN,
            f"restricted-{index}",
            size,
            logins,
            pool_size,
            start,
            end,
        )
        repo_id += 1
    for index in range(blocked):
        _add_repo(
            world,
            rng,
            repo_id,
            ORG_LOGIN,
            f"blocked-{index}",
            accounts,
            logins,
            pool_size,
            start,
            end,
            block=Block(),
        )
        repo_id += 1

    for login in logins:
        world.issue_token(login)
    return world


def _add_repo(
    world: World,
    rng: Random,
    repo_id: int,
    owner: str,
    name: str,
    size: int,
    starring: Sequence[str],
    pool_size: int,
    start: int,
    end: int,
    *,
    collaborators: Sequence[str] = (),
    block: Block | None = None,
) -> None:
    if size < len(starring):
        raise ValueError(
            f"repository {owner}/{name} has {size} stargazers but {len(starring)} accounts "
            "star it; give it at least that many"
        )
    # Each repository starts gaining stars somewhere in the first half of the range.
    first_star = start + rng.randrange(max(1, (end - start) // 2))
    pinned = []
    for login in starring:
        user = world.user_by_login(login)
        assert user is not None
        starred_at = first_star + rng.randrange(max(1, end - first_star))
        pinned.append((user.id, starred_at))
    stargazers = GeneratedStargazers(
        count=size,
        first_user_id=POOL_FIRST_ID,
        population=pool_size,
        start=first_star,
        end=end,
        seed=rng.getrandbits(64),
        pinned=pinned,
    )
    world.add_repo(
        owner,
        name,
        repo_id=repo_id,
        stargazers=stargazers,
        collaborators=collaborators,
        blocked=block,
        details={"created_at": iso_timestamp(first_star - 86_400)},
    )
    for user_id, starred_at in pinned:
        world.star(world.users[user_id].login, repo_id, starred_at)
