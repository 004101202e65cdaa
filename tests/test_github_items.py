"""Unit tests of item parsing for stargazer and starred-repository pages."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gitstars.github.items import parse_stargazer_items, parse_starred_items

DATA = Path(__file__).parent / "data" / "github_client"

USER = {"login": "u67e2db6fb7", "id": 906808283, "type": "User", "site_admin": False}


def recorded_body(name: str, index: int) -> Any:
    recording = json.loads((DATA / name).read_text())
    return recording["exchanges"][index]["response"]["body"]


def test_stargazers_recorded_page() -> None:
    parsed = parse_stargazer_items(recorded_body("stargazers-star-json-single-page.json", 2))
    assert len(parsed.stargazers) == 6
    assert parsed.skipped == 0
    assert parsed.problems == []
    assert parsed.stargazers[0].starred_at == datetime(2014, 8, 13, 19, 22, 5, tzinfo=UTC)
    assert parsed.stargazers[0].user.login == "u67e2db6fb7"


def test_stargazers_null_user_skipped() -> None:
    items = [{"starred_at": "2020-01-01T00:00:00Z", "user": None}, {"starred_at": "2020-01-02T00:00:00Z", "user": USER}]
    parsed = parse_stargazer_items(items)
    assert [s.user.id for s in parsed.stargazers] == [906808283]
    assert parsed.skipped == 1
    assert parsed.problems == ["item 0: skipped, user is null or missing"]


def test_stargazers_invalid_user_skipped() -> None:
    items = [{"starred_at": "2020-01-01T00:00:00Z", "user": {"login": "ghost"}}]
    parsed = parse_stargazer_items(items)
    assert parsed.stargazers == []
    assert parsed.skipped == 1
    assert parsed.problems[0].startswith("item 0: skipped, invalid user: id:")


def test_stargazers_non_object_skipped() -> None:
    parsed = parse_stargazer_items(["u1", USER | {"user": None}])
    assert parsed.skipped == 2
    assert parsed.problems[0] == "item 0: skipped, expected an object but got str"


def test_stargazers_missing_starred_at_kept() -> None:
    parsed = parse_stargazer_items([{"user": USER}])
    assert len(parsed.stargazers) == 1
    assert parsed.stargazers[0].starred_at is None
    assert parsed.skipped == 0
    assert parsed.problems == ["item 0: starred_at is missing"]


def test_stargazers_invalid_starred_at_kept() -> None:
    parsed = parse_stargazer_items([{"starred_at": "last tuesday", "user": USER}])
    assert parsed.stargazers[0].starred_at is None
    assert parsed.skipped == 0
    assert parsed.problems == ["item 0: starred_at 'last tuesday' is not a valid timestamp"]


def test_stargazers_recorded_plain_users_kept() -> None:
    items = recorded_body("stargazers-plain-3-pages.json", 0)
    parsed = parse_stargazer_items(items)
    assert len(parsed.stargazers) == 30
    assert parsed.skipped == 0
    assert all(s.starred_at is None for s in parsed.stargazers)
    assert parsed.problems[0] == "item 0: starred_at is missing (a plain user item)"


def test_starred_invalid_item_skipped() -> None:
    repo = {"id": 1, "full_name": "o/r", "owner": USER, "stargazers_count": 3}
    items = [{"starred_at": "2020-01-01T00:00:00Z", "repo": repo}, {"starred_at": None, "repo": None}]
    repositories, problems = parse_starred_items(items)
    assert [r.repo.full_name for r in repositories] == ["o/r"]
    assert len(problems) == 1
    assert problems[0].startswith("item 1: skipped, repo:")
