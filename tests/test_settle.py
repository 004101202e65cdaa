"""The settle wait before an account's crawl, with a fake clock."""

from __future__ import annotations

from gitstars.settle import wait_until_settled


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def counter(values: list[int]):
    calls = iter(values)
    last = [values[0]]

    async def count() -> int:
        last[0] = next(calls, last[0])
        return last[0]

    return count


async def test_settles_after_window():
    clock = FakeClock()
    result = await wait_until_settled(counter([1, 5, 9, 9]), settle_seconds=10, max_wait=300, clock=clock, sleep=clock.sleep)
    assert result.settled
    assert result.count == 9
    assert 10 <= result.waited <= 14


async def test_gives_up_at_max_wait():
    clock = FakeClock()
    result = await wait_until_settled(counter(list(range(1, 1000))), settle_seconds=10, max_wait=30, clock=clock, sleep=clock.sleep)
    assert not result.settled
    assert 30 <= result.waited <= 31


async def test_zero_count_waits_for_max():
    clock = FakeClock()
    result = await wait_until_settled(counter([0]), settle_seconds=5, max_wait=20, clock=clock, sleep=clock.sleep)
    assert not result.settled
    assert result.count == 0


async def test_zero_settle_returns_at_once():
    clock = FakeClock()
    result = await wait_until_settled(counter([4]), settle_seconds=0, max_wait=20, clock=clock, sleep=clock.sleep)
    assert result.settled
    assert result.waited == 0
