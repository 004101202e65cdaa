"""Mapping GitHub payloads to the rows of a page write."""

from __future__ import annotations

from datetime import UTC, datetime

from gitstars.models import GitHubUser, Stargazer
from gitstars.store.records import GHOST_ID, page_rows


def gazer(user_id: int, login: str = "someone", day: int = 1) -> Stargazer:
    return Stargazer(starred_at=datetime(2021, 1, day, tzinfo=UTC), user=GitHubUser(id=user_id, login=login))


def test_row_names_user_and_repo():
    (row,) = page_rows([gazer(7)], 99)
    assert row["id"] == 7
    assert row["repo"] == 99
    assert row["login"] == "someone"


def test_ghost_skipped():
    rows = page_rows([gazer(GHOST_ID, "ghost"), gazer(8)], 99)
    assert [row["login"] for row in rows] == ["someone"]


def test_duplicate_user_on_page_kept_once():
    rows = page_rows([gazer(8, day=1), gazer(8, day=2)], 99)
    assert len(rows) == 1
    assert rows[0]["starred_at"].day == 2


def test_large_id_kept_exact():
    big = 2**62 + 7
    (row,) = page_rows([gazer(big)], 99)
    assert row["id"] == big
