"""Sizes of the generated worlds that the benchmark crawls, and the request minimum.

Pure functions: each world is a list of stargazer counts, one per repository, that
`gitstars.fakegithub.generate_world` turns into repositories.
"""

from __future__ import annotations

from dataclasses import dataclass

PER_PAGE = 100
# GitHub serves at most 400 pages of a stargazers list (40,000 stargazers).
PAGE_CAP = 400


@dataclass(frozen=True)
class Sizes:
    """Stargazer counts of the repositories of each benchmark world."""

    cold: list[int]
    per_account: list[int]
    peer: list[int]
    small_repo: int
    large_repo: int
    overhead_repos: int


def skewed_sizes(count: int, smallest: int, largest: int, skew: float = 3.0) -> list[int]:
    """Return `count` sizes from `smallest` to `largest`, most of them small.

    Size `i` is `smallest * (largest / smallest) ** ((i / (count - 1)) ** skew)`: a skew of
    1 spreads the sizes evenly on a log scale, and larger skews put more repositories at
    the small end, as on GitHub, where few repositories have many stars.
    """
    if count < 2:
        return [largest] * count
    ratio = largest / smallest
    return [round(smallest * ratio ** ((i / (count - 1)) ** skew)) for i in range(count)]


def interleave(per_account: list[int], accounts: int) -> list[int]:
    """Repeat each size once per account, so that every account owns the same sizes.

    `generate_world` gives repository `i` to account `i % accounts + 1`.
    """
    return [size for size in per_account for _ in range(accounts)]


def pages(size: int) -> int:
    """Return the pages a crawl of a repository with `size` stargazers must request."""
    return min(max(1, -(-size // PER_PAGE)), PAGE_CAP)


def minimum_requests(sizes: list[int]) -> int:
    """Return the fewest stargazer requests that read every listed stargazer once."""
    return sum(pages(size) for size in sizes)


def listed_stargazers(sizes: list[int]) -> int:
    """Return the stargazers that GitHub lists, at most 40,000 per repository."""
    return sum(min(size, PAGE_CAP * PER_PAGE) for size in sizes)


FULL = Sizes(
    # 200 repositories of 100 to 40,000 stargazers: 543,791 stargazers in 5,545 pages.
    cold=skewed_sizes(200, 100, 40_000),
    # Each account of the latency rows: 21,400 stargazers in 214 pages.
    per_account=[100, 300, 1_000, 2_000, 3_000, 5_000, 10_000],
    # The world of the peer comparison: 20 x 2,000 + 1 x 40,000 stargazers.
    peer=[2_000] * 20 + [40_000],
    small_repo=100,
    large_repo=40_000,
    overhead_repos=100,
)

SMOKE = Sizes(
    cold=skewed_sizes(12, 100, 1_500),
    per_account=[100, 300],
    peer=[300] * 3 + [1_000],
    small_repo=100,
    large_repo=2_000,
    overhead_repos=5,
)
