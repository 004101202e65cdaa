"""Mapping GitHub payloads to SurrealDB records."""

from __future__ import annotations

from datetime import UTC, datetime

from surrealdb import RecordID

from gitstars.models import GitHubUser, Stargazer
from gitstars.store.records import GHOST_ID, page_records, starred_edge


def gazer(user_id: int, login: str = "someone", day: int = 1) -> Stargazer:
    return Stargazer(starred_at=datetime(2021, 1, day, tzinfo=UTC), user=GitHubUser(id=user_id, login=login))


def test_edge_id_is_user_and_repo():
    edge = starred_edge(gazer(7), 99)
    assert edge["id"] == RecordID("starred", [7, 99])
    assert edge["in"] == RecordID("github_user", 7)
    assert edge["out"] == RecordID("repo", 99)


def test_ghost_skipped():
    users, edges, skipped = page_records([gazer(GHOST_ID, "ghost"), gazer(8)], 99)
    assert skipped == 1
    assert [user["login"] for user in users] == ["someone"]
    assert len(edges) == 1


def test_duplicate_user_on_page_kept_once():
    users, edges, _ = page_records([gazer(8, day=1), gazer(8, day=2)], 99)
    assert len(users) == 1
    assert len(edges) == 1
    assert edges[0]["starred_at"].day == 2


def test_large_id_kept_exact():
    big = 2**62 + 7
    users, _, _ = page_records([gazer(big)], 99)
    assert users[0]["id"] == RecordID("github_user", big)
