"""Stargazer lists of a fake repository, oldest star first.

A star is a `(user_id, starred_at)` pair, with `starred_at` in epoch seconds (UTC). A list
is either explicit (recorded stars) or generated on demand from a few integers, so that a
repository with 40,000 or more stargazers costs a few hundred bytes until a page is read.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from math import gcd
from random import Random
from typing import Protocol

Star = tuple[int, int]

# Multiplier of Knuth's multiplicative hash, used to spread timestamps inside their slots.
_GOLDEN = 0x9E3779B1


class StargazerList(Protocol):
    """A repository's stars, oldest first, readable by index range."""

    def __len__(self) -> int: ...

    def slice(self, start: int, stop: int) -> list[Star]:
        """Return the stars at positions `start` to `stop - 1` that exist."""
        ...


class ExplicitStargazers:
    """Stars held in a list, for recorded or hand-built repositories."""

    __slots__ = ("_stars",)

    def __init__(self, stars: Iterable[Star] = ()) -> None:
        self._stars: list[Star] = sorted(stars, key=lambda star: star[1])

    def __len__(self) -> int:
        return len(self._stars)

    def slice(self, start: int, stop: int) -> list[Star]:
        """Return the stars at positions `start` to `stop - 1` that exist."""
        return self._stars[start:stop]

    def add(self, user_id: int, starred_at: int) -> None:
        """Insert a star at its place in time, after stars with the same timestamp."""
        position = bisect_right(self._stars, starred_at, key=lambda star: star[1])
        self._stars.insert(position, (user_id, starred_at))


class GeneratedStargazers:
    """Stars computed from their position, with a few pinned stars mixed in.

    Generated star `i` belongs to pool user `(offset + i * stride) % population`. The stride
    is coprime with the population, so the users of one repository are distinct as long as
    `count <= population`. Its timestamp lies in slot `i` of width `step` seconds after
    `start`, so timestamps are distinct and ascending. Pinned stars (the accounts of a
    generated world, for example) keep their own timestamps and are merged in by time.
    """

    __slots__ = (
        "_count",
        "_first_id",
        "_population",
        "_offset",
        "_stride",
        "_start",
        "_step",
        "_salt",
        "_pinned",
        "_pinned_positions",
    )

    def __init__(
        self,
        *,
        count: int,
        first_user_id: int,
        population: int,
        start: int,
        end: int,
        seed: int,
        pinned: Sequence[Star] = (),
    ) -> None:
        """Describe `count` stars in total, `len(pinned)` of them pinned.

        Args:
            count: number of stars in the list, pinned stars included.
            first_user_id: id of pool user 0; pool user `k` has id `first_user_id + k`.
            population: number of pool users to draw from; at least the generated count.
            start: earliest generated timestamp, epoch seconds.
            end: latest generated timestamp, epoch seconds; exceeded only when the range
                has fewer seconds than stars.
            seed: integer that selects the users and the spread of timestamps.
            pinned: stars with fixed users and timestamps.

        Raises:
            ValueError: the population is too small for distinct users.
        """
        generated = count - len(pinned)
        if generated < 0:
            raise ValueError(f"count {count} is smaller than the {len(pinned)} pinned stars")
        if generated > population:
            raise ValueError(
                f"population {population} is too small for {generated} distinct stargazers"
            )
        rng = Random(seed)
        self._count = count
        self._first_id = first_user_id
        self._population = max(population, 1)
        self._offset = rng.randrange(self._population)
        self._stride = _coprime_stride(self._population, rng)
        self._start = start
        self._step = max(1, (end - start) // max(generated, 1))
        self._salt = rng.getrandbits(32)
        self._pinned = sorted(pinned, key=lambda star: star[1])
        self._pinned_positions: list[int] = []
        for rank, (_, starred_at) in enumerate(self._pinned):
            earlier = bisect_left(range(generated), starred_at, key=self._timestamp)
            self._pinned_positions.append(earlier + rank)

    def __len__(self) -> int:
        return self._count

    def slice(self, start: int, stop: int) -> list[Star]:
        """Return the stars at positions `start` to `stop - 1` that exist."""
        stop = min(stop, self._count)
        stars = []
        for position in range(max(start, 0), stop):
            stars.append(self._star_at(position))
        return stars

    def _star_at(self, position: int) -> Star:
        pinned_before = bisect_left(self._pinned_positions, position)
        if pinned_before < len(self._pinned) and self._pinned_positions[pinned_before] == position:
            return self._pinned[pinned_before]
        index = position - pinned_before
        user_index = (self._offset + index * self._stride) % self._population
        return (self._first_id + user_index, self._timestamp(index))

    def _timestamp(self, index: int) -> int:
        jitter = ((index * _GOLDEN) ^ self._salt) & 0xFFFFFFFF
        return self._start + index * self._step + jitter % self._step


def _coprime_stride(population: int, rng: Random) -> int:
    if population <= 2:
        return 1
    while True:
        stride = rng.randrange(1, population)
        if gcd(stride, population) == 1:
            return stride
